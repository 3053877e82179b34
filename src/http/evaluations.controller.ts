/**
 * Ratings over HTTP. One object → 201 (the same rating sent again: the same 201 and body, header
 * idempotent-replayed); an array → 207 Multi-Status with one answer per row.
 */
import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { User } from '../auth/access';
import { catalogue } from '../cases/catalogue';
import { ValidationError } from '../errors';
import { MAX_BATCH_ROWS } from '../intake/batch';
import { EvaluationService } from '../intake/evaluations.service';
import { CurrentUser } from './guard';
import { boolParam, dateParam, intParam, pageParams, strParam } from './params';
import { MULTI_STATUS } from './service-cases.controller';

@ApiTags('intake')
@ApiBearerAuth()
@Controller('api/v1')
export class EvaluationsController {
  constructor(private readonly evaluations: EvaluationService) {}

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
    if (Array.isArray(body)) return reply.status(MULTI_STATUS).send(await this.evaluations.receiveBatch(user, county, body));
    const r = await this.evaluations.receiveOne(user, county, body);
    if (r.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(201).send(r.receipt);
  }

  @Get('counties/:county/evaluations')
  @ApiOperation({ summary: 'Ratings in force: filters caseNo, level, bad, isDefault, channel, current (default true), from, to (rated, day or instant); paged; personal data masked' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    const level = intParam(q.level, 'level');
    if (level !== undefined && (level < 1 || level > 5)) throw new ValidationError('level must be 1–5', [{ field: 'level', reason: 'must be 1–5' }]);
    return this.evaluations.list(user, county, {
      caseNo: strParam(q.caseNo, 'caseNo', 64),
      level,
      bad: boolParam(q.bad, 'bad'),
      isDefault: boolParam(q.isDefault, 'isDefault'),
      channel: strParam(q.channel, 'channel', 8),
      current: boolParam(q.current, 'current'),
      from: dateParam(q.from, 'from'),
      to: dateParam(q.to, 'to', true),
      ...pageParams(q),
    });
  }

  @Get('counties/:county/evaluations/:id')
  @ApiOperation({ summary: 'One rating; reveal=true shows the evaluator in clear (role pii-reader; audited)' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Query('reveal') reveal?: string) {
    return this.evaluations.get(user, county, id, boolParam(reveal, 'reveal') ?? false);
  }
}
