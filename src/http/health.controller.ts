import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Health } from '../health';
import { Public } from './guard';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly health: Health) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: database, counties deployed, clock, calendar (today\'s year loaded), scheduler (running, last round), long jobs and their progress. 503 with `notReady` naming what is not ready.' })
  async report(@Res({ passthrough: true }) reply: FastifyReply) {
    const out = await this.health.report();
    if (out.status === 'not_ready') reply.status(503);
    return out;
  }
}
