/**
 * HTTP controllers: thin. Each handler reads the request, calls one core service, returns its answer.
 * Errors are mapped in error.filter.ts.
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { User, assertCounty, assertRole, visibleCounties } from '../auth/auth.service';
import type { Core } from '../core';
import { NotFoundError, ValidationError } from '../errors';
import type { FormSchema } from '../tenants/tenants';
import { CORE, CurrentUser, Public, boolParam, intParam, strParam } from './common';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: database reachable, counties deployed' })
  async health() {
    await this.core.db.knex.raw('select 1');
    return {
      status: 'ok',
      database: this.core.db.kind,
      counties: this.core.tenants.list().map((t) => t.id),
      clock: { now: this.core.clock.now(), simulated: this.core.clock.isSimulated },
      calendar: await this.core.calendars.health(),
    };
  }
}

@ApiTags('definitions')
@ApiBearerAuth()
@Controller('api/v1')
export class DefinitionsController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('definitions')
  @ApiOperation({ summary: 'Deployed process definitions (latest version of each, or all versions with versions=all)' })
  async list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    const county = strParam(q.county, 'county', 64);
    if (county) assertCounty(user, county);
    const items = await this.core.definitions.list({ counties: visibleCounties(user), countyId: county, processKey: strParam(q.processKey, 'processKey'), allVersions: q.versions === 'all' });
    return { items };
  }

  @Get('definitions/:id')
  @ApiOperation({ summary: 'One definition version, with its BPMN XML' })
  async get(@CurrentUser() user: User, @Param('id') id: string) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError(`No process definition ${id}`);
    const d = await this.core.definitions.get(id);
    assertCounty(user, d.county_id, 'definition');
    const { serialized_context: _c, ...rest } = d;
    return rest;
  }

  @Post('counties/:county/deployments')
  @HttpCode(201)
  @ApiOperation({ summary: 'Deploy a diagram for a county: application/xml body, multipart (a .bpmn file and optional form .json files), or JSON {xml, fileName, forms}' })
  async deploy(@CurrentUser() user: User, @Param('county') county: string, @Req() req: FastifyRequest) {
    assertCounty(user, county);
    assertRole(user, 'process-admin');
    const { xml, fileName, forms } = await readDiagram(req);
    const r = await this.core.definitions.deploy(county, xml, fileName, user.id, forms);
    return { ...r.definition, created: r.created };
  }
}

/** Reads a diagram from an XML body, a multipart upload or a JSON body. */
async function readDiagram(req: FastifyRequest): Promise<{ xml: string; fileName: string | null; forms: Record<string, FormSchema> }> {
  const type = String(req.headers['content-type'] ?? '');
  if (type.startsWith('multipart/form-data')) {
    let xml: string | undefined;
    let fileName: string | null = null;
    const forms: Record<string, FormSchema> = {};
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    for await (const part of (req as any).parts()) {
      if (part.type !== 'file') continue;
      const text = (await part.toBuffer()).toString('utf8');
      if (/\.json$/i.test(part.filename)) {
        try {
          forms[part.filename.replace(/\.json$/i, '')] = JSON.parse(text);
        } catch {
          throw new ValidationError(`${part.filename} is not valid JSON`, { field: part.filename });
        }
      } else if (xml === undefined) {
        xml = text;
        fileName = part.filename;
      }
    }
    if (xml === undefined) throw new ValidationError('the upload holds no .bpmn file', { field: 'file' });
    return { xml, fileName, forms };
  }
  const body = req.body as unknown;
  if (typeof body === 'string') return { xml: body, fileName: null, forms: {} };
  if (body && typeof body === 'object') {
    const b = body as { xml?: unknown; fileName?: unknown; forms?: unknown };
    if (typeof b.xml !== 'string') throw new ValidationError('send the diagram as application/xml, as multipart, or as JSON {"xml": "..."}', { field: 'xml' });
    if (b.forms !== undefined && (typeof b.forms !== 'object' || b.forms === null || Array.isArray(b.forms))) throw new ValidationError('forms must be an object of formKey → JSON schema', { field: 'forms' });
    return { xml: b.xml, fileName: typeof b.fileName === 'string' ? b.fileName : null, forms: (b.forms as Record<string, FormSchema>) ?? {} };
  }
  throw new ValidationError('the body is empty; send the BPMN XML', { field: 'body' });
}

@ApiTags('process instances')
@ApiBearerAuth()
@Controller('api/v1')
export class InstancesController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Post('counties/:county/process-instances')
  @HttpCode(201)
  @ApiOperation({ summary: 'Start an instance: {processKey, businessKey?, variables?}; runs until every branch waits or ends' })
  start(@CurrentUser() user: User, @Param('county') county: string, @Body() body: Record<string, unknown>) {
    return this.core.instances.start(user, county, body ?? {});
  }

  @Get('process-instances')
  @ApiOperation({ summary: 'Instances, filtered by county, processKey, businessKey, status; paged with limit/offset' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.core.instances.list(user, {
      county: strParam(q.county, 'county', 64),
      processKey: strParam(q.processKey, 'processKey'),
      businessKey: strParam(q.businessKey, 'businessKey'),
      status: strParam(q.status, 'status', 16),
      limit: intParam(q.limit, 'limit'),
      offset: intParam(q.offset, 'offset'),
    });
  }

  @Get('process-instances/:id')
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.core.instances.get(user, id);
  }

  @Get('process-instances/:id/history')
  @ApiOperation({ summary: 'Every step of the instance in order: activities entered, waited, completed, flows taken, timers, tasks, services' })
  history(@CurrentUser() user: User, @Param('id') id: string) {
    return this.core.instances.history(user, id);
  }
}

@ApiTags('tasks')
@ApiBearerAuth()
@Controller('api/v1/tasks')
export class TasksController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get()
  @ApiOperation({ summary: 'Task inbox: filters county, candidateGroup, assignee, instanceId, businessKey, overdue, status (open); paged' })
  list(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    return this.core.tasks.list(user, {
      county: strParam(q.county, 'county', 64),
      candidateGroup: strParam(q.candidateGroup, 'candidateGroup'),
      assignee: strParam(q.assignee, 'assignee'),
      instanceId: strParam(q.instanceId, 'instanceId', 36),
      businessKey: strParam(q.businessKey, 'businessKey'),
      overdue: boolParam(q.overdue, 'overdue'),
      status: strParam(q.status, 'status', 16),
      limit: intParam(q.limit, 'limit'),
      offset: intParam(q.offset, 'offset'),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task with its form and the variables the form needs' })
  get(@CurrentUser() user: User, @Param('id') id: string) {
    return this.core.tasks.get(user, id);
  }

  @Post(':id/claim')
  @HttpCode(200)
  claim(@CurrentUser() user: User, @Param('id') id: string) {
    return this.core.tasks.claim(user, id);
  }

  @Post(':id/unclaim')
  @HttpCode(200)
  unclaim(@CurrentUser() user: User, @Param('id') id: string) {
    return this.core.tasks.unclaim(user, id);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete with {variables}: validated against the task form (400 naming the field), 409 if already completed' })
  complete(@CurrentUser() user: User, @Param('id') id: string, @Body() body: { variables?: unknown }) {
    return this.core.tasks.complete(user, id, body?.variables);
  }

  @Get(':id/comments')
  comments(@CurrentUser() user: User, @Param('id') id: string) {
    return this.core.tasks.comments(user, id);
  }

  @Post(':id/comments')
  @HttpCode(201)
  addComment(@CurrentUser() user: User, @Param('id') id: string, @Body() body: { body?: unknown }) {
    return this.core.tasks.addComment(user, id, body?.body);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/v1/admin')
export class AdminController {
  constructor(@Inject(CORE) private readonly core: Core) {}

  @Get('clock')
  clock() {
    return { now: this.core.clock.now(), simulated: this.core.clock.isSimulated, controllable: this.core.clock.isControllable };
  }

  @Put('clock')
  @ApiOperation({ summary: 'Set simulated time {now: ISO instant} (CLOCK_CONTROL=true only) and fire every timer due then' })
  async setClock(@CurrentUser() user: User, @Body() body: { now?: unknown }) {
    assertRole(user, 'admin');
    if (!this.core.clock.isControllable) throw new ValidationError('The clock cannot be set: start the server with CLOCK_CONTROL=true (never in production)', undefined, 'clock_not_controllable');
    const at = typeof body?.now === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(body.now) ? new Date(body.now) : undefined;
    if (!at || Number.isNaN(at.getTime())) throw new ValidationError('now must be an ISO 8601 instant, e.g. 2026-10-09T09:00:00+08:00', { field: 'now' });
    return this.core.setClock(at);
  }

  @Post('users')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a user {id, name, roles, counties, units}; answers the bearer token once' })
  async createUser(@CurrentUser() user: User, @Body() body: Record<string, unknown>) {
    assertRole(user, 'admin');
    const { user: created, token } = await this.core.auth.createUser(body as never, this.core.clock.now());
    return { ...created, token };
  }

  @Get('outbox')
  @ApiOperation({ summary: 'Notifications waiting, delivered or dead, each with the instance and business key (case) that wrote it; filters status, instanceId, businessKey' })
  async outbox(@CurrentUser() user: User, @Query() q: Record<string, string>) {
    assertRole(user, 'admin');
    const status = strParam(q.status, 'status', 16);
    const instanceId = strParam(q.instanceId, 'instanceId', 64);
    const businessKey = strParam(q.businessKey, 'businessKey', 200);
    // Each row names its case: the instance that wrote it and that instance's business key (the case id for cases from the intake).
    const rows = await this.core.db
      .knex('outbox as o')
      .leftJoin('process_instances as i', 'i.id', 'o.instance_id')
      .modify((b) => {
        if (status) b.where('o.status', status);
        if (instanceId) b.where('o.instance_id', instanceId);
        if (businessKey) b.where('i.business_key', businessKey);
      })
      .orderBy('o.created_at', 'desc')
      .limit(intParam(q.limit, 'limit') ?? 50)
      .select('o.id', 'o.county_id as county', 'o.instance_id as instanceId', 'i.business_key as businessKey', 'o.topic', 'o.recipients', 'o.status', 'o.attempts', 'o.last_error as lastError', 'o.created_at as createdAt', 'o.delivered_at as deliveredAt');
    return { items: rows };
  }
}
