import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { User } from '../auth/access';
import { AuditService } from '../audit/audit.service';
import { ValidationError } from '../errors';
import { parseInstant } from '../calendar/civil-date';
import { Act, CurrentUser } from './guard';
import { dateParam, intParam, strParam } from './params';

/** Auditors (审计): verification of the journal, replay, re-execution proof, dossiers. Role auditor or admin, of the county concerned. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get('audit/verify')
  @Act('audit.read')
  @ApiOperation({ summary: 'Verify the SM3 hash chains of a county (those with rows in [from, to) when given) and its daily anchors: {status:"ok", instances, rows, anchors} or the first broken row {status:"broken", instanceId, rowId, seq, reason, expected, found}' })
  verify(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.audit.verifyCounty(user, strParam(q.county, 'county', 64), dateParam(q.from, 'from'), dateParam(q.to, 'to', true));
  }

  @Get('audit/replay-check')
  @Act('audit.read')
  @ApiOperation({ summary: 'Re-execute every instance of a county (limit per call, default 100; continue with after=<next>) and compare with the journal: progress {done, total}, the divergent instances' })
  replayCheck(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.audit.checkCounty(user, strParam(q.county, 'county', 64), { limit: intParam(q.limit, 'limit', 1000), after: strParam(q.after, 'after', 40) });
  }

  @Get('process-instances/:id/verify')
  @Act('audit.read')
  @ApiOperation({ summary: "Verify one instance's hash chain" })
  verifyInstance(@CurrentUser() user: User, @Param('id') id: string) {
    return this.audit.verifyInstance(user, id);
  }

  @Get('process-instances/:id/replay')
  @Act('audit.read')
  @ApiOperation({ summary: 'The state of the instance at an instant (?at=ISO 8601) or after a revision (?revision=N), by re-executing its recorded inputs: version, status, active activities, open tasks (assignee, due), timers, variables' })
  replay(@CurrentUser() user: User, @Param('id') id: string, @Query() q: Record<string, string>) {
    let at: Date | undefined;
    const text = strParam(q.at, 'at', 40);
    if (text !== undefined) {
      at = parseInstant(text);
      if (!at) throw new ValidationError('at must be an ISO 8601 instant, e.g. 2026-11-05T10:00:00+08:00', { field: 'at', reason: 'is not an ISO 8601 instant' });
    }
    return this.audit.replay(user, id, { at, revision: intParam(q.revision, 'revision', 1_000_000) });
  }

  @Get('process-instances/:id/replay/check')
  @Act('audit.read')
  @ApiOperation({ summary: 'Re-execute the whole recorded history and compare every step with the journal: consistent, or the first divergent step and why (input tampered, diagram version changed, calendar changed, result differs)' })
  check(@CurrentUser() user: User, @Param('id') id: string) {
    return this.audit.check(user, id);
  }

  @Get('process-instances/:id/path')
  @Act('audit.read')
  @ApiOperation({ summary: 'What the diagram page draws: the diagram XML, counts of entered activities and taken flows, the replayed state and path of every step' })
  path(@CurrentUser() user: User, @Param('id') id: string) {
    return this.audit.path(user, id);
  }

  @Get('process-instances/:id/dossier')
  @Act('audit.read')
  @ApiOperation({ summary: 'The case file: the case, the diagram XML, the journal with its hashes, the verification, the replayed state of every step (the read is journaled)' })
  dossier(@CurrentUser() user: User, @Param('id') id: string) {
    return this.audit.dossier(user, id);
  }

  @Get('process-instances/:id/dossier.html')
  @Act('audit.read')
  @ApiOperation({ summary: 'The case file as a printable HTML page (the read is journaled)' })
  async dossierHtml(@CurrentUser() user: User, @Param('id') id: string, @Res() reply: FastifyReply) {
    const html = await this.audit.dossierHtml(user, id);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  }
}
