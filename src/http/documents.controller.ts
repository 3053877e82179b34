/** Documents of a case over HTTP: the list, one rendered as HTML or PDF, an archived copy as sent. */
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { User } from '../auth/access';
import { DocumentService } from '../documents/documents.service';
import { NotFoundError } from '../errors';
import { Act, CurrentUser } from './guard';
import { boolParam, intParam } from './params';

@ApiTags('documents')
@ApiBearerAuth()
@Controller('api/v1/counties/:county/cases/:id/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentService) {}

  @Get()
  @Act('case.documents')
  @ApiOperation({ summary: 'The documents of a case (登记表, 转办登记表, 调查整改报告, 核查整改情况报告表, 复核申请表 as its county has them) and the copies archived when sent' })
  list(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string) {
    return this.documents.list(user, county, id);
  }

  @Get('archived/:file')
  @Act('case.documents')
  @ApiOperation({ summary: 'An archived copy ({documentId}.pdf), byte for byte as sent; its SHA-256 in the header x-sha256 and in the history' })
  async archived(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Param('file') file: string, @Res() reply: FastifyReply) {
    const m = /^(\d{1,12})\.pdf$/.exec(file);
    if (!m) throw new NotFoundError(`No archived document "${file}": ask for {documentId}.pdf as the list gives it`, { field: 'file', reason: 'must be {documentId}.pdf' });
    const d = await this.documents.archived(user, county, id, intParam(m[1], 'documentId')!);
    return reply.type('application/pdf').header('x-sha256', d.sha256).header('content-disposition', `inline; filename="${d.kind}-${m[1]}.pdf"`).send(d.pdf);
  }

  @Get(':file')
  @Act('case.documents')
  @ApiOperation({ summary: '{kind}.html or {kind}.pdf (A4, Noto Sans SC); personal data masked unless reveal=true (pii-reader, recorded as a reveal)' })
  async one(@CurrentUser() user: User, @Param('county') county: string, @Param('id') id: string, @Param('file') file: string, @Query('reveal') reveal: string | undefined, @Res() reply: FastifyReply) {
    const m = /^([a-z][a-z-]{0,63})\.(html|pdf)$/.exec(file);
    if (!m) throw new NotFoundError(`No document "${file}": ask for {kind}.html or {kind}.pdf (the kinds are listed at …/documents)`, { field: 'file', reason: 'must be {kind}.html or {kind}.pdf' });
    const show = boolParam(reveal, 'reveal') ?? false;
    const headers = { 'cache-control': 'no-store', 'x-revealed': '' };
    if (m[2] === 'html') {
      const r = await this.documents.html(user, county, id, m[1], show);
      return reply.type('text/html; charset=utf-8').headers({ ...headers, 'x-revealed': r.revealed.join(',') }).send(r.html);
    }
    const r = await this.documents.pdf(user, county, id, m[1], show);
    return reply.type('application/pdf').headers({ ...headers, 'x-revealed': r.revealed.join(','), 'content-disposition': `inline; filename="${m[1]}.pdf"` }).send(r.pdf);
  }
}
