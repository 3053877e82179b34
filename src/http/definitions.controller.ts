import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { User } from '../auth/access';
import { ValidationError } from '../errors';
import type { FormSchema } from '../tenants';
import { DeploymentService } from '../workflow/deployments.service';
import { parseMapping } from '../workflow/migrations.service';
import { Act, CurrentUser } from './guard';
import { boolParam, strParam } from './params';

@ApiTags('definitions')
@ApiBearerAuth()
@Controller('api/v1')
export class DefinitionsController {
  constructor(private readonly deployments: DeploymentService) {}

  @Get('definitions')
  @ApiOperation({ summary: 'Deployed process definitions: the current version of each (what new instances start), or every version with versions=all (each flagged current)' })
  async list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    const versions = strParam(q.versions, 'versions', 10);
    if (versions !== undefined && versions !== 'all' && versions !== 'current') throw new ValidationError('versions must be all or current', { field: 'versions', reason: 'must be all or current' });
    const items = await this.deployments.list(user, { countyId: strParam(q.county, 'county', 64), processKey: strParam(q.processKey, 'processKey', 128), allVersions: versions === 'all' });
    return { items };
  }

  @Get('definitions/:id')
  @ApiOperation({ summary: 'One definition version, with its BPMN XML' })
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.deployments.get(user, id);
  }

  @Post('counties/:county/deployments')
  @HttpCode(201)
  @Act('definition.deploy')
  @ApiOperation({
    summary:
      'Deploy a diagram for a county: application/xml body, multipart (a .bpmn file, form .json files, fields migration and keepStranded), or JSON {xml, fileName, forms, migration, keepStranded}. 422 naming each element refused (bounds: see README). Running instances move to new content; the content of an earlier version makes that version current again (created: false, current: true); ?dryRun=true answers what would be refused and what would happen, writing nothing',
  })
  async deploy(@CurrentUser() user: User, @Param('county') county: string, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { xml, fileName, forms, migration, keepStranded } = await readDiagram(req);
    const dryRun = boolParam(q.dryRun, 'dryRun');
    const r = await this.deployments.deployAs(user, county, xml, fileName, forms, { dryRun, mapping: parseMapping(migration), keepStranded });
    if (dryRun) reply.status(200);
    return { ...r.definition, created: r.created, current: r.current, ...(r.dryRun ? { dryRun: true } : {}), ...(r.instances ? { instances: r.instances } : {}), ...(r.migration ? { migration: r.migration } : {}) };
  }

  @Put('counties/:county/processes/:processKey/current')
  @Act('definition.make-current')
  @ApiOperation({ summary: 'Make a deployed version current again {version}: new instances start it (running ones stay on theirs); recorded with who and when' })
  makeCurrent(@CurrentUser() user: User, @Param('county') county: string, @Param('processKey') processKey: string, @Body() body: unknown) {
    return this.deployments.makeCurrent(user, county, processKey, body);
  }
}

/** Reads a diagram from an XML body, a multipart upload or a JSON body. */
async function readDiagram(req: FastifyRequest): Promise<{ xml: string; fileName: string | null; forms: Record<string, FormSchema>; migration?: unknown; keepStranded: boolean }> {
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('multipart/form-data')) {
    let xml: string | undefined;
    let fileName: string | null = null;
    const forms: Record<string, FormSchema> = {};
    const fields: Record<string, string> = {};
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    for await (const part of (req as any).parts()) {
      if (part.type !== 'file') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      const text = (await part.toBuffer()).toString('utf8');
      if (typeof part.filename !== 'string' || part.filename.length > 200) throw new ValidationError('every uploaded file needs a name of at most 200 characters', { field: 'file', reason: 'has no usable file name' });
      if (/\.json$/i.test(part.filename)) {
        try {
          forms[part.filename.replace(/\.json$/i, '')] = JSON.parse(text);
        } catch {
          throw new ValidationError(`${part.filename} is not valid JSON`, { field: part.filename, reason: 'is not valid JSON' });
        }
      } else if (xml === undefined) {
        xml = text;
        fileName = part.filename;
      }
    }
    if (xml === undefined) throw new ValidationError('the upload holds no .bpmn file', { field: 'file', reason: 'is missing' });
    return { xml, fileName, forms, migration: fields.migration, keepStranded: boolParam(fields.keepStranded, 'keepStranded') ?? false };
  }
  const body = req.body as unknown;
  const query = (req.query ?? {}) as Record<string, string>;
  if (typeof body === 'string') return { xml: body, fileName: null, forms: {}, migration: query.migration, keepStranded: boolParam(query.keepStranded, 'keepStranded') ?? false };
  if (body && typeof body === 'object') {
    const b = body as { xml?: unknown; fileName?: unknown; forms?: unknown; migration?: unknown; keepStranded?: unknown };
    if (typeof b.xml !== 'string') throw new ValidationError('send the diagram as application/xml, as multipart, or as JSON {"xml": "..."}', { field: 'xml', reason: 'is missing' });
    if (b.forms !== undefined && (typeof b.forms !== 'object' || b.forms === null || Array.isArray(b.forms))) {
      throw new ValidationError('forms must be an object of formKey → JSON schema', { field: 'forms', reason: 'must be an object of formKey → JSON schema' });
    }
    if (b.keepStranded !== undefined && typeof b.keepStranded !== 'boolean') throw new ValidationError('keepStranded must be true or false', { field: 'keepStranded', reason: 'must be true or false' });
    return { xml: b.xml, fileName: typeof b.fileName === 'string' ? b.fileName : null, forms: (b.forms as Record<string, FormSchema>) ?? {}, migration: b.migration, keepStranded: b.keepStranded === true };
  }
  throw new ValidationError('the body is empty; send the BPMN XML', { field: 'body', reason: 'is empty' });
}
