/**
 * The durable runner: every step of an instance (start, task completed, timer due, message, an external
 * task finished, a migration to another version) is one database transaction.
 *
 *   BEGIN; lock the instance row (FOR UPDATE); read its open tasks, external tasks and timer rows
 *   drive(engine, action) → StepResult            src/engine/drive.ts (no SQL)
 *   commit(StepResult); revision + 1; COMMIT       src/engine/commit.ts
 *
 * The database holds everything an instance is: any server process can take its next step, and a
 * crash at any point leaves the last committed state, from which the step is simply taken again.
 *
 * One optimisation keeps something in memory: the engine of a recently stepped instance (EngineCache,
 * ENGINE_CACHE_SIZE, 0 turns it off). It is used only when the locked row's revision is the one that
 * engine committed; in every other case (another process stepped the instance, a restart, a rollback)
 * the engine is rebuilt from the stored state as if there were no cache.
 *
 * Incidents. A step the drive aborts (over its budget of activities or wall time, nested too deep, a
 * deadline that cannot be computed) commits nothing of itself; in the same transaction the instance is
 * marked: the reason, when, and the aborted action. Further steps are refused (409 instance_incident)
 * and its timers wait, until an administrator retries it (retry(): the action runs again, a start on
 * the current version with corrected variables when given).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import { appendJournal } from '../db/journal';
import type { ExternalTaskRow, IncidentAction, InstanceRow, TaskRow } from '../db/tables';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { commit } from './commit';
import type { DefinitionStore, LoadedDefinition } from './definition-store';
import { DEFAULT_BUDGET, EngineSlot, StepAction, StepBudget, StepIncident, StepInput, StepResult, drive } from './drive';
import type { DeadlinePort } from './elements';
import { findExternalTask, openExternalTasksOf } from './external-tasks';
import { findByBusinessKey, insertInstance, lockAndRead, lockInstance, markIncident, readState, rebindDefinition } from './instances';
import { NeedsPreparation, ServiceRegistry } from './services';
import { findTask, openTasksOf } from './tasks';
import { fireNotifyOnlyBatch } from './timer-batch';
import { ClaimedTimer, TimerSnapshot, findTimer, timersOf } from './timers';

export interface StartInput {
  countyId: string;
  processKey: string;
  businessKey?: string | null;
  variables?: Record<string, unknown>;
  actor: string;
}

/** See RunnerOptions.stepGuard. */
export interface StepGuard {
  sql: string;
  check(trx: Knex.Transaction, value: unknown): Promise<void>;
}

export interface RunnerOptions {
  /** Engines kept between steps (0: rebuild every step from the database). */
  cacheSize: number;
  /** And their approximate heap, in bytes (see HEAP_BYTES_PER_STATE_BYTE); unbounded when absent. */
  cacheMaxBytes?: number;
  /**
   * A guard of every step, read without a statement of its own: `sql` is a scalar sub-select that the
   * step's lock statement runs (it may lock what it reads); `check` gets its value in the step's
   * transaction before anything is driven. A start, which has no lock statement, selects it alone.
   * The calendar is one (src/core.ts): its revision read FOR SHARE, so a step never computes deadlines
   * with a calendar older than the one committed, and a calendar load waits for the steps computing.
   */
  stepGuard?: StepGuard;
  /** What one step may spend (activities entered, wall time) before it is aborted as an incident. */
  budget?: StepBudget;
  /** Told after every committed step (new external tasks wake the workers' long polls). */
  afterCommit?: (result: StepResult) => void;
  /** Told of every step, committed or not, with its wall time (src/metrics.ts counts them). */
  observer?: StepObserver;
}

/** What a step was, for whoever counts them: its kind, where, how long, how it ended. */
export interface StepObservation {
  kind: 'start' | 'complete' | 'timer' | 'message' | 'external' | 'migrate';
  countyId: string;
  processKey: string;
  seconds: number;
  /** ok: committed (a rejected completion included); incident: aborted and marked; error: rolled back (reason: the error code). */
  outcome: 'ok' | 'incident' | 'error';
  reason?: string;
}

/** The port the runner reports its steps through; the engine knows nothing of how they are counted. */
export interface StepObserver {
  observe(o: StepObservation): void;
}

const STEP_KIND: Record<StepAction['kind'], StepObservation['kind']> = { start: 'start', complete: 'complete', fire: 'timer', message: 'message', external: 'external', migrate: 'migrate' };

function errorReason(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : 'error';
}

/** What a step on an existing instance is, besides its action. */
interface StepOptions {
  /** The checks under the instance lock before anything else (the loser of a race learns why). */
  guard?: (trx: Knex.Transaction, openTasks: TaskRow[]) => Promise<void>;
  /** A retry after an incident: its journal entries and the corrected variables. */
  retried?: { journal: StepResult['journal']; corrections: Record<string, unknown> };
  /** A migration: the version the step runs the instance on. */
  toDefinitionId?: string;
}

/** The 409 answered to whoever caused (or asks for) a step of an instance stopped by an incident. */
export function incidentConflict(row: Pick<InstanceRow, 'id' | 'incident'>): ConflictError {
  return new ConflictError(
    `Process instance ${row.id} is stopped by an incident (${row.incident}); an administrator can retry it after a fix: POST /api/v1/process-instances/${row.id}/retry`,
    { field: 'instance', reason: 'is stopped by an incident', incident: row.incident },
    'instance_incident',
  );
}

/**
 * A live engine holds far more heap than its stored state: its broker, queues, element objects and
 * closures. Measured on the 柳东 diagram (bench/engine-memory.ts: 5.4 MB of heap for 20 KB of state at its
 * first task): about this many heap bytes per byte of
 * stored state. The cache weighs each engine by it, so its bound is in (approximate) bytes.
 */
export const HEAP_BYTES_PER_STATE_BYTE = 270;

/** Engines of recently stepped instances, least recently used first. Only an optimisation (see above). */
class EngineCache {
  private readonly slots = new Map<string, { slot: EngineSlot; bytes: number }>();
  private total = 0;

  constructor(
    private readonly limit: number,
    private readonly maxBytes: number,
  ) {}

  /** A step that changed nothing but the revision (a batch firing): the kept engine is still current. */
  advance(instanceId: string, from: number, to: number): void {
    const kept = this.slots.get(instanceId);
    if (kept && kept.slot.revision === from) kept.slot.revision = to;
  }

  /** The revision of the engine kept for an instance, without taking it. */
  peekRevision(instanceId: string): number | undefined {
    return this.slots.get(instanceId)?.slot.revision;
  }

  /**
   * Takes the engine kept for an instance out of the cache (a step owns it until it commits): answered
   * when it is at the instance's revision; a stale one is let go. Counted as a hit or a miss.
   */
  takeCurrent(instanceId: string, revision: number): EngineSlot | undefined {
    const kept = this.slots.get(instanceId);
    if (kept) {
      this.slots.delete(instanceId);
      this.total -= kept.bytes;
    }
    const current = kept && kept.slot.revision === revision ? kept.slot : undefined;
    if (current) this.hits++;
    else this.misses++;
    return current;
  }

  /** Steps that found their engine kept and current, and steps that built it from the stored state. */
  hits = 0;
  misses = 0;

  /**
   * After a commit: keeps a running instance's engine for its next step, at the committed revision.
   * An engine dropped from the cache is simply let go (no stop(): it has no timers of its own running,
   * and stopping walks every element of it).
   */
  keep(row: InstanceRow, slot: EngineSlot, stateBytes = 0): void {
    if (row.status !== 'running' || this.limit <= 0) return;
    const bytes = stateBytes * HEAP_BYTES_PER_STATE_BYTE;
    if (bytes > this.maxBytes) return;
    slot.revision = row.revision;
    this.slots.set(row.id, { slot, bytes });
    this.total += bytes;
    while (this.slots.size > this.limit || this.total > this.maxBytes) {
      const [oldest, s] = this.slots.entries().next().value as [string, { slot: EngineSlot; bytes: number }];
      this.slots.delete(oldest);
      this.total -= s.bytes;
    }
  }

  get size(): number {
    return this.slots.size;
  }

  get bytes(): number {
    return this.total;
  }

  clear(): void {
    this.slots.clear();
    this.total = 0;
  }
}

export class Runner {
  private readonly cache: EngineCache;

  constructor(
    private readonly knex: Knex,
    private readonly definitions: DefinitionStore,
    private readonly services: ServiceRegistry,
    private readonly clock: Clock,
    private readonly deadlines: DeadlinePort,
    private readonly opts: RunnerOptions,
  ) {
    this.cache = new EngineCache(opts.cacheSize, opts.cacheMaxBytes ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Starts an instance of the latest version of a county's process and runs it to its first waits.
   * With `outer`, the start is part of the caller's transaction (a bad rating and its case): both commit
   * together or neither does.
   */
  async start(input: StartInput, outer?: Knex.Transaction): Promise<InstanceRow> {
    const t0 = performance.now();
    try {
      const row = await this.startInner(input, outer);
      this.observe('start', row, t0, row.incident_at ? 'incident' : 'ok');
      return row;
    } catch (err) {
      this.observe('start', { county_id: input.countyId, process_key: input.processKey }, t0, 'error', errorReason(err));
      throw err;
    }
  }

  private observe(kind: StepObservation['kind'], where: Pick<InstanceRow, 'county_id' | 'process_key'>, t0: number, outcome: StepObservation['outcome'], reason?: string): void {
    if (!this.opts.observer) return;
    try {
      this.opts.observer.observe({ kind, countyId: where.county_id, processKey: where.process_key, seconds: (performance.now() - t0) / 1000, outcome, reason });
    } catch {
      // Counting never fails a step.
    }
  }

  private async startInner(input: StartInput, outer?: Knex.Transaction): Promise<InstanceRow> {
    const variables = input.variables ?? {};
    if (typeof variables !== 'object' || Array.isArray(variables)) throw new ValidationError('variables must be an object', { field: 'variables', reason: 'must be a JSON object' });
    const inTransaction = <T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> => (outer ? fn(outer) : this.knex.transaction(fn));
    const { row, slot, result } = await inTransaction(async (trx) => {
      await this.guardAlone(trx);
      const definition = await this.definitions.current(input.countyId, input.processKey, trx);
      if (input.businessKey) {
        const existing = await findByBusinessKey(trx, input.countyId, input.processKey, input.businessKey);
        if (existing) {
          throw new ConflictError(
            `An instance of ${input.processKey} with business key "${input.businessKey}" exists already`,
            { field: 'businessKey', reason: 'is taken', instanceId: existing.id },
            'duplicate_business_key',
          );
        }
      }
      const now = this.clock.now();
      const row: InstanceRow = {
        id: randomUUID(),
        county_id: input.countyId,
        definition_id: definition.row.id,
        process_key: input.processKey,
        business_key: input.businessKey ?? null,
        status: 'running',
        revision: 0,
        state: null,
        variables,
        incident: null,
        started_by: input.actor,
        started_at: now,
        updated_at: now,
        ended_at: null,
      };
      await insertInstance(trx, row);
      return this.runStart(trx, row, definition, variables, input.actor, now);
    });
    // Inside a caller's transaction the commit is not ours to see: do not keep the engine (it is let
    // go, not stopped: it runs no timers of its own, and stop() walks every element).
    if (slot && !outer) this.cache.keep(row, slot, result?.stateBytes);
    if (result) this.opts.afterCommit?.(result);
    return row;
  }

  /** The first step of an instance whose row is written (a start, or the retry of a start). An aborted start leaves the row marked. */
  private async runStart(trx: Knex.Transaction, row: InstanceRow, definition: LoadedDefinition, variables: Record<string, unknown>, actor: string, now: Date, extra: StepResult['journal'] = []) {
    const stepInput: StepInput = { ...this.inputOf(row, definition, actor, now), openTasks: [], timerRows: [] };
    let driven: { result: StepResult; slot: EngineSlot };
    try {
      driven = await this.driveStep(trx, stepInput, { kind: 'start', variables });
    } catch (err) {
      if (!(err instanceof StepIncident)) throw err;
      const action: IncidentAction = { kind: 'start', actor };
      await this.recordIncident(trx, row, err.reason, action, now);
      return { row: { ...row, incident: err.reason, incident_at: now, incident_action: action }, slot: undefined, result: undefined };
    }
    driven.result.journal.unshift(...extra);
    try {
      return { row: await commit(trx, row, driven.result, { actor, now, services: this.services }), slot: driven.slot, result: driven.result };
    } catch (err) {
      driven.slot.stop();
      throw err;
    }
  }

  /**
   * Completes an open user task with the given input (already checked against its form). Checked under
   * the instance lock before anything else: the loser of a race learns why.
   */
  async complete(task: TaskRow, actor: string, input: Record<string, unknown>, opts: { overrideAssignee?: boolean; sealedInput?: string | null } = {}): Promise<{ task: TaskRow; instance: InstanceRow }> {
    const action: StepAction = { kind: 'complete', taskId: task.id, executionId: task.execution_id, elementId: task.element_id, input, sealedInput: opts.sealedInput ?? null };
    const { row } = await this.step(task.instance_id, actor, action, { guard: this.completeGuard(task, actor, opts) });
    const completed: TaskRow = { ...task, status: 'completed', completed_at: row.updated_at, completed_by: actor, output: input };
    return { task: completed, instance: row };
  }

  /** The checks of a completion under the instance lock: the loser of a race learns why. */
  private completeGuard(task: Pick<TaskRow, 'id'>, actor: string, opts: { overrideAssignee?: boolean }) {
    return async (trx: Knex.Transaction, openTasks: TaskRow[]) => {
      const current = openTasks.find((t) => t.id === task.id) ?? (await findTask(trx, task.id));
      if (!current || current.status !== 'open') {
        throw new ConflictError(
          `Task ${task.id} is ${current?.status ?? 'gone'}${current?.completed_by ? `, completed by ${current.completed_by}` : ''}`,
          { field: 'task', reason: `is ${current?.status ?? 'gone'}`, status: current?.status },
          'task_not_open',
        );
      }
      if (current.assignee && current.assignee !== actor && !opts.overrideAssignee) {
        throw new ConflictError(`Task ${task.id} is claimed by ${current.assignee}`, { field: 'task', reason: `is claimed by ${current.assignee}`, assignee: current.assignee }, 'task_claimed');
      }
    };
  }

  /** Fires a due timer row. Returns false when the row was gone (another process fired it) or not due. */
  async fire(timerId: string): Promise<boolean> {
    const timer = await findTimer(this.knex, timerId);
    if (!timer) return false;
    try {
      const { result } = await this.step(timer.instance_id, 'scheduler', { kind: 'fire', timerId });
      return Boolean(result.fired);
    } catch (err) {
      // The instance waits for an administrator: its timers wait with it.
      if (err instanceof ConflictError && err.code === 'instance_incident') return false;
      throw err;
    }
  }

  /**
   * Fires the claimed timers that only notify in one transaction, without their engines
   * (src/engine/timer-batch.ts); answers how many fired and the timers left for a full step each.
   */
  async fireBatch(claimed: ClaimedTimer[]): Promise<{ fired: number; left: ClaimedTimer[] }> {
    if (!claimed.length) return { fired: 0, left: [] };
    const t0 = performance.now();
    const now = this.clock.now();
    const out = await this.knex.transaction((trx) => fireNotifyOnlyBatch(trx, claimed, { definitions: this.definitions, services: this.services, now, actor: 'scheduler' }));
    const each = out.fired.length ? (performance.now() - t0) / out.fired.length : 0;
    for (const f of out.fired) {
      this.cache.advance(f.instanceId, f.from, f.to);
      this.observe('timer', { county_id: f.countyId, process_key: f.processKey }, performance.now() - each, 'ok');
    }
    return { fired: out.fired.length, left: out.left };
  }

  /**
   * Runs the aborted step of an instance stopped by an incident again (an administrator's act, after a
   * fix: a new version made current, the budget raised, a calendar year loaded, a variable corrected).
   * An instance stopped at its start starts again on the current version of its process, with
   * `corrections` merged into its variables; any other runs its aborted step again on its own version,
   * the corrections assigned to its variables first. Answers the instance after the step; a step that is
   * aborted again marks it again (409).
   */
  async retry(instanceId: string, actor: string, corrections: Record<string, unknown> = {}): Promise<InstanceRow> {
    const first = await this.knex<InstanceRow>('process_instances').where({ id: instanceId }).first();
    if (!first) throw new NotFoundError(`No process instance ${instanceId}`);
    if (first.status !== 'running' || !first.incident_at || !first.incident_action) {
      throw new ConflictError(`Process instance ${instanceId} is not stopped by an incident`, { field: 'instance', reason: 'has no incident to retry', status: first.status }, 'conflict');
    }
    const action = first.incident_action;
    const retried = { type: 'instance.retried', actor, data: { incident: first.incident, action: action.kind, corrected: Object.keys(corrections) } };
    if (action.kind === 'start') return this.retryStart(instanceId, actor, corrections, retried);
    const step: StepAction =
      action.kind === 'complete'
        ? { kind: 'complete', taskId: action.taskId!, executionId: action.executionId!, elementId: action.elementId!, input: action.input ?? {}, sealedInput: action.sealedInput ?? null }
        : action.kind === 'fire'
          ? { kind: 'fire', timerId: action.timerId! }
          : action.kind === 'message'
            ? { kind: 'message', elementId: action.elementId!, payload: action.payload ?? {} }
            : (action.step as StepAction);
    const guard = step.kind === 'complete' ? this.completeGuard({ id: step.taskId }, action.actor, { overrideAssignee: true }) : undefined;
    const toDefinitionId = step.kind === 'migrate' ? step.toDefinitionId : undefined;
    return (await this.step(instanceId, action.actor, step, { guard, retried: { journal: [retried], corrections }, toDefinitionId })).row;
  }

  private async retryStart(instanceId: string, actor: string, corrections: Record<string, unknown>, retried: StepResult['journal'][number]): Promise<InstanceRow> {
    let incident: StepIncident | undefined;
    const out = await this.knex.transaction(async (trx) => {
      const locked = await lockInstance(trx, instanceId);
      if (!locked || locked.status !== 'running' || !locked.incident_at || locked.state !== null) throw new ConflictError(`Process instance ${instanceId} is not stopped at its start`, { field: 'instance', reason: 'is not stopped at its start' }, 'conflict');
      await this.guardAlone(trx);
      const definition = await this.definitions.current(locked.county_id, locked.process_key, trx);
      const variables = { ...locked.variables, ...corrections };
      const now = this.clock.now();
      const row: InstanceRow = { ...locked, definition_id: definition.row.id, variables };
      const started = await this.runStart(trx, row, definition, variables, actor, now, [retried]);
      if (started.row.incident_at) incident = new StepIncident(started.row.incident!);
      else await rebindDefinition(trx, instanceId, definition.row.id);
      return started;
    });
    const { row, slot } = out;
    if (incident) throw incidentConflict({ id: instanceId, incident: incident.reason });
    if (slot) this.cache.keep(row, slot, out.result?.stateBytes);
    return row;
  }

  /** Delivers a message to the element of an instance that waits for it. */
  async message(instanceId: string, actor: string, elementId: string, payload: Record<string, unknown> = {}): Promise<InstanceRow> {
    return (await this.step(instanceId, actor, { kind: 'message', elementId, payload })).row;
  }

  /**
   * A worker finished an external task (completed it, or threw a BPMN error). Checked under the instance
   * lock: the task must be open and locked by this worker, the lock not lapsed.
   */
  async external(
    task: ExternalTaskRow,
    actor: string,
    outcome: { workerId: string; kind: 'complete' | 'bpmnError'; variables: Record<string, unknown>; errorCode?: string; errorMessage?: string },
  ): Promise<InstanceRow> {
    const action: StepAction = {
      kind: 'external',
      externalTaskId: task.id,
      executionId: task.execution_id,
      elementId: task.element_id,
      workerId: outcome.workerId,
      outcome: outcome.kind,
      variables: outcome.variables,
      ...(outcome.kind === 'bpmnError' ? { errorCode: outcome.errorCode, errorMessage: outcome.errorMessage } : {}),
    };
    const guard = async (trx: Knex.Transaction) => {
      const current = await findExternalTask(trx, task.id);
      if (!current || current.status !== 'open') {
        throw new ConflictError(`External task ${task.id} is ${current?.status ?? 'gone'}`, { field: 'externalTask', reason: `is ${current?.status ?? 'gone'}`, status: current?.status }, 'task_not_open');
      }
      const now = this.clock.now();
      if (current.worker_id !== outcome.workerId || !current.lock_expires_at || new Date(current.lock_expires_at).getTime() <= now.getTime()) {
        const holder = current.worker_id && current.lock_expires_at && new Date(current.lock_expires_at).getTime() > now.getTime() ? `is locked by worker ${current.worker_id}` : 'is not locked by you (fetch and lock it first)';
        throw new ConflictError(`External task ${task.id} ${holder}`, { field: 'workerId', reason: holder, workerId: current.worker_id }, 'external_task_locked');
      }
    };
    return (await this.step(task.instance_id, actor, action, { guard })).row;
  }

  /**
   * Moves a running instance to another version of its process in a step of its own: the waits keep their
   * rows, renamed elements per the plan. Refused (nothing written) when a wait would be lost.
   */
  async migrate(instanceId: string, actor: string, toDefinitionId: string, mapping: Record<string, string>, migrationId?: string): Promise<InstanceRow> {
    const target = await this.definitions.get(toDefinitionId);
    const action: StepAction = { kind: 'migrate', fromDefinitionId: '', fromVersion: 0, toDefinitionId, toVersion: target.row.version, mapping, migrationId };
    return (await this.step(instanceId, actor, action, { toDefinitionId })).row;
  }

  /** How many engines are kept in memory. */
  get cachedEngines(): number {
    return this.cache.size;
  }

  /** Their approximate heap in bytes. */
  get cachedBytes(): number {
    return this.cache.bytes;
  }

  /** Steps on existing instances so far that found their engine kept (hits) or rebuilt it from the stored state (misses). */
  get cacheLookups(): { hits: number; misses: number } {
    return { hits: this.cache.hits, misses: this.cache.misses };
  }

  /** Drops every kept engine (shutdown). */
  stopAll(): void {
    this.cache.clear();
  }

  /** One step on an existing instance: lock, read, drive, commit; an aborted step marks the instance instead. */
  private async step(instanceId: string, actor: string, action: StepAction, opts: StepOptions = {}): Promise<{ row: InstanceRow; result: StepResult }> {
    const t0 = performance.now();
    const where = { county_id: 'unknown', process_key: 'unknown', incident: false };
    try {
      const out = await this.stepInner(instanceId, actor, action, opts, where);
      this.observe(STEP_KIND[action.kind], where, t0, 'ok');
      return out;
    } catch (err) {
      this.observe(STEP_KIND[action.kind], where, t0, where.incident ? 'incident' : 'error', where.incident ? undefined : errorReason(err));
      throw err;
    }
  }

  private async stepInner(
    instanceId: string,
    actor: string,
    action: StepAction,
    opts: StepOptions,
    where: { county_id: string; process_key: string; incident: boolean },
  ): Promise<{ row: InstanceRow; result: StepResult }> {
    const { guard, retried, toDefinitionId } = opts;
    let slot: EngineSlot | undefined;
    let stateSkipped = false;
    let incident: InstanceRow | undefined;
    const out = await this.knex
      .transaction(async (trx) => {
        // One statement: the lock, the open tasks, timers and external tasks, and the state unless the
        // kept engine is current (see lockAndRead; a wait for the lock behind another step reads again).
        const peeked = this.cache.peekRevision(instanceId);
        const read = await lockAndRead(trx, instanceId, action.kind === 'migrate' ? undefined : peeked, this.opts.stepGuard?.sql);
        if (!read) throw new NotFoundError(`No process instance ${instanceId}`);
        const row = read.row;
        where.county_id = row.county_id;
        where.process_key = row.process_key;
        await this.opts.stepGuard?.check(trx, read.guard);
        const definition = await this.definitions.get(toDefinitionId ?? row.definition_id, trx);
        const now = this.clock.now();
        const [openTasks, timerRows, openExternalTasks] = read.consistent
          ? [read.openTasks as TaskRow[], read.timerRows as TimerSnapshot[], read.openExternalTasks as ExternalTaskRow[]]
          : await Promise.all([openTasksOf(trx, row.id), timersOf(trx, row.id), openExternalTasksOf(trx, row.id)]);
        stateSkipped = read.stateSkipped;
        await guard?.(trx, openTasks);
        if (row.status !== 'running') throw new ConflictError(`Process instance ${instanceId} is ${row.status}`, { field: 'instance', reason: `is ${row.status}`, status: row.status }, 'instance_not_running');
        if (row.incident_at && !retried) throw incidentConflict(row);
        if (action.kind === 'migrate') {
          if (row.definition_id === toDefinitionId) throw new ConflictError(`Process instance ${instanceId} runs this version already`, { field: 'instance', reason: 'runs this version already' }, 'conflict');
          const from = await this.definitions.get(row.definition_id, trx);
          if (from.row.process_key !== definition.row.process_key || from.row.county_id !== definition.row.county_id) {
            throw new ConflictError(`Process instance ${instanceId} is not an instance of ${definition.row.process_key}`, { field: 'instance', reason: 'belongs to another process' }, 'conflict');
          }
          action = { ...action, fromDefinitionId: from.row.id, fromVersion: from.row.version };
        }
        const current = this.cache.takeCurrent(row.id, row.revision);
        // A stale engine is let go (see EngineCache.keep). The state was skipped only for a current one.
        if (stateSkipped && !current) row.state = (await readState(trx, row.id)) as InstanceRow['state'];
        const input: StepInput = { ...this.inputOf(row, definition, actor, now), openTasks, timerRows, openExternalTasks, ...(stateSkipped && current ? { stateOf: () => readState(trx, row.id) } : {}) };
        let driven: { result: StepResult; slot: EngineSlot };
        try {
          driven = await this.driveStep(trx, input, action, current, retried?.corrections);
        } catch (err) {
          if (!(err instanceof StepIncident)) throw err;
          await this.recordIncident(trx, row, err.reason, incidentAction(action, actor), now);
          incident = { ...row, incident: err.reason };
          return undefined;
        }
        slot = driven.slot;
        if (retried) driven.result.journal.unshift(...retried.journal);
        const committed = await commit(trx, row, driven.result, { actor, now, services: this.services });
        return { row: committed, result: driven.result };
      })
      .catch((err) => {
        slot?.stop();
        throw err;
      });
    if (incident || !out) {
      where.incident = true;
      throw incidentConflict(incident!);
    }
    this.cache.keep(out.row, slot!, out.result.stateBytes);
    this.opts.afterCommit?.(out.result);
    if (out.result.rejection) throw out.result.rejection;
    return out;
  }

  /**
   * Drives the step; when it reaches a service that must read the database first, reads it in the
   * step's transaction and drives the step again from the stored state (the kept engine has moved on).
   */
  private async driveStep(trx: Knex.Transaction, input: StepInput, action: StepAction, kept?: EngineSlot, corrections?: Record<string, unknown>) {
    for (let round = 0; ; round++) {
      try {
        return await drive(input, action, this.deps(), kept, corrections);
      } catch (err) {
        if (!(err instanceof NeedsPreparation) || round >= 20) throw err;
        const data = await this.services.get(err.service)!.prepare!(trx, err.call);
        input = { ...input, prepared: { ...input.prepared, [err.call.elementId]: data } };
        // Driven again from the stored state: read it when the step skipped it (its engine was kept).
        if (input.stateOf) input = { ...input, state: (await input.stateOf()) as StepInput['state'], stateOf: undefined };
        kept = undefined;
      }
    }
  }

  /** Marks the instance and journals why, in the transaction of the aborted step. */
  private async recordIncident(trx: Knex.Transaction, row: InstanceRow, reason: string, action: IncidentAction, now: Date): Promise<void> {
    await markIncident(trx, row.id, row.revision, { reason, at: now, action });
    await appendJournal(trx, [
      { instanceId: row.id, countyId: row.county_id, revision: row.revision, type: 'instance.incident', actor: action.actor, data: { reason, action: action.kind, ...(action.taskId ? { taskId: action.taskId } : {}) }, at: now },
    ]);
  }

  private inputOf(row: InstanceRow, definition: StepInput['definition'], actor: string, now: Date): Omit<StepInput, 'openTasks' | 'timerRows'> {
    return { instanceId: row.id, countyId: row.county_id, businessKey: row.business_key, revision: row.revision, state: row.state, definition, actor, now };
  }

  /** The step guard in a statement of its own (a start has no lock statement to carry it). */
  private async guardAlone(trx: Knex.Transaction): Promise<void> {
    const g = this.opts.stepGuard;
    if (!g) return;
    const res = await trx.raw(`select (${g.sql}) as guard`);
    await g.check(trx, (res.rows ?? res)[0]?.guard);
  }

  private deps() {
    return { services: this.services, deadlines: this.deadlines, budget: this.opts.budget ?? DEFAULT_BUDGET };
  }
}

/** What a retry runs again (the input of a completion is the masked one the step had, with its sealed original). */
function incidentAction(action: StepAction, actor: string): IncidentAction {
  switch (action.kind) {
    case 'start':
      return { kind: 'start', actor };
    case 'complete':
      return { kind: 'complete', actor, taskId: action.taskId, executionId: action.executionId, elementId: action.elementId, input: action.input, sealedInput: action.sealedInput ?? null };
    case 'fire':
      return { kind: 'fire', actor, timerId: action.timerId };
    case 'message':
      return { kind: 'message', actor, elementId: action.elementId, payload: action.payload };
    case 'external':
    case 'migrate':
      return { kind: action.kind, actor, step: action };
  }
}
