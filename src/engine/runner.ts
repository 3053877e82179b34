/**
 * The durable runner. Every step of an instance (start, task completed, timer due) is one database
 * transaction:
 *
 *   lock the instance row → rebuild the engine from the stored state → apply the action → run until every
 *   branch waits or ends → write state, tasks, timers, journal and outbox → commit.
 *
 * Nothing of an instance lives in memory between steps, so any server process can take the next step
 * and a crash at any point leaves the last committed state, from which the step is simply taken again.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { Engine } from 'bpmn-engine';
import type { Clock } from '../clock/clock';
import type { InstanceRow, TaskRow, TimerRow, DefinitionElements } from '../database/tables';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { DeadlinePort } from './deadlines';
import type { LoadedDefinition, DefinitionStore } from './definition-store';
import { HostOptions, pendingTimers, recordingTimers } from './elements';
import { BusinessError, OutboxMessage, ServiceRegistry } from './services';

export interface StartInput {
  countyId: string;
  processKey: string;
  businessKey?: string | null;
  variables?: Record<string, unknown>;
  actor: string;
}

export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

// bpmn-engine's activity API objects, as far as the host uses them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ActivityApi = any;

interface JournalEntry {
  type: string;
  element_id?: string | null;
  element_type?: string | null;
  actor?: string | null;
  data?: Record<string, unknown> | null;
}

/** Everything one step observed and will write. */
class StepSession {
  readonly journal: JournalEntry[] = [];
  readonly newTasks: Partial<TaskRow>[] = [];
  readonly firedTimerExecutions = new Set<string>();
  readonly outbox: Array<OutboxMessage & { idempotencyKey: string }> = [];
  /** Activity APIs of the user tasks waiting, by executionId (kept with the engine between steps). */
  waiting = new Map<string, ActivityApi>();
  readonly pending = new Set<Promise<unknown>>();
  completedTask?: { executionId: string; actor: string };
  /** Due instants of the pending timer rows, by executionId (the rows win over the engine state). */
  timerDue = new Map<string, Date>();
  /** Open task rows and timer rows of the instance when the step began. */
  openTasks: TaskRow[] = [];
  timerRows: Array<Pick<TimerRow, 'id' | 'execution_id' | 'due_at'>> = [];
  engineError?: Error;
  abortError?: Error;
  ended = false;

  constructor(
    readonly instanceId: string,
    readonly countyId: string,
    readonly businessKey: string | null,
    readonly definition: LoadedDefinition,
    readonly actor: string,
    readonly trx: Knex.Transaction,
    readonly now: Date,
  ) {}
}

/**
 * An engine and the step it currently serves. Services, listeners and timers are bound to the slot, not
 * to one step, so that a slot kept in memory after a commit can serve the next step of its instance.
 */
class EngineSlot {
  engine!: Engine;
  session!: StepSession;
  waiting = new Map<string, ActivityApi>();
  revision = 0;
}

const STATE_NOISE = new Set(['fields', 'content', 'properties']);

export class Runner {
  private readonly beforeStepHooks: Array<(trx: Knex.Transaction) => Promise<void>> = [];
  /**
   * Engines of recently stepped instances, kept after their step committed, by instance id (least
   * recently used first). Only an optimisation: an engine is reused only when the locked row's revision
   * is the one it committed; otherwise the instance is recovered from the stored state as always.
   */
  private readonly hot = new Map<string, EngineSlot>();

  constructor(
    private readonly knex: Knex,
    private readonly definitions: DefinitionStore,
    private readonly services: ServiceRegistry,
    private readonly clock: Clock,
    private readonly deadlines: DeadlinePort,
    private readonly logger: Logger,
    private readonly hotLimit = 500,
  ) {}

  /**
   * Runs `hook` at the beginning of every step's transaction (after the instance lock), e.g. to make
   * sure the calendar this process computes deadlines with is the one committed in the database.
   */
  beforeEachStep(hook: (trx: Knex.Transaction) => Promise<void>): void {
    this.beforeStepHooks.push(hook);
  }

  /** Starts an instance of the latest version of a county's process and runs it to its first waits. */
  async start(input: StartInput, outer?: Knex.Transaction): Promise<InstanceRow> {
    const variables = input.variables ?? {};
    if (typeof variables !== 'object' || Array.isArray(variables)) throw new ValidationError('variables must be an object', { field: 'variables' });
    // With `outer`, the start is part of the caller's transaction (e.g. a bad rating and its case):
    // both commit together or neither does.
    const inTransaction = <T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> => (outer ? fn(outer) : this.knex.transaction(fn));
    return inTransaction(async (trx) => {
      for (const hook of this.beforeStepHooks) await hook(trx);
      const definition = await this.definitions.latest(input.countyId, input.processKey, trx);
      if (input.businessKey) {
        const existing = await trx<InstanceRow>('process_instances')
          .where({ county_id: input.countyId, process_key: input.processKey, business_key: input.businessKey })
          .first('id');
        if (existing) {
          throw new ConflictError(`An instance of ${input.processKey} with business key "${input.businessKey}" exists already`, { instanceId: existing.id }, 'duplicate_business_key');
        }
      }
      const now = this.clock.now();
      const id = randomUUID();
      const row: InstanceRow = {
        id,
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
      await trx('process_instances').insert({ ...row, variables: JSON.stringify(variables) });
      const session = new StepSession(id, input.countyId, row.business_key, definition, input.actor, trx, now);
      session.journal.push({ type: 'instance.started', actor: input.actor, data: { processKey: input.processKey, version: definition.row.version, businessKey: row.business_key } });
      const slot = this.newSlot(session, variables);
      try {
        await slot.engine.execute({ listener: this.listen(slot), variables });
        await this.settle(session);
        return { row: await this.persist(session, slot.engine, row), slot };
      } catch (err) {
        slot.engine.stop();
        throw err;
      }
    }).then(({ row, slot }) => {
      // Inside a caller's transaction the commit is not ours to see: do not keep the engine.
      if (outer) slot.engine.stop();
      else this.keep(row, slot);
      return row;
    });
  }

  /** Completes an open user task with the given variables (already validated against its form). */
  async completeTask(
    taskOrId: string | TaskRow,
    actor: string,
    variables: Record<string, unknown>,
    opts: { overrideAssignee?: boolean } = {},
  ): Promise<{ task: TaskRow; instance: InstanceRow }> {
    const task = typeof taskOrId === 'string' ? await this.knex<TaskRow>('tasks').where({ id: taskOrId }).first() : taskOrId;
    if (!task) throw new NotFoundError(`No task ${taskOrId}`);
    const taskId = task.id;
    // Checked under the instance lock, before anything else: the loser of a race learns why.
    const guard = async (session: StepSession, trx: Knex.Transaction) => {
      const current = session.openTasks.find((t) => t.id === taskId) ?? (await trx<TaskRow>('tasks').where({ id: taskId }).first());
      if (!current || current.status !== 'open') {
        throw new ConflictError(`Task ${taskId} is ${current?.status ?? 'gone'}${current?.completed_by ? `, completed by ${current.completed_by}` : ''}`, { status: current?.status }, 'task_not_open');
      }
      if (current.assignee && current.assignee !== actor && !opts.overrideAssignee) {
        throw new ConflictError(`Task ${taskId} is claimed by ${current.assignee}`, { assignee: current.assignee }, 'task_claimed');
      }
    };
    let rejection: ConflictError | undefined;
    const instance = await this.step(task.instance_id, actor, async (session, engine, trx) => {
      const api = session.waiting.get(task.execution_id);
      if (!api) throw new ConflictError(`Task ${taskId} is no longer waiting in its instance`, undefined, 'task_not_waiting');
      if (!waitingUserTasks(engine).has(task.execution_id)) {
        // A deadline that passed before this request ended the task while the instance resumed. That
        // step is kept (committed); the completion is refused.
        rejection = new ConflictError(`Task ${taskId} was closed by its deadline before it was completed`, { status: 'cancelled' }, 'task_not_open');
        return;
      }
      session.completedTask = { executionId: task.execution_id, actor };
      session.journal.push({ type: 'task.completed', element_id: task.element_id, element_type: 'bpmn:UserTask', actor, data: { taskId, input: variables } });
      await trx('tasks').where({ id: taskId }).update({
        status: 'completed',
        completed_at: session.now,
        completed_by: actor,
        output: JSON.stringify(variables),
      });
      api.environment.assignVariables(variables);
      api.signal({ form: variables });
    }, guard);
    if (rejection) throw rejection;
    const completed: TaskRow = { ...task, status: 'completed', completed_at: this.clock.now(), completed_by: actor, output: variables };
    return { task: completed, instance };
  }

  /**
   * Fires a due timer row. Returns false when the row was gone (another process fired it) or not due.
   * The resumed engine fires any timer whose instant the clock has passed.
   */
  async fireTimer(timerId: string): Promise<boolean> {
    const timer = await this.knex<TimerRow>('timers').where({ id: timerId }).first();
    if (!timer) return false;
    let fired = false;
    await this.step(timer.instance_id, 'scheduler', async (session) => {
      const still = session.timerRows.find((t) => t.id === timerId);
      if (!still) return;
      fired = new Date(still.due_at).getTime() <= session.now.getTime();
    });
    return fired;
  }

  /** One step on an existing instance: lock, recover, act, settle, persist. */
  async step(
    instanceId: string,
    actor: string,
    act: (session: StepSession, engine: Engine, trx: Knex.Transaction) => Promise<void>,
    guard?: (session: StepSession, trx: Knex.Transaction) => Promise<void>,
  ): Promise<InstanceRow> {
    let slot: EngineSlot | undefined;
    const result = await this.knex.transaction(async (trx) => {
      const row = await trx<InstanceRow>('process_instances').where({ id: instanceId }).forUpdate().first();
      if (!row) throw new NotFoundError(`No process instance ${instanceId}`);
      for (const hook of this.beforeStepHooks) await hook(trx);
      const definition = await this.definitions.get(row.definition_id, trx);
      const session = new StepSession(row.id, row.county_id, row.business_key, definition, actor, trx, this.clock.now());
      // What the instance waits on, read once under the lock: its open tasks and its timer rows.
      const [openTasks, timerRows] = await Promise.all([
        trx<TaskRow>('tasks').where({ instance_id: row.id, status: 'open' }),
        trx<TimerRow>('timers').where({ instance_id: row.id }).select('id', 'execution_id', 'due_at'),
      ]);
      session.openTasks = openTasks;
      session.timerRows = timerRows;
      session.timerDue = new Map(timerRows.map((t) => [t.execution_id, new Date(t.due_at)]));
      await guard?.(session, trx);
      if (row.status !== 'running') throw new ConflictError(`Process instance ${instanceId} is ${row.status}`, { status: row.status }, 'instance_not_running');
      const hot = this.hot.get(row.id);
      this.hot.delete(row.id);
      if (hot && hot.revision === row.revision) {
        slot = hot;
        slot.session = session;
        session.waiting = slot.waiting;
        this.fireExpiredTimers(slot); // what a resume would do
      } else {
        hot?.engine.stop();
        slot = this.newSlot(session);
        slot.engine.recover(row.state);
        await slot.engine.resume({ listener: this.listen(slot) });
      }
      await this.settle(session);
      await act(session, slot.engine, trx);
      await this.settle(session);
      return this.persist(session, slot.engine, row);
    }).catch((err) => {
      slot?.engine.stop();
      throw err;
    });
    this.keep(result, slot!);
    return result;
  }

  private newSlot(session: StepSession, variables?: Record<string, unknown>): EngineSlot {
    const slot = new EngineSlot();
    slot.session = session;
    session.waiting = slot.waiting;
    slot.engine = this.buildEngine(slot, variables);
    return slot;
  }

  /** After a commit: keep a running instance's engine for its next step, at the committed revision. */
  private keep(row: InstanceRow, slot: EngineSlot): void {
    if (row.status !== 'running' || this.hotLimit <= 0) {
      slot.engine.stop();
      return;
    }
    slot.revision = row.revision;
    this.hot.set(row.id, slot);
    while (this.hot.size > this.hotLimit) {
      const [oldest, s] = this.hot.entries().next().value as [string, EngineSlot];
      this.hot.delete(oldest);
      s.engine.stop();
    }
  }

  /** Drops every kept engine (shutdown). */
  stopAll(): void {
    for (const s of this.hot.values()) s.engine.stop();
    this.hot.clear();
  }

  /** A kept engine was not resumed, so its timers whose instant has passed are fired here. */
  private fireExpiredTimers(slot: EngineSlot): void {
    const timers = slot.engine.environment.timers as unknown as {
      executing: Array<{ owner?: Record<string, unknown>; callback: (...a: unknown[]) => void; args: unknown[] }>;
      clearTimeout(ref: unknown): void;
    };
    const now = slot.session.now.getTime();
    for (const ref of timers.executing) {
      const executionId = ref.owner?.executionId as string | undefined;
      const due = (executionId && slot.session.timerDue.get(executionId)) || (ref.owner?.expireAt ? new Date(ref.owner.expireAt as string) : undefined);
      if (due && due.getTime() <= now) {
        timers.clearTimeout(ref);
        ref.callback(...ref.args);
      }
    }
  }

  private buildEngine(slot: EngineSlot, variables?: Record<string, unknown>): Engine {
    const session = slot.session;
    const host: HostOptions = { clock: this.clock, deadlines: this.deadlines, countyId: session.countyId, dueOverride: (id) => slot.session.timerDue.get(id) };
    return new Engine({
      name: session.instanceId,
      sourceContext: session.definition.context,
      services: this.bindServices(slot),
      extensions: { host: expressionServiceExtension },
      timers: recordingTimers(),
      scripts: noScripts,
      variables,
      host,
    } as never);
  }

  /** Each registered service as the (scope, callback) function bpmn-elements calls. */
  private bindServices(slot: EngineSlot): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const elements: DefinitionElements = slot.session.definition.row.elements;
    for (const name of this.services.names()) {
      const def = this.services.get(name)!;
      out[name] = function (this: ActivityApi, scope: ActivityApi, callback: (err: unknown, result?: unknown) => void) {
        const activity = this;
        const session = slot.session;
        const executionId: string = scope.content.executionId;
        const raw = elements.serviceTasks[activity.id]?.properties ?? {};
        const properties: Record<string, string> = {};
        for (const [k, v] of Object.entries(raw)) properties[k] = String(activity.environment.resolveExpression(v, scope) ?? '');
        const variables = cleanVariables(activity.environment.variables);
        const enqueued: OutboxMessage[] = [];
        session.journal.push({ type: 'service.called', element_id: activity.id, element_type: activity.type, actor: 'system', data: { service: name } });
        const run = (async () => {
          const result = await def.run({
            countyId: session.countyId,
            instanceId: session.instanceId,
            businessKey: session.businessKey,
            elementId: activity.id,
            executionId,
            properties,
            variables,
            now: session.now,
            trx: session.trx,
            enqueue: (m) => enqueued.push(m),
          });
          enqueued.forEach((m, i) => {
            session.outbox.push({ ...m, idempotencyKey: `${session.instanceId}:${executionId}:${m.key ?? i}` });
          });
          if (result && typeof result === 'object') activity.environment.assignVariables(result);
          return result;
        })();
        const tracked = run.then(
          (result) => callback(null, result),
          (err) => {
            if (err instanceof BusinessError) {
              session.journal.push({ type: 'service.error', element_id: activity.id, actor: 'system', data: { service: name, code: err.code, message: err.message } });
              const e = new Error(err.message) as Error & { code: string };
              e.code = err.code;
              return callback(e);
            }
            session.abortError = err as Error;
            // Leave the activity hanging: the step is rolled back and taken again later.
          },
        );
        session.pending.add(tracked);
        tracked.finally(() => session.pending.delete(tracked));
      };
    }
    return out;
  }

  private listen(slot: EngineSlot): EventEmitter {
    const listener = new EventEmitter();
    const engine = slot.engine;
    const journal = (type: string, api: ActivityApi, data?: Record<string, unknown>) =>
      slot.session.journal.push({ type, element_id: api.id, element_type: api.type, actor: null, data: data ?? null });

    listener.on('activity.enter', (api) => journal('activity.enter', api));
    listener.on('activity.end', (api) => journal('activity.end', api));
    listener.on('activity.error', (api) => journal('activity.error', api, { error: api.content?.error?.message }));
    listener.on('flow.take', (api) => journal('flow.take', api));
    listener.on('activity.timer', (api) => {
      if (api.content.isResumed) return;
      journal('timer.scheduled', api, { dueAt: api.content.expireAt, expression: api.content[api.content.timerType] ?? null, provisional: Boolean(api.content.provisional) });
    });
    listener.on('activity.timeout', (api) => {
      slot.session.firedTimerExecutions.add(api.content.executionId);
      if (api.content.state === 'cancel') return;
      journal('timer.fired', api, { dueAt: api.content.expireAt });
    });
    listener.on('activity.wait', (api) => {
      if (api.type !== 'bpmn:UserTask') {
        if (!api.content.isRecovered) journal('activity.wait', api);
        return;
      }
      slot.waiting.set(api.executionId, api);
      if (api.content.isRecovered) return;
      const task = this.taskFromWait(slot.session, api);
      slot.session.newTasks.push(task);
      journal('activity.wait', api, { taskId: task.id, dueAt: task.due_at ?? null, candidateGroups: task.candidate_groups });
    });
    listener.on('process.end', (api) => journal('process.end', api));
    engine.on('end', () => {
      slot.session.ended = true;
    });
    engine.on('error', (err: Error) => {
      slot.session.engineError = err;
    });
    return listener;
  }

  private taskFromWait(session: StepSession, api: ActivityApi): Partial<TaskRow> {
    const attrs = session.definition.row.elements.userTasks[api.id] ?? {};
    const resolve = (v?: string) => (v ? String(api.environment.resolveExpression(v, api) ?? '') : '');
    const list = (v?: string) =>
      resolve(v)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    let due_at: Date | null = null;
    let due_provisional = false;
    const dueExpr = attrs.dueDate ? resolve(attrs.dueDate).trim() : '';
    if (dueExpr) {
      const r = this.deadlines.compute(session.countyId, dueExpr, session.now, cleanVariables(api.environment.variables));
      due_at = r.due;
      due_provisional = r.provisional;
    }
    return {
      id: randomUUID(),
      instance_id: session.instanceId,
      county_id: session.countyId,
      execution_id: api.executionId,
      element_id: api.id,
      name: attrs.name ?? api.name ?? null,
      candidate_groups: list(attrs.candidateGroups),
      candidate_users: list(attrs.candidateUsers),
      assignee: resolve(attrs.assignee) || null,
      form_key: attrs.formKey ?? null,
      due_at,
      due_expression: dueExpr || null,
      due_provisional,
      status: 'open',
      created_at: session.now,
    };
  }

  /** Lets the engine run until no service call is in flight. Engine execution itself is synchronous. */
  private async settle(session: StepSession): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      if (session.pending.size) await Promise.allSettled([...session.pending]);
      await new Promise((r) => setImmediate(r));
      if (!session.pending.size) return;
    }
    throw new Error('the instance did not settle (a service never answered)');
  }

  private async persist(session: StepSession, engine: Engine, row: InstanceRow): Promise<InstanceRow> {
    if (session.abortError) throw session.abortError;
    const trx = session.trx;
    const now = session.now;
    const state = await engine.getState();
    for (const d of state.definitions ?? []) delete d.source;
    const timersNow = pendingTimers(engine.environment.timers as never);
    const waitingNow = waitingUserTasks(engine);

    let status: InstanceRow['status'] = 'running';
    let incident: string | null = null;
    if (session.engineError) {
      status = 'failed';
      incident = session.engineError.message;
      session.journal.push({ type: 'instance.failed', actor: 'system', data: { error: incident } });
    } else if (session.ended || engine.state === 'idle') {
      status = 'completed';
      session.journal.push({ type: 'instance.completed', actor: 'system' });
    }
    const variables = processVariables(state);

    // Tasks: new waits in, ended ones out.
    if (session.newTasks.length) {
      await trx('tasks')
        .insert(session.newTasks.map((t) => ({ ...t, candidate_groups: JSON.stringify(t.candidate_groups), candidate_users: JSON.stringify(t.candidate_users) })))
        .onConflict('execution_id')
        .ignore();
    }
    // Any open task row whose activity no longer waits was ended by something else (an interrupting
    // timer, an error, the end of the process): it is cancelled.
    const stillWaiting = status === 'running' ? waitingNow : new Set<string>();
    const openRows = [...session.openTasks.map((t) => t.execution_id), ...session.newTasks.map((t) => t.execution_id!)].filter((e) => e !== session.completedTask?.executionId);
    const ended = openRows.filter((e) => !stillWaiting.has(e));
    if (ended.length) {
      const q = trx('tasks').where({ instance_id: row.id, status: 'open' }).whereIn('execution_id', ended);
      const cancelled = await q.update({ status: 'cancelled', completed_at: now }).returning(['id', 'element_id']);
      for (const c of cancelled) session.journal.push({ type: 'task.cancelled', element_id: c.element_id, element_type: 'bpmn:UserTask', actor: 'system', data: { taskId: c.id } });
    }

    // Timers: the rows are exactly the timers the engine now waits on.
    const existing = session.timerRows;
    const live = status === 'running' ? timersNow : [];
    const liveIds = new Set(live.map((t) => t.executionId));
    const gone = existing.filter((t) => !liveIds.has(t.execution_id));
    if (gone.length) await trx('timers').whereIn('id', gone.map((t) => t.id)).delete();
    const known = new Set(existing.map((t) => t.execution_id));
    const fresh = live.filter((t) => !known.has(t.executionId));
    if (fresh.length) {
      await trx('timers')
        .insert(
          fresh.map((t) => ({
            id: randomUUID(),
            instance_id: row.id,
            county_id: row.county_id,
            execution_id: t.executionId,
            element_id: t.elementId,
            expression: t.expression ?? null,
            due_at: t.expireAt,
            provisional: t.provisional,
            created_at: now,
          })),
        )
        .onConflict(['instance_id', 'execution_id'])
        .ignore();
    }

    if (session.outbox.length) {
      await trx('outbox')
        .insert(
          session.outbox.map((m) => ({
            id: randomUUID(),
            idempotency_key: m.idempotencyKey,
            instance_id: row.id,
            county_id: row.county_id,
            topic: m.topic,
            recipients: JSON.stringify(m.recipients),
            body: m.body,
            payload: JSON.stringify(m.payload ?? {}),
            status: 'pending',
            attempts: 0,
            next_attempt_at: new Date(),
            created_at: now,
          })),
        )
        .onConflict('idempotency_key')
        .ignore();
    }

    const revision = row.revision + 1;
    if (session.journal.length) {
      await trx('journal').insert(
        session.journal.map((j) => ({
          instance_id: row.id,
          county_id: row.county_id,
          revision,
          type: j.type,
          element_id: j.element_id ?? null,
          element_type: j.element_type ?? null,
          actor: j.actor ?? session.actor,
          data: j.data ? JSON.stringify(j.data) : null,
          at: now,
        })),
      );
    }

    const update = {
      status,
      revision,
      state: status === 'completed' ? null : JSON.stringify(state),
      variables: JSON.stringify(variables),
      incident,
      updated_at: now,
      ended_at: status === 'running' ? null : now,
    };
    const n = await trx('process_instances').where({ id: row.id, revision: row.revision }).update(update);
    if (n !== 1) throw new ConflictError(`Process instance ${row.id} was changed by another step; try again`, undefined, 'concurrent_step');
    return { ...row, ...update, state: null, variables } as InstanceRow;
  }
}

/** executionIds of the user tasks the engine waits on now. */
function waitingUserTasks(engine: Engine): Set<string> {
  const postponed = (engine.execution?.getPostponed() ?? []) as ActivityApi[];
  const out = new Set<string>();
  const visit = (list: ActivityApi[]) => {
    for (const a of list) {
      if (a.type === 'bpmn:UserTask') out.add(a.executionId);
      else if (a.type === 'bpmn:SubProcess' && typeof a.getPostponed === 'function') visit(a.getPostponed().filter((x: ActivityApi) => x !== a));
    }
  };
  visit(postponed);
  return out;
}

/** Process variables from an engine state, without the engine's own bookkeeping keys. */
export function processVariables(state: { definitions?: Array<{ execution?: { processes?: Array<{ environment?: { variables?: Record<string, unknown> } }> } }> }): Record<string, unknown> {
  const vars = state.definitions?.[0]?.execution?.processes?.[0]?.environment?.variables ?? {};
  return cleanVariables(vars);
}

function cleanVariables(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars ?? {})) if (!STATE_NOISE.has(k)) out[k] = v;
  return out;
}

/** Diagram code never runs here: the deploy check refuses it, and this is the second lock on the door. */
const noScripts = {
  register() {
    return undefined;
  },
  /** Asked for every condition; an expression condition has no language and needs no script. */
  getScript(language: string | undefined, activity: { id: string }) {
    if (!language) return undefined;
    throw new Error(`script (${language}) in ${activity.id} refused: scripts are not run on this platform`);
  },
};

/** camunda:expression="${environment.services.x}" on a service task binds the service like implementation does. */
function expressionServiceExtension(activity: ActivityApi) {
  const b = activity.behaviour;
  if ((activity.type === 'bpmn:ServiceTask' || activity.type === 'bpmn:SendTask') && !b.implementation && b.expression && !b.Service) {
    b.Service = function ExpressionService(this: unknown, act: ActivityApi) {
      return {
        execute(message: ActivityApi, callback: (err: unknown, result?: unknown) => void) {
          const fn = act.environment.resolveExpression(b.expression, message);
          if (typeof fn !== 'function') return callback(new Error(`${b.expression} is not a service`));
          fn.call(act, message, (err: unknown, ...args: unknown[]) => callback(err, args));
        },
      };
    };
  }
  return undefined;
}
