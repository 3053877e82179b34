/** HTTP of bad-review cases: on-site complaints, the case list and detail, county figures, the reveal audit. */
import { Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../auth/auth.service';
import type { Core } from '../core';
import { CORE, CurrentUser, boolParam, intParam, strParam } from '../http/common';
import { dateParam } from '../intake/intake.controller';

@ApiTags('cases')
@ApiBearerAuth()
@Controller('api/v1/counties/:county')
export class CasesController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Post('complaints')
  @ApiOperation({
    summary: 'Register an on-site complaint {senderId?, complainant {name, phone, idNumber?}, description, unitId or caseNo, staffName?, options?, occurredAt?} and start the county on-site diagram (201; with senderId the same again gives the same 201)',
  })
  async complain(@CurrentUser() user: User, @Param('county') county: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const r = await this.core.intake.cases.complain(user, county, req.body);
    if (r.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(201).send(r.receipt);
  }

  @Get('cases')
  @ApiOperation({ summary: 'Cases: filters status, unit, kind (system-pushed | on-site), overdue, receivedFrom, receivedTo (day or instant); paged' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.core.intake.cases.list(user, county, {
      status: strParam(q.status, 'status', 16),
      unit: strParam(q.unit, 'unit', 64),
      kind: strParam(q.kind, 'kind', 16),
      overdue: boolParam(q.overdue, 'overdue'),
      receivedFrom: dateParam(q.receivedFrom, 'receivedFrom'),
      receivedTo: dateParam(q.receivedTo, 'receivedTo', true),
      limit: intParam(q.limit, 'limit'),
      offset: intParam(q.offset, 'offset'),
    });
  }

  @Get('cases/:id')
  @ApiOperation({ summary: 'One case: rating and options, kind, status, responsible unit, open tasks with deadlines, outcome, history; reveal=true (pii-reader, audited)' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Query('reveal') reveal?: string) {
    return this.core.intake.cases.get(user, county, id, boolParam(reveal, 'reveal') ?? false);
  }

  @Get('stats')
  @ApiOperation({ summary: 'County figures for ratings made in [from, to]: by level, evaluators versus 7-day defaults, good and bad rates (revoked cases not counted), cases by status' })
  stats(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.core.intake.cases.stats(user, county, { from: dateParam(q.from, 'from'), to: dateParam(q.to, 'to', true) });
  }

  @Get('pii-reveals')
  @ApiOperation({ summary: 'Audit of personal data shown in clear (role auditor)' })
  reveals(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.core.intake.cases.reveals(user, county, { limit: intParam(q.limit, 'limit'), offset: intParam(q.offset, 'offset') });
  }
}
