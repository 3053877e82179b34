/**
 * External tasks for workers (Camunda 7's external task API): fetch and lock with long polling, complete,
 * throw a BPMN error, report a failure (retries, an incident at zero), extend, take or release a lock.
 *
 * Completing and throwing a BPMN error are engine steps (src/engine/runner.ts, action `external`), with
 * their input in the journal; locks, failures and incidents change only the task row, each with its
 * journal row in the same transaction. A user sees and works the tasks of the counties they may see.
 *
 * Long polling holds no database connection: each look for work is one short transaction, and between
 * looks the request waits for a wake-up (a step in this process created external tasks, a lock was
 * released) or the poll interval (work created by another server process), until asyncResponseTimeout.
 */
import type { Knex } from 'knex';
import { User, assertCounty, visibleCounties } from '../auth/access';
import type { Clock } from '../clock';
import { appendJournal, currentRevision } from '../db/journal';
import type { DefinitionRow, ExternalTaskRow, InstanceRow } from '../db/tables';
import type { DefinitionStore } from '../engine/definition-store';
import * as rows from '../engine/external-tasks';
import type { Runner } from '../engine/runner';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../ids';
import { TypedValue, camundaDate, decodeVariables, encodeVariables, flag, text, textList, wholeNumber } from './camunda';

/** Camunda's own ceiling for asyncResponseTimeout: 30 minutes. */
export const MAX_ASYNC_RESPONSE_MS = 1_800_000;
const MAX_LOCK_MS = 366 * 24 * 3600_000;

export interface ExternalTaskDto {
  id: string;
  activityId: string;
  activityInstanceId: string;
  executionId: string;
  processInstanceId: string;
  processDefinitionId: string;
  processDefinitionKey: string;
  processDefinitionVersionTag: null;
  businessKey: string | null;
  topicName: string;
  workerId: string | null;
  lockExpirationTime: string | null;
  retries: number | null;
  errorMessage: string | null;
  suspended: false;
  priority: number;
  tenantId: string;
  createTime: string | null;
  variables?: Record<string, TypedValue>;
  extensionProperties?: Record<string, string>;
}

type Joined = ExternalTaskRow & { business_key: string | null; process_key: string; definition_id: string; variables?: Record<string, unknown> };

interface Waiter {
  wake(): void;
}

export class ExternalTaskService {
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  constructor(
    private readonly knex: Knex,
    private readonly runner: Runner,
    private readonly clock: Clock,
    private readonly definitions: DefinitionStore,
    private readonly opts: { pollIntervalMs: number },
  ) {}

  /** New work may be there: every waiting fetchAndLock looks again now. */
  wake(): void {
    for (const w of [...this.waiters]) w.wake();
  }

  /** Shutdown: waiting requests answer at once (with what they have: nothing). */
  close(): void {
    this.closed = true;
    this.wake();
  }

  async fetchAndLock(user: User, body: unknown, signal?: AbortSignal): Promise<ExternalTaskDto[]> {
    const req = parseFetch(body);
    const counties = visibleCounties(user);
    const deadline = Date.now() + req.asyncResponseTimeout;
    for (;;) {
      const locked = await rows.lockExternalTasks(this.knex, {
        workerId: req.workerId,
        counties,
        topics: req.topics,
        maxTasks: req.maxTasks,
        usePriority: req.usePriority,
        now: this.clock.now(),
        actor: user.id,
      });
      if (locked.length) return this.dtos(locked, req.topics);
      const left = deadline - Date.now();
      if (left <= 0 || this.closed || signal?.aborted) return [];
      await this.pause(Math.min(left, this.opts.pollIntervalMs), signal);
    }
  }

  /** Waits for a wake-up, the interval, or the client going away; holds nothing meanwhile. */
  private pause(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = { wake: () => done() };
      const timer = setTimeout(() => done(), ms);
      const onAbort = () => done();
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort);
    });
  }

  async complete(user: User, id: string, body: unknown): Promise<void> {
    const b = object(body);
    const task = await this.load(user, id);
    const workerId = required(text(b.workerId, 'workerId'), 'workerId');
    const variables = decodeVariables(b.variables, 'variables');
    // Local variables live only as long as the activity in Camunda; here they would be gone at once.
    decodeVariables(b.localVariables, 'localVariables');
    await this.runner.external(task, user.id, { workerId, kind: 'complete', variables });
  }

  async bpmnError(user: User, id: string, body: unknown): Promise<void> {
    const b = object(body);
    const task = await this.load(user, id);
    const workerId = required(text(b.workerId, 'workerId'), 'workerId');
    const errorCode = required(text(b.errorCode, 'errorCode'), 'errorCode');
    const errorMessage = text(b.errorMessage, 'errorMessage', 4000);
    const variables = decodeVariables(b.variables, 'variables');
    const def = await this.definitions.get(task.definition_id);
    const catches = def.row.elements.externalTasks?.[task.element_id]?.catches ?? [];
    if (catches !== '*' && !catches.includes(errorCode)) {
      throw new ValidationError(
        `No error boundary event of ${task.element_id} catches errorCode "${errorCode}"${catches.length ? `; it catches ${catches.join(', ')}` : '; it has none'}. Report a failure instead, or add the boundary event to the diagram`,
        { field: 'errorCode', reason: 'is caught by no boundary event of the task' },
      );
    }
    await this.runner.external(task, user.id, { workerId, kind: 'bpmnError', variables, errorCode, errorMessage });
  }

  async failure(user: User, id: string, body: unknown): Promise<void> {
    const b = object(body);
    const task = await this.load(user, id);
    const workerId = required(text(b.workerId, 'workerId'), 'workerId');
    const errorMessage = text(b.errorMessage, 'errorMessage', 4000) ?? null;
    const errorDetails = text(b.errorDetails, 'errorDetails', 100_000) ?? null;
    const retries = required(wholeNumber(b.retries, 'retries', { max: 1_000_000 }), 'retries');
    const retryTimeout = wholeNumber(b.retryTimeout, 'retryTimeout', { max: MAX_LOCK_MS }) ?? 0;
    const now = this.clock.now();
    await this.knex.transaction(async (trx) => {
      const current = await this.lockedBy(trx, task.id, workerId, now);
      const incident = retries === 0 ? errorMessage ?? 'the worker reported a failure with no retries left' : null;
      await rows.recordFailure(trx, current.id, {
        retries,
        errorMessage,
        errorDetails,
        availableAt: retries > 0 && retryTimeout > 0 ? new Date(now.getTime() + retryTimeout) : null,
        incident,
        at: now,
      });
      await this.journal(trx, current, user.id, 'externalTask.failed', { externalTaskId: current.id, workerId, retries, retryTimeout, errorMessage });
      if (incident) await this.journal(trx, current, user.id, 'incident.created', { externalTaskId: current.id, incidentType: 'failedExternalTask', message: incident });
    });
    if (retries > 0 && retryTimeout === 0) this.wake();
  }

  async extendLock(user: User, id: string, body: unknown): Promise<void> {
    const b = object(body);
    const task = await this.load(user, id);
    const workerId = required(text(b.workerId, 'workerId'), 'workerId');
    const newDuration = required(wholeNumber(b.newDuration, 'newDuration', { min: 1, max: MAX_LOCK_MS }), 'newDuration');
    await this.relock(user, task, workerId, newDuration, false);
  }

  async lock(user: User, id: string, body: unknown): Promise<void> {
    const b = object(body);
    const task = await this.load(user, id);
    const workerId = required(text(b.workerId, 'workerId'), 'workerId');
    const lockDuration = required(wholeNumber(b.lockDuration, 'lockDuration', { min: 1, max: MAX_LOCK_MS }), 'lockDuration');
    await this.relock(user, task, workerId, lockDuration, true);
  }

  async unlock(user: User, id: string): Promise<void> {
    const task = await this.load(user, id);
    await this.knex.transaction(async (trx) => {
      const current = await rows.findExternalTask(trx, task.id);
      if (!current || current.status !== 'open') throw notOpen(task.id, current?.status);
      await rows.clearLock(trx, task.id);
      await this.journal(trx, current, user.id, 'externalTask.unlocked', { externalTaskId: task.id, workerId: current.worker_id });
    });
    this.wake();
  }

  /** An administrator resolves an incident (or changes the retries left): retries > 0 makes the task fetchable again. */
  async setRetries(user: User, id: string, body: unknown): Promise<void> {
    const b = object(body);
    const task = await this.load(user, id);
    const retries = required(wholeNumber(b.retries, 'retries', { max: 1_000_000 }), 'retries');
    await this.knex.transaction(async (trx) => {
      const current = await rows.findExternalTask(trx, task.id);
      if (!current || current.status !== 'open') throw notOpen(task.id, current?.status);
      await rows.setRetries(trx, task.id, retries);
      if (current.incident && retries > 0) await this.journal(trx, current, user.id, 'incident.resolved', { externalTaskId: task.id, retries });
      else await this.journal(trx, current, user.id, 'externalTask.retriesSet', { externalTaskId: task.id, retries });
    });
    if (retries > 0) this.wake();
  }

  async get(user: User, id: string): Promise<ExternalTaskDto> {
    return dto(await this.load(user, id));
  }

  async errorDetails(user: User, id: string): Promise<string> {
    return (await this.load(user, id)).error_details ?? '';
  }

  async list(user: User, q: Record<string, unknown>): Promise<ExternalTaskDto[]> {
    const query = this.query(user, q);
    const first = wholeNumber(q.firstResult, 'firstResult') ?? 0;
    const max = Math.min(wholeNumber(q.maxResults, 'maxResults') ?? 200, 1000);
    const found: Joined[] = await query.select('x.*', 'i.business_key', 'i.process_key', 'i.definition_id').orderBy([{ column: 'x.created_at' }, { column: 'x.id' }]).offset(first).limit(max);
    return found.map(dto);
  }

  async count(user: User, q: Record<string, unknown>): Promise<{ count: number }> {
    const [{ count }] = await this.query(user, q).count<{ count: string | number }[]>('x.id as count');
    return { count: Number(count) };
  }

  /** Incidents (external tasks whose retries ran out), as Camunda's GET /incident lists them. */
  async incidents(user: User, q: Record<string, unknown>) {
    const query = this.query(user, { ...q, withRetriesLeft: undefined }).whereNotNull('x.incident');
    const first = wholeNumber(q.firstResult, 'firstResult') ?? 0;
    const max = Math.min(wholeNumber(q.maxResults, 'maxResults') ?? 200, 1000);
    const found: Joined[] = await query.select('x.*', 'i.business_key', 'i.process_key', 'i.definition_id').orderBy([{ column: 'x.incident_at' }, { column: 'x.id' }]).offset(first).limit(max);
    return found.map((r) => ({
      id: r.id,
      processDefinitionId: r.definition_id,
      processInstanceId: r.instance_id,
      executionId: r.execution_id,
      incidentTimestamp: camundaDate(r.incident_at),
      incidentType: 'failedExternalTask',
      activityId: r.element_id,
      failedActivityId: r.element_id,
      causeIncidentId: r.id,
      rootCauseIncidentId: r.id,
      configuration: r.id,
      tenantId: r.county_id,
      incidentMessage: r.incident,
      jobDefinitionId: null,
      annotation: null,
    }));
  }

  private query(user: User, q: Record<string, unknown>) {
    const query = this.knex('external_tasks as x').join('process_instances as i', 'i.id', 'x.instance_id');
    const counties = visibleCounties(user);
    if (counties !== '*') query.whereIn('x.county_id', counties);
    const status = flag(q.active, 'active') === false ? undefined : 'open';
    if (status) query.where('x.status', status);
    const id = text(q.externalTaskId, 'externalTaskId', 36);
    if (id) query.where('x.id', isUuid(id) ? id : '00000000-0000-0000-0000-000000000000');
    const topic = text(q.topicName, 'topicName');
    if (topic) query.where('x.topic', topic);
    const workerId = text(q.workerId, 'workerId');
    if (workerId) query.where('x.worker_id', workerId);
    const instance = text(q.processInstanceId, 'processInstanceId', 36);
    if (instance) query.where('x.instance_id', isUuid(instance) ? instance : '00000000-0000-0000-0000-000000000000');
    const activity = text(q.activityId, 'activityId');
    if (activity) query.where('x.element_id', activity);
    const tenants = textList(q.tenantIdIn, 'tenantIdIn');
    if (tenants) query.whereIn('x.county_id', tenants);
    const locked = flag(q.locked, 'locked');
    const now = this.clock.now();
    if (locked === true) query.where('x.lock_expires_at', '>', now);
    if (locked === false) query.andWhere((w) => w.whereNull('x.lock_expires_at').orWhere('x.lock_expires_at', '<=', now));
    const withRetries = flag(q.withRetriesLeft, 'withRetriesLeft');
    if (withRetries === true) query.andWhere((w) => w.whereNull('x.retries').orWhere('x.retries', '>', 0));
    if (withRetries === false || flag(q.noRetriesLeft, 'noRetriesLeft') === true) query.where('x.retries', 0);
    return query;
  }

  private async relock(user: User, task: Joined, workerId: string, duration: number, takeOver: boolean): Promise<void> {
    const now = this.clock.now();
    const until = new Date(now.getTime() + duration);
    await this.knex.transaction(async (trx) => {
      const current = await rows.findExternalTask(trx, task.id);
      if (!current || current.status !== 'open') throw notOpen(task.id, current?.status);
      if (!(await rows.setLock(trx, task.id, workerId, until, now, { takeOver }))) {
        const held = current.worker_id && current.lock_expires_at && new Date(current.lock_expires_at).getTime() > now.getTime();
        const reason = takeOver ? `is locked by worker ${current.worker_id}` : held ? `is locked by worker ${current.worker_id}` : 'is not locked by you (its lock lapsed or it was never fetched)';
        throw new ConflictError(`External task ${task.id} ${reason}`, { field: 'workerId', reason, workerId: current.worker_id }, 'external_task_locked');
      }
      await this.journal(trx, current, user.id, takeOver ? 'externalTask.locked' : 'externalTask.lockExtended', { externalTaskId: task.id, workerId, lockExpiresAt: until.toISOString() });
    });
  }

  private async lockedBy(trx: Knex.Transaction, id: string, workerId: string, now: Date): Promise<ExternalTaskRow> {
    const current = await rows.findExternalTask(trx, id);
    if (!current || current.status !== 'open') throw notOpen(id, current?.status);
    if (current.worker_id !== workerId || !current.lock_expires_at || new Date(current.lock_expires_at).getTime() <= now.getTime()) {
      const reason = current.worker_id && current.lock_expires_at && new Date(current.lock_expires_at).getTime() > now.getTime() ? `is locked by worker ${current.worker_id}` : 'is not locked by you (fetch and lock it first)';
      throw new ConflictError(`External task ${id} ${reason}`, { field: 'workerId', reason, workerId: current.worker_id }, 'external_task_locked');
    }
    return current;
  }

  private async load(user: User, id: string): Promise<Joined> {
    if (!isUuid(id)) throw new NotFoundError(`No external task ${id}`);
    const row: Joined | undefined = await this.knex('external_tasks as x')
      .join('process_instances as i', 'i.id', 'x.instance_id')
      .where('x.id', id)
      .first('x.*', 'i.business_key', 'i.process_key', 'i.definition_id');
    if (!row) throw new NotFoundError(`No external task ${id}`);
    try {
      assertCounty(user, row.county_id, 'external task');
    } catch {
      throw new NotFoundError(`No external task ${id}`);
    }
    return row;
  }

  private async dtos(locked: ExternalTaskRow[], topics: FetchTopic[]): Promise<ExternalTaskDto[]> {
    const instances: Array<Pick<InstanceRow, 'id' | 'business_key' | 'process_key' | 'definition_id' | 'variables'>> = await this.knex('process_instances')
      .whereIn('id', [...new Set(locked.map((l) => l.instance_id))])
      .select('id', 'business_key', 'process_key', 'definition_id', 'variables');
    const byId = new Map(instances.map((i) => [i.id, i]));
    const out: ExternalTaskDto[] = [];
    for (const l of locked) {
      const i = byId.get(l.instance_id)!;
      const topic = topics.find((t) => t.topicName === l.topic);
      const d = dto({ ...l, business_key: i.business_key, process_key: i.process_key, definition_id: i.definition_id });
      d.variables = encodeVariables(i.variables ?? {}, topic?.variables ?? null);
      if (topic?.includeExtensionProperties) d.extensionProperties = await this.extensionProperties(i.definition_id, l.element_id);
      out.push(d);
    }
    return out;
  }

  private async extensionProperties(definitionId: string, elementId: string): Promise<Record<string, string>> {
    const row: Pick<DefinitionRow, 'elements'> | undefined = await this.knex('process_definitions').where({ id: definitionId }).first('elements');
    return row?.elements.serviceTasks?.[elementId]?.properties ?? {};
  }

  private async journal(trx: Knex.Transaction, row: ExternalTaskRow, actor: string, type: string, data: Record<string, unknown>): Promise<void> {
    await appendJournal(trx, [
      { instanceId: row.instance_id, countyId: row.county_id, revision: await currentRevision(trx, row.instance_id), type, elementId: row.element_id, elementType: 'bpmn:ServiceTask', actor, data, at: this.clock.now() },
    ]);
  }
}

interface FetchTopic {
  topicName: string;
  lockDuration: number;
  variables: string[] | null;
  includeExtensionProperties: boolean;
  businessKey?: string;
  processInstanceIds?: string[];
  processKeys?: string[];
  definitionIds?: string[];
  tenantIds?: string[];
}

function parseFetch(body: unknown): { workerId: string; maxTasks: number; usePriority: boolean; asyncResponseTimeout: number; topics: FetchTopic[] } {
  const b = object(body);
  const workerId = required(text(b.workerId, 'workerId'), 'workerId');
  const maxTasks = required(wholeNumber(b.maxTasks, 'maxTasks', { min: 1, max: 100 }), 'maxTasks');
  const asyncResponseTimeout = wholeNumber(b.asyncResponseTimeout, 'asyncResponseTimeout', { max: MAX_ASYNC_RESPONSE_MS }) ?? 0;
  const usePriority = flag(b.usePriority, 'usePriority') ?? false;
  if (!Array.isArray(b.topics) || !b.topics.length || b.topics.length > 50) {
    throw new ValidationError('topics must be a list of 1 to 50 {topicName, lockDuration}', { field: 'topics', reason: 'must be a list of 1 to 50 {topicName, lockDuration}' });
  }
  const topics = b.topics.map((raw, i): FetchTopic => {
    const f = `topics[${i}]`;
    const t = object(raw, f);
    for (const unsupported of ['processVariables', 'processDefinitionVersionTag', 'withoutTenantId']) {
      if (t[unsupported] !== undefined && t[unsupported] !== null && t[unsupported] !== false) {
        throw new ValidationError(`${f}.${unsupported} is not supported by this server`, { field: `${f}.${unsupported}`, reason: 'is not supported by this server' });
      }
    }
    const processKeys = [...(textList(t.processDefinitionKeyIn, `${f}.processDefinitionKeyIn`) ?? []), ...(text(t.processDefinitionKey, `${f}.processDefinitionKey`) ? [t.processDefinitionKey as string] : [])];
    const definitionIds = [...(textList(t.processDefinitionIdIn, `${f}.processDefinitionIdIn`) ?? []), ...(text(t.processDefinitionId, `${f}.processDefinitionId`) ? [t.processDefinitionId as string] : [])];
    const variables = t.variables === undefined || t.variables === null ? null : textList(t.variables, `${f}.variables`, 200) ?? [];
    return {
      topicName: required(text(t.topicName, `${f}.topicName`), `${f}.topicName`),
      lockDuration: required(wholeNumber(t.lockDuration, `${f}.lockDuration`, { min: 1, max: MAX_LOCK_MS }), `${f}.lockDuration`),
      variables,
      includeExtensionProperties: flag(t.includeExtensionProperties, `${f}.includeExtensionProperties`) ?? false,
      businessKey: text(t.businessKey, `${f}.businessKey`),
      processInstanceIds: textList(t.processInstanceIdIn, `${f}.processInstanceIdIn`),
      processKeys: processKeys.length ? processKeys : undefined,
      definitionIds: definitionIds.length ? definitionIds : undefined,
      tenantIds: textList(t.tenantIdIn, `${f}.tenantIdIn`),
    };
  });
  return { workerId, maxTasks, usePriority, asyncResponseTimeout, topics };
}

function dto(r: Joined): ExternalTaskDto {
  return {
    id: r.id,
    activityId: r.element_id,
    activityInstanceId: r.execution_id,
    executionId: r.execution_id,
    processInstanceId: r.instance_id,
    processDefinitionId: r.definition_id,
    processDefinitionKey: r.process_key,
    processDefinitionVersionTag: null,
    businessKey: r.business_key,
    topicName: r.topic,
    workerId: r.worker_id,
    lockExpirationTime: camundaDate(r.lock_expires_at),
    retries: r.retries,
    errorMessage: r.error_message,
    suspended: false,
    priority: r.priority,
    tenantId: r.county_id,
    createTime: camundaDate(r.created_at),
  };
}

function object(body: unknown, field = 'body'): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ValidationError(`${field} must be a JSON object`, { field, reason: 'must be a JSON object' });
  return body as Record<string, unknown>;
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new ValidationError(`${field} is required`, { field, reason: 'is required' });
  return value;
}

function notOpen(id: string, status?: string) {
  return new ConflictError(`External task ${id} is ${status ?? 'gone'}`, { field: 'externalTask', reason: `is ${status ?? 'gone'}`, status }, 'task_not_open');
}
