import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Health } from '../health';
import { Public } from './guard';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(private readonly health: Health) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: database reachable, counties deployed, clock, calendar warnings' })
  report() {
    return this.health.report();
  }
}
