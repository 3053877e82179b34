/**
 * The 办件 register over HTTP. One object → 201 stored (200 for a 办件 that was a duplicate or got an
 * empty field filled in); a JSON array or a text/csv file → 207 Multi-Status, always, with one answer
 * per row (413 over MAX_BATCH_ROWS rows; the rows are then not looked at).
 */
import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../auth/access';
import { MAX_BATCH_ROWS } from '../intake/batch';
import { csvRecords } from '../intake/csv';
import { ServiceCaseService } from '../intake/service-cases.service';
import { CurrentUser } from './guard';
import { boolParam, dateParam, pageParams, strParam } from './params';

export const MULTI_STATUS = 207;

@ApiTags('intake')
@ApiBearerAuth()
@Controller('api/v1/counties/:county/service-cases')
export class ServiceCasesController {
  constructor(private readonly serviceCases: ServiceCaseService) {}

  @Post()
  @ApiOperation({
    summary: `Register 办件: one JSON object (201; 200 when already registered), a JSON array or a text/csv file with a header row (207, one answer per row; at most ${MAX_BATCH_ROWS} rows)`,
  })
  async register(@CurrentUser() user: User, @Param('county') county: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const body = req.body as unknown;
    if (typeof body === 'string') return reply.status(MULTI_STATUS).send(await this.serviceCases.registerBatch(user, county, csvRecords(body), true));
    if (Array.isArray(body)) return reply.status(MULTI_STATUS).send(await this.serviceCases.registerBatch(user, county, body));
    const r = await this.serviceCases.registerOne(user, county, body);
    return reply.status(r.status === 'stored' ? 201 : 200).send({ ...r.serviceCase, result: r.status });
  }

  @Get()
  @ApiOperation({ summary: '办件 of a county: filters rated (true/false), unit, mode, completedFrom, completedTo (day or instant); paged' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.serviceCases.list(user, county, {
      rated: boolParam(q.rated, 'rated'),
      unit: strParam(q.unit, 'unit', 64),
      mode: strParam(q.mode, 'mode', 16),
      completedFrom: dateParam(q.completedFrom, 'completedFrom'),
      completedTo: dateParam(q.completedTo, 'completedTo', true),
      ...pageParams(q),
    });
  }

  @Get(':caseNo')
  @ApiOperation({ summary: 'One 办件 by its 办件编号, with the rating in force (or when the 7-day default will land)' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('caseNo') caseNo: string) {
    return this.serviceCases.get(user, county, caseNo);
  }
}
