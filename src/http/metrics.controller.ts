import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Metrics } from '../metrics';
import { Act, MetricsScrape } from './guard';

@ApiTags('health')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @MetricsScrape()
  @Act('metrics.read')
  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics: steps (latency by kind, counts and failures by county and process), timers due and their lag, the outbox, the engine cache, memory, ratings. An installation administrator, or METRICS_TOKEN.' })
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', this.metrics.contentType);
    return this.metrics.scrape();
  }
}
