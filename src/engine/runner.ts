/**
 * The durable runner: every step of an instance (start, task completed, timer due, message) is one
 * database transaction.
 *
 *   BEGIN; lock the instance row (FOR UPDATE); read its open tasks and timer rows
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
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { ExternalTaskRow, InstanceRow, TaskRow } from '../db/tables';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { commit } from './commit';
import type { DefinitionStore } from './definition-store';
import { EngineSlot, StepAction, StepInput, StepResult, drive } from './drive';
import type { DeadlinePort } from './elements';
import { findExternalTask, openExternalTasksOf } from './external-tasks';
import { findByBusinessKey, insertInstance, lockInstance } from './instances';
import { NeedsPreparation, ServiceRegistry } from './services';
import { findTask, openTasksOf } from './tasks';
import { findTimer, timersOf } from './timers';

export interface StartInput {
  countyId: string;
  processKey: string;
  businessKey?: string | null;
  variables?: Record<string, unknown>;
  actor: string;
}

export interface RunnerOptions {
  /** Engines kept between steps (0: rebuild every step from the database). */
  cacheSize: number;
  /**
   * Runs first in every step's transaction, after the instance lock: the calendar revision check, so a
   * step never computes deadlines with a calendar older than the one committed.
   */
  beforeStep?: (trx: Knex.Transaction) => Promise<void>;
  /** Told after every committed step (new external tasks wake the workers' long polls). */
  afterCommit?: (result: StepResult) => void;
}

/** Engines of recently stepped instances, least recently used first. Only an optimisation (see above). */
class EngineCache {
  private readonly slots = new Map<string, EngineSlot>();

  constructor(private readonly limit: number) {}

  /** Takes the engine kept for an instance out of the cache (a step owns it until it commits). */
  take(instanceId: string): EngineSlot | undefined {
    const slot = this.slots.get(instanceId);
    this.slots.delete(instanceId);
    return slot;
  }

  /** After a commit: keeps a running instance's engine for its next step, at the committed revision. */
  keep(row: InstanceRow, slot: EngineSlot): void {
    if (row.status !== 'running' || this.limit <= 0) {
      slot.stop();
      return;
    }
    slot.revision = row.revision;
    this.slots.set(row.id, slot);
    while (this.slots.size > this.limit) {
      const [oldest, s] = this.slots.entries().next().value as [string, EngineSlot];
      this.slots.delete(oldest);
      s.stop();
    }
  }

  get size(): number {
    return this.slots.size;
  }

  clear(): void {
    for (const s of this.slots.values()) s.stop();
    this.slots.clear();
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
    this.cache = new EngineCache(opts.cacheSize);
  }

  /**
   * Starts an instance of the latest version of a county's process and runs it to its first waits.
   * With `outer`, the start is part of the caller's transaction (a bad rating and its case): both commit
   * together or neither does.
   */
  async start(input: StartInput, outer?: Knex.Transaction): Promise<InstanceRow> {
    const variables = input.variables ?? {};
    if (typeof variables !== 'object' || Array.isArray(variables)) throw new ValidationError('variables must be an object', { field: 'variables', reason: 'must be a JSON object' });
    const inTransaction = <T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> => (outer ? fn(outer) : this.knex.transaction(fn));
    const { row, slot, result } = await inTransaction(async (trx) => {
      await this.opts.beforeStep?.(trx);
      const definition = await this.definitions.latest(input.countyId, input.processKey, trx);
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
      const stepInput: StepInput = { ...this.inputOf(row, definition, input.actor, now), openTasks: [], timerRows: [] };
      const { result, slot } = await this.driveStep(trx, stepInput, { kind: 'start', variables });
      try {
        return { row: await commit(trx, row, result, { actor: input.actor, now, services: this.services }), slot, result };
      } catch (err) {
        slot.stop();
        throw err;
      }
    });
    // Inside a caller's transaction the commit is not ours to see: do not keep the engine.
    if (outer) slot.stop();
    else this.cache.keep(row, slot);
    this.opts.afterCommit?.(result);
    return row;
  }

  /**
   * Completes an open user task with the given input (already checked against its form). Checked under
   * the instance lock before anything else: the loser of a race learns why.
   */
  async complete(task: TaskRow, actor: string, input: Record<string, unknown>, opts: { overrideAssignee?: boolean } = {}): Promise<{ task: TaskRow; instance: InstanceRow }> {
    const { row } = await this.step(task.instance_id, actor, { kind: 'complete', taskId: task.id, executionId: task.execution_id, elementId: task.element_id, input }, async (trx, openTasks) => {
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
    });
    const completed: TaskRow = { ...task, status: 'completed', completed_at: row.updated_at, completed_by: actor, output: input };
    return { task: completed, instance: row };
  }

  /** Fires a due timer row. Returns false when the row was gone (another process fired it) or not due. */
  async fire(timerId: string): Promise<boolean> {
    const timer = await findTimer(this.knex, timerId);
    if (!timer) return false;
    const { result } = await this.step(timer.instance_id, 'scheduler', { kind: 'fire', timerId });
    return Boolean(result.fired);
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
    const { row } = await this.step(task.instance_id, actor, action, async (trx) => {
      const current = await findExternalTask(trx, task.id);
      if (!current || current.status !== 'open') {
        throw new ConflictError(`External task ${task.id} is ${current?.status ?? 'gone'}`, { field: 'externalTask', reason: `is ${current?.status ?? 'gone'}`, status: current?.status }, 'task_not_open');
      }
      const now = this.clock.now();
      if (current.worker_id !== outcome.workerId || !current.lock_expires_at || new Date(current.lock_expires_at).getTime() <= now.getTime()) {
        const holder = current.worker_id && current.lock_expires_at && new Date(current.lock_expires_at).getTime() > now.getTime() ? `is locked by worker ${current.worker_id}` : 'is not locked by you (fetch and lock it first)';
        throw new ConflictError(`External task ${task.id} ${holder}`, { field: 'workerId', reason: holder, workerId: current.worker_id }, 'external_task_locked');
      }
    });
    return row;
  }

  /**
   * Moves a running instance to another version of its process in a step of its own: the waits keep their
   * rows, renamed elements per the plan. Refused (nothing written) when a wait would be lost.
   */
  async migrate(instanceId: string, actor: string, toDefinitionId: string, mapping: Record<string, string>, migrationId?: string): Promise<InstanceRow> {
    const target = await this.definitions.get(toDefinitionId);
    return (
      await this.step(
        instanceId,
        actor,
        { kind: 'migrate', fromDefinitionId: '', fromVersion: 0, toDefinitionId, toVersion: target.row.version, mapping, migrationId },
        undefined,
        toDefinitionId,
      )
    ).row;
  }

  /** How many engines are kept in memory. */
  get cachedEngines(): number {
    return this.cache.size;
  }

  /** Drops every kept engine (shutdown). */
  stopAll(): void {
    this.cache.clear();
  }

  /** One step on an existing instance: lock, read, drive, commit. */
  private async step(
    instanceId: string,
    actor: string,
    action: StepAction,
    guard?: (trx: Knex.Transaction, openTasks: TaskRow[]) => Promise<void>,
    /** A migration: the version the step runs the instance on. */
    toDefinitionId?: string,
  ): Promise<{ row: InstanceRow; result: StepResult }> {
    let slot: EngineSlot | undefined;
    const out = await this.knex
      .transaction(async (trx) => {
        const row = await lockInstance(trx, instanceId);
        if (!row) throw new NotFoundError(`No process instance ${instanceId}`);
        await this.opts.beforeStep?.(trx);
        const definition = await this.definitions.get(toDefinitionId ?? row.definition_id, trx);
        const now = this.clock.now();
        const [openTasks, timerRows, openExternalTasks] = await Promise.all([openTasksOf(trx, row.id), timersOf(trx, row.id), openExternalTasksOf(trx, row.id)]);
        await guard?.(trx, openTasks);
        if (row.status !== 'running') throw new ConflictError(`Process instance ${instanceId} is ${row.status}`, { field: 'instance', reason: `is ${row.status}`, status: row.status }, 'instance_not_running');
        if (action.kind === 'migrate') {
          if (row.definition_id === toDefinitionId) throw new ConflictError(`Process instance ${instanceId} runs this version already`, { field: 'instance', reason: 'runs this version already' }, 'conflict');
          const from = await this.definitions.get(row.definition_id, trx);
          if (from.row.process_key !== definition.row.process_key || from.row.county_id !== definition.row.county_id) {
            throw new ConflictError(`Process instance ${instanceId} is not an instance of ${definition.row.process_key}`, { field: 'instance', reason: 'belongs to another process' }, 'conflict');
          }
          action = { ...action, fromDefinitionId: from.row.id, fromVersion: from.row.version };
        }
        const kept = this.cache.take(row.id);
        const current = kept && kept.revision === row.revision ? kept : undefined;
        if (kept && !current) kept.stop();
        const input: StepInput = { ...this.inputOf(row, definition, actor, now), openTasks, timerRows, openExternalTasks };
        const driven = await this.driveStep(trx, input, action, current);
        slot = driven.slot;
        const committed = await commit(trx, row, driven.result, { actor, now, services: this.services });
        return { row: committed, result: driven.result };
      })
      .catch((err) => {
        slot?.stop();
        throw err;
      });
    this.cache.keep(out.row, slot!);
    this.opts.afterCommit?.(out.result);
    if (out.result.rejection) throw out.result.rejection;
    return out;
  }

  /**
   * Drives the step; when it reaches a service that must read the database first, reads it in the
   * step's transaction and drives the step again from the stored state (the kept engine has moved on).
   */
  private async driveStep(trx: Knex.Transaction, input: StepInput, action: StepAction, kept?: EngineSlot) {
    for (let round = 0; ; round++) {
      try {
        return await drive(input, action, this.deps(), kept);
      } catch (err) {
        if (!(err instanceof NeedsPreparation) || round >= 20) throw err;
        const data = await this.services.get(err.service)!.prepare!(trx, err.call);
        input = { ...input, prepared: { ...input.prepared, [err.call.elementId]: data } };
        kept = undefined;
      }
    }
  }

  private inputOf(row: InstanceRow, definition: StepInput['definition'], actor: string, now: Date): Omit<StepInput, 'openTasks' | 'timerRows'> {
    return { instanceId: row.id, countyId: row.county_id, businessKey: row.business_key, revision: row.revision, state: row.state, definition, actor, now };
  }

  private deps() {
    return { services: this.services, deadlines: this.deadlines };
  }
}
