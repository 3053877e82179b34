/** Bad-review cases over HTTP: the case list and detail, county figures, the reveal audit. */
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { User } from '../auth/access';
import { CaseService } from '../cases/cases.service';
import { CurrentUser } from './guard';
import { boolParam, dateParam, pageParams, strParam } from './params';

@ApiTags('cases')
@ApiBearerAuth()
@Controller('api/v1/counties/:county')
export class CasesController {
  constructor(private readonly cases: CaseService) {}

  @Get('cases')
  @ApiOperation({ summary: 'Cases: filters status, unit, kind (system-pushed | on-site), overdue, receivedFrom, receivedTo (day or instant); paged' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.cases.list(user, county, {
      status: strParam(q.status, 'status', 16),
      unit: strParam(q.unit, 'unit', 64),
      kind: strParam(q.kind, 'kind', 16),
      overdue: boolParam(q.overdue, 'overdue'),
      receivedFrom: dateParam(q.receivedFrom, 'receivedFrom'),
      receivedTo: dateParam(q.receivedTo, 'receivedTo', true),
      ...pageParams(q),
    });
  }

  @Get('cases/:id')
  @ApiOperation({ summary: 'One case: rating and options, kind, status, responsible unit, open tasks with deadlines, outcome, history; reveal=true (pii-reader, audited)' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Query('reveal') reveal?: string) {
    return this.cases.get(user, county, id, boolParam(reveal, 'reveal') ?? false);
  }

  @Get('stats')
  @ApiOperation({ summary: 'County figures for ratings made in [from, to]: by level, evaluators versus 7-day defaults, good and bad rates (revoked cases not counted), cases by status' })
  stats(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.cases.stats(user, county, { from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to', true) });
  }

  @Get('pii-reveals')
  @ApiOperation({ summary: 'Audit of personal data shown in clear (role auditor)' })
  reveals(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.cases.reveals(user, county, pageParams(q));
  }
}
