/** The performance ledger (绩效) of a county over HTTP. */
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { PerformanceLedger } from '../performance/ledger';
import { Act, CurrentUser } from './guard';
import { strParam } from './params';

@ApiTags('performance')
@ApiBearerAuth()
@Controller('api/v1/counties/:county/performance')
export class PerformanceController {
  constructor(private readonly ledger: PerformanceLedger) {}

  @Get()
  @Act('performance.read')
  @ApiOperation({ summary: 'Ledger of a period (period=2026-10 | 2026-Q4 | 2026-H2 | 2026; default the last month): units and staff ranked, the lowest for supervision, 第十条 deductions per window and person where configured' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Query('period') period?: string) {
    return this.ledger.ledger(user, county, strParam(period, 'period', 16));
  }
}
