/** Bulletins (通报) over HTTP: the editions of a county, one edition, its page and PDF, approve, publish. */
import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { User } from '../auth/access';
import { BulletinService } from '../bulletins/bulletins.service';
import { NotFoundError } from '../errors';
import { Act, CurrentUser } from './guard';
import { pageParams, strParam } from './params';

@ApiTags('bulletins')
@ApiBearerAuth()
@Controller('api/v1/counties/:county/bulletins')
export class BulletinsController {
  constructor(private readonly bulletins: BulletinService) {}

  @Get()
  @Act('bulletin.read')
  @ApiOperation({ summary: 'Bulletin editions (期号), newest period first: filters kind (monthly | quarterly | half-year | yearly), status (draft | approved | published); paged' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>) {
    return this.bulletins.list(user, county, { kind: strParam(q.kind, 'kind', 16), status: strParam(q.status, 'status', 16), ...pageParams(q) });
  }

  @Post()
  @Act('bulletin.generate')
  @ApiOperation({ summary: 'Generate the edition of an ended period now {kind, period: 2026-10 | 2026-Q4 | 2026-H2 | 2026} (the scheduler does it on time)' })
  generate(@CurrentUser() user: User, @Param('county') county: string, @Body() body: Record<string, unknown>) {
    return this.bulletins.generate(user, county, body ?? {});
  }

  @Get(':id')
  @Act('bulletin.read')
  @ApiOperation({ summary: 'One edition: figures by level, channel and unit, rankings, the cases it lists' })
  get(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string) {
    return this.bulletins.get(user, county, id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Act('bulletin.approve')
  @ApiOperation({ summary: 'Approve a draft (who and when are kept)' })
  approve(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string) {
    return this.bulletins.approve(user, county, id);
  }

  @Post(':id/publish')
  @HttpCode(200)
  @Act('bulletin.publish')
  @ApiOperation({ summary: 'Publish an approved edition' })
  publish(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string) {
    return this.bulletins.publish(user, county, id);
  }

  @Get(':id/:file')
  @Act('bulletin.read')
  @ApiOperation({ summary: 'bulletin.html or bulletin.pdf (A4, SVG charts)' })
  async render(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Param('file') file: string, @Res() reply: FastifyReply) {
    const m = /^bulletin\.(html|pdf)$/.exec(file);
    if (!m) throw new NotFoundError(`No "${file}": ask for bulletin.html or bulletin.pdf`, { field: 'file', reason: 'must be bulletin.html or bulletin.pdf' });
    const r = await this.bulletins.render(user, county, id, m[1] as 'html' | 'pdf');
    if (m[1] === 'html') return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(r.html);
    return reply.type('application/pdf').header('content-disposition', 'inline; filename="bulletin.pdf"').send(r.pdf);
  }
}
