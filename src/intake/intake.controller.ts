/**
 * HTTP of the intake: the 办件 register, ratings, the 7-day default run. Thin: read, call one service,
 * answer. Answers:
 *   one object   → 201 stored (a rating sent again: the same 201 and body, header idempotent-replayed),
 *                  200 for a 办件 that was a duplicate or got an empty field filled in; errors 4xx
 *   an array/CSV → 207 Multi-Status, always, with {total, stored, duplicate, refused, items: one per row}
 *                  (413 over MAX_BATCH_ROWS rows; the rows are then not looked at)
 */
import { Body, Controller, Get, HttpCode, Inject, Injectable, OnModuleInit, Param, Post, Query, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { User, assertRole } from '../auth/auth.service';
import type { Core } from '../core';
import { ValidationError } from '../errors';
import { CORE, CurrentUser, boolParam, intParam, strParam } from '../http/common';
import { catalogue } from './catalogue';
import { csvRecords } from './csv';
import { parseDayOrInstant } from './instants';
import { MAX_BATCH_ROWS } from './rows';

export const MULTI_STATUS = 207;

/** Lets fastify accept text/csv bodies (as text); registered while the application initialises. */
@Injectable()
export class CsvBodyParser implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit() {
    const fastify = this.host.httpAdapter.getInstance();
    if (!fastify.hasContentTypeParser('text/csv')) fastify.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req: unknown, body: string, done: (e: Error | null, b?: unknown) => void) => done(null, body));
  }
}

/** A day (YYYY-MM-DD, Asia/Shanghai) or an instant from the query; `end` makes a day inclusive. */
export function dateParam(value: unknown, name: string, end = false): Date | undefined {
  const s = strParam(value, name, 40);
  if (s === undefined) return undefined;
  const d = parseDayOrInstant(s, end);
  if (!d) throw new ValidationError(`${name} must be a day YYYY-MM-DD or an ISO 8601 instant`, [{ field: name, reason: 'is not a day or an instant' }]);
  return d;
}

@ApiTags('intake')
@ApiBearerAuth()
@Controller('api/v1/counties/:county/service-cases')
export class ServiceCasesController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Post()
  @ApiOperation({
    summary: `Register 办件: one JSON object (201; 200 when already registered), a JSON array or a text/csv file with a header row (207, one answer per row; at most ${MAX_BATCH_ROWS} rows)`,
  })
  async register(@CurrentUser() user: User, @Param('county') county: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const body = req.body as unknown;
    const svc = this.core.intake.serviceCases;
    if (typeof body === 'string') return reply.status(MULTI_STATUS).send(await svc.registerBatch(user, county, csvRecords(body), true));
    if (Array.isArray(body)) return reply.status(MULTI_STATUS).send(await svc.registerBatch(user, county, body));
    const r = await svc.registerOne(user, county, body);
    return reply.status(r.status === 'stored' ? 201 : 200).send({ ...r.serviceCase, result: r.status });
  }

  @Get()
  @ApiOperation({ summary: '办件 of a county: filters rated (true/false), unit, mode, completedFrom, completedTo (day or instant); paged' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.core.intake.serviceCases.list(user, county, {
      rated: boolParam(q.rated, 'rated'),
      unit: strParam(q.unit, 'unit', 64),
      mode: strParam(q.mode, 'mode', 16),
      completedFrom: dateParam(q.completedFrom, 'completedFrom'),
      completedTo: dateParam(q.completedTo, 'completedTo', true),
      limit: intParam(q.limit, 'limit'),
      offset: intParam(q.offset, 'offset'),
    });
  }

  @Get(':caseNo')
  @ApiOperation({ summary: 'One 办件 by its 办件编号, with the rating in force (or when the 7-day default will land)' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('caseNo') caseNo: string) {
    return this.core.intake.serviceCases.get(user, county, caseNo);
  }
}

@ApiTags('intake')
@ApiBearerAuth()
@Controller('api/v1')
export class EvaluationsController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('evaluations/catalogue')
  @ApiOperation({ summary: 'Levels, channels and the option codes of 附件1' })
  catalogue() {
    return catalogue();
  }

  @Post('counties/:county/evaluations')
  @ApiOperation({
    summary: `Ratings: one object {senderId, caseNo, level, channel, options, otherText, comment, evaluator {kind, name, phone, idNumber}, ratedAt} (201; the same again: the same 201) or an array of at most ${MAX_BATCH_ROWS} (207, one answer per row)`,
  })
  async receive(@CurrentUser() user: User, @Param('county') county: string, @Body() body: unknown, @Res() reply: FastifyReply) {
    const svc = this.core.intake.evaluations;
    if (Array.isArray(body)) return reply.status(MULTI_STATUS).send(await svc.receiveBatch(user, county, body));
    const r = await svc.receiveOne(user, county, body);
    if (r.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(201).send(r.receipt);
  }

  @Get('counties/:county/evaluations')
  @ApiOperation({ summary: 'Ratings in force: filters caseNo, level, bad, isDefault, channel, current (default true), from, to (rated, day or instant); paged; personal data masked' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    const level = intParam(q.level, 'level');
    if (level !== undefined && (level < 1 || level > 5)) throw new ValidationError('level must be 1–5', [{ field: 'level', reason: 'must be 1–5' }]);
    return this.core.intake.evaluations.list(user, county, {
      caseNo: strParam(q.caseNo, 'caseNo', 64),
      level,
      bad: boolParam(q.bad, 'bad'),
      isDefault: boolParam(q.isDefault, 'isDefault'),
      channel: strParam(q.channel, 'channel', 8),
      current: boolParam(q.current, 'current'),
      from: dateParam(q.from, 'from'),
      to: dateParam(q.to, 'to', true),
      limit: intParam(q.limit, 'limit'),
      offset: intParam(q.offset, 'offset'),
    });
  }

  @Get('counties/:county/evaluations/:id')
  @ApiOperation({ summary: 'One rating; reveal=true shows the evaluator in clear (role pii-reader; audited)' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Query('reveal') reveal?: string) {
    return this.core.intake.evaluations.get(user, county, id, boolParam(reveal, 'reveal') ?? false);
  }

  @Post('admin/default-ratings/run')
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply the 7-day default ratings due now (the scheduler does this on its own every few seconds)' })
  async runDefaults(@CurrentUser() user: User) {
    assertRole(user, 'admin');
    return this.core.intake.defaults.run();
  }
}
