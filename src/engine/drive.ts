/**
 * The drive of one step: build an engine (or take the one kept from the previous step), apply the
 * action, let the engine run until every branch waits or ends, and return what the step observed and
 * will write: a StepResult. No SQL and no clock of its own: everything comes in through the StepInput,
 * so the same drive serves the runner (which commits the result, src/engine/commit.ts) and a replay of
 * recorded history (which only looks at it).
 *
 *   StepInput (instance, stored state, open tasks, timer rows, now) + StepAction
 *     → drive → StepResult {status, state, variables, tasks, timers, outbox, effects, journal}
 *
 * Every step has a budget: the activities it may enter (a multi-instance charges its iterations before
 * the first starts) and the wall time it may take. A step over budget, one that nests too deep (a loop
 * without a wait state), or one whose deadline cannot be computed is aborted: the drive throws
 * StepIncident, nothing of the step is kept, and the runner marks the instance as an incident for an
 * administrator. Service calls answer through a macrotask, so a long chain of them lets the server
 * answer other requests (/health) between calls.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import type { DefinitionElements, EngineState, ExternalTaskRow, InstanceStatus, TaskRow, TimerRow } from '../db/tables';
import { ConflictError, DomainError } from '../errors';
import type { LoadedDefinition } from './definition-store';
import { DeadlinePort, HostOptions, PendingTimer, StepAbort, expressionServiceExtension, noScripts, pendingTimers, recordingTimers } from './elements';
import { onePassExpressions } from './expressions';
import { renameElements } from './migrate-state';
import { BusinessError, NeedsPreparation, OutboxMessage, ServiceRegistry } from './services';

/** What happens to an instance in one step. */
export type StepAction =
  /** Run a new instance from its start event with these variables. */
  | { kind: 'start'; variables: Record<string, unknown> }
  /** A user task was completed with this input (already checked against its form). */
  | { kind: 'complete'; taskId: string; executionId: string; elementId: string; input: Record<string, unknown>; sealedInput?: string | null }
  /** A timer row came due: resuming fires every timer whose instant has passed. */
  | { kind: 'fire'; timerId: string }
  /** A message for an element that waits for one (a message or signal catch event, a receive task). */
  | { kind: 'message'; elementId: string; payload: Record<string, unknown> }
  /**
   * A worker finished an external task: completed it with these variables, or threw a BPMN error that a
   * boundary error event of the service task catches (errorCode), with these variables.
   */
  | {
      kind: 'external';
      externalTaskId: string;
      executionId: string;
      elementId: string;
      workerId: string;
      outcome: 'complete' | 'bpmnError';
      variables: Record<string, unknown>;
      errorCode?: string;
      errorMessage?: string;
    }
  /**
   * Move the instance to another version of its diagram (input.definition is that version): the stored
   * state with the plan's old element ids renamed to new ones, recovered with the new version.
   */
  | { kind: 'migrate'; fromDefinitionId: string; fromVersion: number; toDefinitionId: string; toVersion: number; mapping: Record<string, string>; migrationId?: string };

/** The instance as the step found it under its lock. */
export interface StepInput {
  instanceId: string;
  countyId: string;
  businessKey: string | null;
  revision: number;
  /** The stored engine state; null for a start. */
  state: EngineState | null;
  definition: LoadedDefinition;
  actor: string;
  now: Date;
  /** Open task rows of the instance. */
  openTasks: Array<Pick<TaskRow, 'id' | 'execution_id' | 'element_id'>>;
  /**
   * Timer rows of the instance: their due instants win over the engine state (a recomputed deadline). A
   * row with fired_at was fired in a batch (src/engine/notify-timers.ts): the engine only catches up.
   */
  timerRows: Array<Pick<TimerRow, 'id' | 'execution_id' | 'due_at'> & { element_id?: string; fired_at?: Date | string | null }>;
  /** Open external task rows of the instance. */
  openExternalTasks?: Array<Pick<ExternalTaskRow, 'id' | 'execution_id' | 'element_id'>>;
  /** Set when `state` was not read because the kept engine is current: reads it (a re-drive from the stored state). */
  stateOf?: () => Promise<unknown>;
  /** What services with `prepare` read for this step, by the element id of the service task. */
  prepared?: Record<string, Record<string, unknown>>;
}

/** Variables an administrator corrected when retrying an instance stopped by an incident; applied before the action. */
export type Corrections = Record<string, unknown>;

export interface DriveDeps {
  services: ServiceRegistry;
  deadlines: DeadlinePort;
  budget?: StepBudget;
}

/** What one step may spend before it is aborted as an incident. */
export interface StepBudget {
  /** Activities entered (multi-instance iterations included). */
  maxActivities: number;
  /** Wall time, from the start of the drive. */
  maxMs: number;
}

export const DEFAULT_BUDGET: StepBudget = { maxActivities: 1000, maxMs: 5000 };

/** A step that must not commit: the instance is marked as an incident with this reason. */
export class StepIncident extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StepIncident';
  }
}

/** One journal entry of a step; the commit adds instance, county, revision and time. */
export interface StepJournalEntry {
  type: string;
  elementId?: string | null;
  elementType?: string | null;
  actor?: string | null;
  data?: Record<string, unknown> | null;
}

export type NewTask = Omit<TaskRow, 'claimed_at' | 'completed_at' | 'completed_by' | 'output'>;
export type NewTimer = Omit<TimerRow, 'locked_by' | 'locked_until' | 'attempts'>;
export type NewExternalTask = Pick<ExternalTaskRow, 'id' | 'instance_id' | 'county_id' | 'execution_id' | 'element_id' | 'topic' | 'priority' | 'created_at'>;
/** What a migration changes on an open task row: the element it now waits in, as the new version describes it. */
export type TaskRetarget = { taskId: string } & Pick<TaskRow, 'element_id' | 'name' | 'candidate_groups' | 'candidate_users' | 'form_key'>;

/** Everything one step observed and will write. */
export interface StepResult {
  status: InstanceStatus;
  incident: string | null;
  /** The engine state to store (definition sources stripped); null once the instance ended. */
  state: EngineState | null;
  variables: Record<string, unknown>;
  tasks: {
    insert: NewTask[];
    /** The task this step completed, with its input (and the sealed original of it, when personal data was masked). */
    complete?: { taskId: string; output: Record<string, unknown>; sealedOutput?: string | null };
    /** Open tasks whose activity no longer waits (an interrupting timer, an error, the end). */
    cancel: Array<{ taskId: string; elementId: string }>;
    /** Open tasks a migration moved to an element of the new version. */
    retarget?: TaskRetarget[];
  };
  externalTasks: {
    insert: NewExternalTask[];
    /** The external task this step completed (or ended by a BPMN error), and the worker. */
    complete?: { id: string; workerId: string };
    cancel: Array<{ id: string; elementId: string }>;
    /** Open external tasks a migration moved to an element of the new version. */
    retarget?: Array<{ id: string; element_id: string; topic: string; priority: number }>;
  };
  /** A migration: the version the instance runs from now on. */
  definitionId?: string;
  /** fired: rows a batch firing marked (the timer fired without its engine; src/engine/timer-batch.ts). */
  timers: { insert: NewTimer[]; delete: string[]; fired?: string[] };
  outbox: Array<OutboxMessage & { idempotencyKey: string }>;
  /** Changes of services' own tables, written by each service's persist. */
  effects: Array<{ service: string; data: Record<string, unknown> }>;
  journal: StepJournalEntry[];
  /** Set by the commit: the size of the stored state in bytes (the engine cache weighs engines by it). */
  stateBytes?: number;
  /** A fire step: whether its timer row was due (false when it was gone or not yet due). */
  fired?: boolean;
  /** The action was refused after the engine caught up (a deadline closed the task first): the step still commits. */
  rejection?: DomainError;
  /** The inputs of the step, journaled first (step.input) so that a replay can run it again (src/audit/replay.ts). */
  step?: StepRecord;
}

/**
 * Everything from outside the engine a step used: the action (a completion with its input, a timer, a
 * message, a worker's outcome, a migration), the version it ran, the due instants of its timer rows as the
 * step read them (a recomputed calendar moves them), what services read from the database (prepared),
 * and an administrator's corrections. The time and the actor are the journal row's own columns.
 */
export interface StepRecord {
  action: Record<string, unknown>;
  definitionId: string;
  checksum: string;
  timers: Record<string, string>;
  /** Timer rows that had fired in a batch before this step (its engine catches up with them). */
  fired?: string[];
  prepared?: Record<string, Record<string, unknown>>;
  corrections?: Record<string, unknown>;
}

/** The inputs of a step as journaled (the sealed original of a masked input stays in the task row only). */
export function stepRecord(input: StepInput, action: StepAction, corrections?: Corrections): StepRecord {
  const { sealedInput: _sealed, ...rest } = action as StepAction & { sealedInput?: unknown };
  void _sealed;
  return {
    action: rest as Record<string, unknown>,
    definitionId: input.definition.row.id,
    checksum: input.definition.row.checksum,
    timers: Object.fromEntries(input.timerRows.map((t) => [t.id, new Date(t.due_at).toISOString()])),
    ...(input.timerRows.some((t) => t.fired_at) ? { fired: input.timerRows.filter((t) => t.fired_at).map((t) => t.id) } : {}),
    ...(input.prepared && Object.keys(input.prepared).length ? { prepared: input.prepared } : {}),
    ...(corrections && Object.keys(corrections).length ? { corrections } : {}),
  };
}

/**
 * The id of the n-th row a step creates (task, external task, timer): derived from the instance, the
 * revision the step starts from and n, so that a replay of the step makes the same ids. A UUID in form
 * (version 8, RFC 9562), unique because an instance's revision is taken by one committed step only.
 */
export function stepRowId(instanceId: string, revision: number, n: number): string {
  const b = createHash('sm3').update(`${instanceId}:${revision}:${n}`).digest().subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// bpmn-engine's activity API objects, as far as the host uses them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ActivityApi = any;

/** What one step collects while the engine runs. */
class Session {
  readonly journal: StepJournalEntry[] = [];
  readonly newTasks: NewTask[] = [];
  readonly newExternalTasks: NewExternalTask[] = [];
  readonly outbox: Array<OutboxMessage & { idempotencyKey: string }> = [];
  readonly effects: Array<{ service: string; data: Record<string, unknown> }> = [];
  readonly pending = new Set<Promise<unknown>>();
  readonly timerDue: Map<string, Date>;
  /** Executions of timers fired in a batch: the engine fires them again only to catch up (no journal row). */
  readonly caughtUp = new Set<string>();
  /** Calls of the service tasks on their paths: answered without running (their messages went out then). */
  readonly skipCalls = new Map<string, number>();
  completed?: { taskId: string; executionId: string; output: Record<string, unknown>; sealedOutput?: string | null };
  externalDone?: { id: string; executionId: string; workerId: string };
  engineError?: Error;
  abortError?: Error;
  /** Why the step was aborted (over budget, too deep, a deadline that cannot be computed). */
  incident?: string;
  ended = false;
  entered = 0;
  readonly startedAt = Date.now();
  readonly budget: StepBudget;
  private created = 0;

  /** The id of the next row this step creates (deterministic: see stepRowId). */
  nextId(): string {
    return stepRowId(this.input.instanceId, this.input.revision, this.created++);
  }

  constructor(
    readonly input: StepInput,
    readonly deps: DriveDeps,
  ) {
    this.timerDue = new Map(input.timerRows.map((t) => [t.execution_id, new Date(t.due_at)]));
    for (const t of input.timerRows) {
      const chain = t.fired_at && t.element_id ? input.definition.notifyTimers?.[t.element_id] : undefined;
      if (!chain) continue;
      this.caughtUp.add(t.execution_id);
      for (const c of chain.services) this.skipCalls.set(c.elementId, (this.skipCalls.get(c.elementId) ?? 0) + 1);
    }
    this.budget = deps.budget ?? DEFAULT_BUDGET;
  }

  /**
   * Answers a service call in a macrotask: a long chain of calls leaves the server free to answer between
   * them, and whatever the engine throws there is kept for the drive.
   */
  answer(callback: (err: unknown, result?: unknown) => void, err: unknown, result?: unknown): Promise<void> {
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        try {
          if (!this.incident) callback(err, result);
        } catch (thrown) {
          this.abortError ??= thrown as Error;
        }
        resolve();
      }),
    );
  }

  /** A call in flight: settle() waits for it. */
  track(p: Promise<unknown>): void {
    this.pending.add(p);
    p.finally(() => this.pending.delete(p));
  }

  /** Aborts the step: remembered here (the engine may swallow the throw) and thrown to stop the engine at once. */
  abort(reason: string): never {
    this.incident ??= reason;
    throw new StepAbort(reason);
  }

  /** Charges entered activities; aborts when the step is over its budget. */
  charge(elementId: string, count = 1): void {
    if (this.incident) throw new StepAbort(this.incident);
    this.entered += count;
    if (this.entered > this.budget.maxActivities) {
      this.abort(`the step entered more than ${this.budget.maxActivities} activities (at ${elementId}${count > 1 ? `, a multi-instance of ${count}` : ''}): a loop that never waits, or a multi-instance too large; STEP_MAX_ACTIVITIES`);
    }
    this.checkTime();
  }

  checkTime(): void {
    if (Date.now() - this.startedAt > this.budget.maxMs) this.abort(`the step ran longer than ${this.budget.maxMs} ms; STEP_MAX_MS`);
  }
}

const STACK_OVERFLOW = /Maximum call stack size exceeded/;

/** The incident a thrown error stands for, if it is one: an abort, or a recursion too deep. */
function incidentOf(session: Session, err: unknown): string | undefined {
  if (session.incident) return session.incident;
  if (err instanceof StepAbort) return err.reason;
  if (err instanceof RangeError && STACK_OVERFLOW.test(err.message)) return 'the step nested too deep (a chain of activities that never waits)';
  return undefined;
}

/**
 * An engine and the step it currently serves. Services, listeners and timers are bound to the slot, not
 * to one step, so that an engine kept in memory after a commit can serve the next step of its instance.
 */
export class EngineSlot {
  engine!: Engine;
  session!: Session;
  /** Activity APIs of the user tasks and external service tasks that waited in this engine, by executionId. */
  readonly waiting = new Map<string, ActivityApi>();
  /** The instance revision the engine's state corresponds to (after its last committed step). */
  revision = 0;
  /** The definition version the engine runs (a kept engine serves only that version). */
  definitionId = '';

  stop(): void {
    this.engine?.stop();
  }
}

/**
 * Drives one step. `kept` is the engine of the instance's previous step when it is still current (the
 * caller checks the revision); otherwise the engine is rebuilt from `input.state`. Returns the result
 * and the slot, which the caller may keep after it committed the result, and must stop otherwise.
 * Throws (a DomainError, or the error of a failed service) when the step must not commit at all.
 */
export async function drive(input: StepInput, action: StepAction, deps: DriveDeps, kept?: EngineSlot, corrections?: Corrections): Promise<{ result: StepResult; slot: EngineSlot }> {
  const session = new Session(input, deps);
  let slot: EngineSlot;
  if (action.kind === 'start') {
    slot = newSlot(session, action.variables);
    session.journal.push({
      type: 'instance.started',
      actor: input.actor,
      data: { processKey: input.definition.row.process_key, version: input.definition.row.version, businessKey: input.businessKey },
    });
  } else if (kept && kept.definitionId === input.definition.row.id && action.kind !== 'migrate') {
    slot = kept;
    slot.session = session;
  } else {
    kept?.stop();
    slot = newSlot(session);
    slot.engine.recover(action.kind === 'migrate' ? renameElements(input.state, action.mapping) : input.state);
  }
  try {
    if (action.kind === 'start') await slot.engine.execute({ listener: listen(slot), variables: action.variables });
    else {
      if (slot !== kept) await slot.engine.resume({ listener: listen(slot) });
      // Rebuilt or kept, the timers whose instant has passed fire here, in one order (see HostTimerEventDefinition).
      fireExpiredTimers(slot);
    }
    await settle(session);
    if (corrections && Object.keys(corrections).length && action.kind !== 'start') {
      // Activities of a process share its environment: any waiting one reaches the process variables.
      postponed(slot.engine)[0]?.environment.assignVariables(corrections);
    }
    const result = await act(slot, action);
    await settle(session);
    const finished = await finish(slot, result);
    finished.step = stepRecord(input, action, corrections);
    return { result: finished, slot };
  } catch (err) {
    slot.stop();
    const incident = incidentOf(session, err);
    if (incident) throw new StepIncident(incident);
    throw err;
  }
}

/** Applies the action to the caught-up engine; answers what the action itself adds to the result. */
async function act(slot: EngineSlot, action: StepAction): Promise<Partial<StepResult>> {
  const session = slot.session;
  switch (action.kind) {
    case 'start':
      return {};
    case 'fire': {
      const row = session.input.timerRows.find((t) => t.id === action.timerId);
      return { fired: Boolean(row) && !row!.fired_at && new Date(row!.due_at).getTime() <= session.input.now.getTime() };
    }
    case 'complete': {
      const api = slot.waiting.get(action.executionId);
      if (!api) throw new ConflictError(`Task ${action.taskId} is no longer waiting in its instance`, { field: 'task', reason: 'no longer waits in its instance' }, 'task_not_waiting');
      if (!waitingExecutions(slot.engine).has(action.executionId)) {
        // A deadline that passed before this request ended the task while the instance caught up. That
        // step is kept (committed); the completion is refused.
        return {
          rejection: new ConflictError(`Task ${action.taskId} was closed by its deadline before it was completed`, { field: 'task', reason: 'was closed by its deadline', status: 'cancelled' }, 'task_not_open'),
        };
      }
      session.completed = { taskId: action.taskId, executionId: action.executionId, output: action.input, sealedOutput: action.sealedInput ?? null };
      session.journal.push({ type: 'task.completed', elementId: action.elementId, elementType: 'bpmn:UserTask', actor: session.input.actor, data: { taskId: action.taskId, input: action.input } });
      api.environment.assignVariables(action.input);
      api.signal({ form: action.input });
      return {};
    }
    case 'external': {
      const api = slot.waiting.get(action.executionId);
      if (!api) throw new ConflictError(`External task ${action.externalTaskId} is no longer waiting in its instance`, { field: 'externalTask', reason: 'no longer waits in its instance' }, 'task_not_waiting');
      if (!waitingExecutions(slot.engine).has(action.executionId)) {
        return {
          rejection: new ConflictError(`External task ${action.externalTaskId} was ended by its instance before the worker finished it`, { field: 'externalTask', reason: 'was ended by its instance', status: 'cancelled' }, 'task_not_open'),
        };
      }
      session.externalDone = { id: action.externalTaskId, executionId: action.executionId, workerId: action.workerId };
      const data = { externalTaskId: action.externalTaskId, workerId: action.workerId, variables: action.variables };
      api.environment.assignVariables(action.variables);
      if (action.outcome === 'complete') {
        session.journal.push({ type: 'externalTask.completed', elementId: action.elementId, elementType: 'bpmn:ServiceTask', actor: session.input.actor, data });
        api.signal(action.variables);
      } else {
        session.journal.push({
          type: 'externalTask.bpmnError',
          elementId: action.elementId,
          elementType: 'bpmn:ServiceTask',
          actor: session.input.actor,
          data: { ...data, errorCode: action.errorCode, errorMessage: action.errorMessage ?? null },
        });
        const error = Object.assign(new Error(action.errorMessage || action.errorCode || 'BPMN error'), { code: action.errorCode });
        api.sendApiMessage('error', error);
      }
      return {};
    }
    case 'migrate': {
      session.journal.push({
        type: 'instance.migrated',
        actor: session.input.actor,
        data: {
          fromDefinitionId: action.fromDefinitionId,
          fromVersion: action.fromVersion,
          toDefinitionId: action.toDefinitionId,
          toVersion: action.toVersion,
          mapping: action.mapping,
          migrationId: action.migrationId ?? null,
        },
      });
      return { definitionId: action.toDefinitionId };
    }
    case 'message': {
      // User tasks and external tasks have their own actions (a form, a worker's lock).
      const api = postponed(slot.engine).find((a) => a.id === action.elementId && !slot.waiting.has(a.executionId));
      if (!api) throw new ConflictError(`Nothing in the instance waits for a message at ${action.elementId}`, { field: 'elementId', reason: 'does not wait for a message' }, 'task_not_waiting');
      session.journal.push({ type: 'message.received', elementId: action.elementId, elementType: api.type, actor: session.input.actor, data: { payload: action.payload } });
      api.environment.assignVariables(action.payload);
      api.signal(action.payload);
      return {};
    }
  }
}

function newSlot(session: Session, variables?: Record<string, unknown>): EngineSlot {
  const slot = new EngineSlot();
  slot.session = session;
  slot.definitionId = session.input.definition.row.id;
  const input = session.input;
  const host: HostOptions = {
    now: () => slot.session.input.now,
    get deadlines() {
      return slot.session.deps.deadlines;
    },
    countyId: input.countyId,
    dueOverride: (id) => slot.session.timerDue.get(id),
    charge: (id, count) => slot.session.charge(id, count),
    abort: (reason) => slot.session.abort(reason),
  };
  slot.engine = new Engine({
    name: input.instanceId,
    sourceContext: input.definition.context,
    services: bindServices(slot),
    extensions: { host: expressionServiceExtension },
    timers: recordingTimers(),
    scripts: noScripts,
    expressions: onePassExpressions,
    Logger: silentEngineLogger,
    variables,
    host,
  } as never);
  return slot;
}

/**
 * The engine's own debug lines are not used (the journal records every step), and the default logger
 * makes a `debug` instance per element of every engine built, each asking whether stderr is a terminal:
 * about 5 % of a rebuilt 柳东 engine's CPU.
 */
const noop = (): void => undefined;
function silentEngineLogger(): { debug: () => void; warn: () => void; error: () => void } {
  return { debug: noop, warn: noop, error: noop };
}

/**
 * Fires the engine's timers whose instant has passed, earliest deadline first (ties in the order they were
 * set): a resumed engine and one kept from the previous step fire alike, and an earlier deadline that ends
 * an activity goes before a later reminder on it.
 */
function fireExpiredTimers(slot: EngineSlot): void {
  const timers = slot.engine.environment.timers as unknown as {
    executing: Array<{ owner?: Record<string, unknown>; callback: (...a: unknown[]) => void; args: unknown[] }>;
    clearTimeout(ref: unknown): void;
  };
  const now = slot.session.input.now.getTime();
  const dueOf = (ref: (typeof timers.executing)[number]) => {
    const executionId = ref.owner?.executionId as string | undefined;
    const due = (executionId && slot.session.timerDue.get(executionId)) || (ref.owner?.expireAt ? new Date(ref.owner.expireAt as string) : undefined);
    return due ? due.getTime() : undefined;
  };
  const expired = timers.executing
    .map((ref, i) => ({ ref, i, due: dueOf(ref) }))
    .filter((t): t is { ref: (typeof timers.executing)[number]; i: number; due: number } => t.due !== undefined && t.due <= now)
    .sort((a, b) => a.due - b.due || a.i - b.i);
  for (const { ref } of expired) {
    if (!timers.executing.includes(ref)) continue; // cancelled by a timer fired before it
    timers.clearTimeout(ref);
    ref.callback(...ref.args);
  }
}

/** Each registered service as the (scope, callback) function bpmn-elements calls. */
function bindServices(slot: EngineSlot): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const services = slot.session.deps.services;
  for (const name of services.names()) {
    const def = services.get(name)!;
    out[name] = function (this: ActivityApi, scope: ActivityApi, callback: (err: unknown, result?: unknown) => void) {
      const activity = this;
      const session = slot.session;
      const input = session.input;
      const skip = session.skipCalls.get(activity.id);
      if (skip) {
        // The path of a timer fired in a batch: its messages were sent then; the engine only catches up.
        session.skipCalls.set(activity.id, skip - 1);
        session.track(session.answer(callback, null));
        return;
      }
      const elements: DefinitionElements = input.definition.row.elements;
      const executionId: string = scope.content.executionId;
      const raw = elements.serviceTasks[activity.id]?.properties ?? {};
      const properties: Record<string, string> = {};
      for (const [k, v] of Object.entries(raw)) properties[k] = String(activity.environment.resolveExpression(v, scope) ?? '');
      const variables = cleanVariables(activity.environment.variables);
      const enqueued: OutboxMessage[] = [];
      const effects: Array<Record<string, unknown>> = [];
      const prepared = input.prepared?.[activity.id];
      if (def.prepare && !prepared && (def.needsPreparation?.(properties) ?? true)) {
        // Leave the activity hanging: the runner reads what the service needs and drives the step again.
        session.abortError = new NeedsPreparation(name, { countyId: input.countyId, instanceId: input.instanceId, businessKey: input.businessKey, elementId: activity.id, executionId, now: input.now });
        return;
      }
      session.journal.push({ type: 'service.called', elementId: activity.id, elementType: activity.type, actor: 'system', data: { service: name } });
      const run = (async () => {
        const result = await def.run({
          countyId: input.countyId,
          instanceId: input.instanceId,
          businessKey: input.businessKey,
          elementId: activity.id,
          executionId,
          properties,
          variables,
          now: input.now,
          enqueue: (m) => enqueued.push(m),
          effect: (data) => effects.push(data),
          record: (type, data) => session.journal.push({ type, elementId: activity.id, elementType: activity.type, actor: 'system', data }),
          prepared,
        });
        if (def.recordsResult) session.journal.push({ type: 'service.result', elementId: activity.id, elementType: activity.type, actor: 'system', data: { service: name, result: result ?? null } });
        enqueued.forEach((m, i) => {
          session.outbox.push({ ...m, idempotencyKey: `${input.instanceId}:${executionId}:${m.key ?? i}` });
        });
        for (const data of effects) session.effects.push({ service: name, data });
        if (result && typeof result === 'object') activity.environment.assignVariables(result);
        return result;
      })();
      // The engine goes on in a macrotask: a long chain of service calls leaves the server free to
      // answer between them, and whatever the engine throws there is kept for the drive.
      const answer = (err: unknown, result?: unknown) => session.answer(callback, err, result);
      const tracked = run.then(
        (result) => answer(null, result),
        (err) => {
          if (err instanceof BusinessError) {
            session.journal.push({ type: 'service.error', elementId: activity.id, actor: 'system', data: { service: name, code: err.code, message: err.message } });
            const e = new Error(err.message) as Error & { code: string };
            e.code = err.code;
            return answer(e);
          }
          session.abortError = err as Error;
          // Leave the activity hanging: the step is not committed and is taken again later.
        },
      );
      session.track(tracked);
    };
  }
  return out;
}

function listen(slot: EngineSlot): EventEmitter {
  const listener = new EventEmitter();
  const engine = slot.engine;
  const journal = (type: string, api: ActivityApi, data?: Record<string, unknown>) =>
    slot.session.journal.push({ type, elementId: api.id, elementType: api.type, actor: null, data: data ?? null });

  listener.on('activity.enter', (api) => {
    slot.session.charge(api.id);
    journal('activity.enter', api);
  });
  listener.on('activity.end', (api) => journal('activity.end', api));
  listener.on('activity.error', (api) => journal('activity.error', api, { error: api.content?.error?.message }));
  listener.on('flow.take', (api) => journal('flow.take', api));
  listener.on('activity.timer', (api) => {
    if (api.content.isResumed) return;
    journal('timer.scheduled', api, { dueAt: api.content.expireAt, expression: api.content[api.content.timerType] ?? null, provisional: Boolean(api.content.provisional) });
  });
  listener.on('activity.timeout', (api) => {
    if (api.content.state === 'cancel') return;
    if (slot.session.caughtUp.has(api.content.executionId ?? api.executionId)) return; // journaled when it fired in a batch
    journal('timer.fired', api, { dueAt: api.content.expireAt });
  });
  listener.on('activity.wait', (api) => {
    const external = api.type === 'bpmn:ServiceTask' ? slot.session.input.definition.row.elements.externalTasks?.[api.id] : undefined;
    if (external) {
      slot.waiting.set(api.executionId, api);
      if (api.content.isRecovered) return;
      const row = externalFromWait(slot.session, api, external);
      slot.session.newExternalTasks.push(row);
      journal('activity.wait', api, { externalTaskId: row.id, topic: row.topic });
      return;
    }
    if (api.type !== 'bpmn:UserTask') {
      if (!api.content.isRecovered) journal('activity.wait', api);
      return;
    }
    slot.waiting.set(api.executionId, api);
    if (api.content.isRecovered) return;
    const task = taskFromWait(slot.session, api);
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

function externalFromWait(session: Session, api: ActivityApi, external: { topic: string; priority: number }): NewExternalTask {
  const input = session.input;
  return {
    id: session.nextId(),
    instance_id: input.instanceId,
    county_id: input.countyId,
    execution_id: api.executionId,
    element_id: api.id,
    topic: external.topic,
    priority: external.priority,
    created_at: input.now,
  };
}

/** A waiting user task as its (new) version describes it: the attributes a migration writes onto the open task row. */
function retargetOf(session: Session, api: ActivityApi, taskId: string): TaskRetarget {
  const t = taskFromWait(session, api);
  return { taskId, element_id: t.element_id, name: t.name, candidate_groups: t.candidate_groups, candidate_users: t.candidate_users, form_key: t.form_key };
}

function taskFromWait(session: Session, api: ActivityApi): NewTask {
  const input = session.input;
  const attrs = input.definition.row.elements.userTasks[api.id] ?? {};
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
    try {
      const r = session.deps.deadlines.compute(input.countyId, dueExpr, input.now, cleanVariables(api.environment.variables));
      due_at = r.due;
      due_provisional = r.provisional;
    } catch (err) {
      session.abort(`${api.id}: the due date "${dueExpr.slice(0, 100)}" cannot be computed: ${(err as Error).message.split(';')[0]}`);
    }
  }
  return {
    id: session.nextId(),
    instance_id: input.instanceId,
    county_id: input.countyId,
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
    created_at: input.now,
  };
}

/** Lets the engine run until no service call is in flight, within the step's budget. Engine execution itself is synchronous. */
async function settle(session: Session): Promise<void> {
  for (;;) {
    if (session.incident) throw new StepAbort(session.incident);
    if (session.abortError) throw session.abortError;
    if (session.pending.size) {
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(1, session.budget.maxMs - (Date.now() - session.startedAt));
      await Promise.race([Promise.allSettled([...session.pending]), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    await new Promise((r) => setImmediate(r));
    if (session.incident) throw new StepAbort(session.incident);
    if (!session.pending.size) return;
    session.checkTime();
  }
}

/** Reads the engine after the step: status, state, and the differences to write. */
async function finish(slot: EngineSlot, partial: Partial<StepResult>): Promise<StepResult> {
  const session = slot.session;
  if (session.incident) throw new StepAbort(session.incident);
  if (session.abortError) throw session.abortError;
  const input = session.input;
  const engine = slot.engine;
  const state = await engine.getState();
  for (const d of state.definitions ?? []) delete d.source;
  const timersNow = pendingTimers(engine.environment.timers as never);
  const waitingNow = waitingExecutions(engine);

  let status: InstanceStatus = 'running';
  let incident: string | null = null;
  if (session.engineError) {
    status = 'failed';
    incident = session.engineError.message;
    session.journal.push({ type: 'instance.failed', actor: 'system', data: { error: incident } });
  } else if (session.ended || engine.state === 'idle') {
    status = 'completed';
    session.journal.push({ type: 'instance.completed', actor: 'system' });
  }

  // Tasks: any open task whose activity no longer waits was ended by something else (an interrupting
  // timer, an error, the end of the process): it is cancelled.
  const stillWaiting = status === 'running' ? waitingNow : new Set<string>();
  const open = [
    ...input.openTasks.map((t) => ({ taskId: t.id, executionId: t.execution_id, elementId: t.element_id })),
    ...session.newTasks.map((t) => ({ taskId: t.id, executionId: t.execution_id, elementId: t.element_id })),
  ].filter((t) => t.executionId !== session.completed?.executionId);
  const cancel = open.filter((t) => !stillWaiting.has(t.executionId)).map((t) => ({ taskId: t.taskId, elementId: t.elementId }));
  for (const c of cancel) session.journal.push({ type: 'task.cancelled', elementId: c.elementId, elementType: 'bpmn:UserTask', actor: 'system', data: { taskId: c.taskId } });

  const openExternal = [
    ...(input.openExternalTasks ?? []).map((t) => ({ id: t.id, executionId: t.execution_id, elementId: t.element_id })),
    ...session.newExternalTasks.map((t) => ({ id: t.id, executionId: t.execution_id, elementId: t.element_id })),
  ].filter((t) => t.executionId !== session.externalDone?.executionId);
  const cancelExternal = openExternal.filter((t) => !stillWaiting.has(t.executionId)).map((t) => ({ id: t.id, elementId: t.elementId }));
  for (const c of cancelExternal) session.journal.push({ type: 'externalTask.cancelled', elementId: c.elementId, elementType: 'bpmn:ServiceTask', actor: 'system', data: { externalTaskId: c.id } });

  // A migration: every wait must still be there (a task whose element the new version lacks would be
  // cancelled, its work lost), and the open rows take the element and attributes of the new version.
  let retarget: { tasks: TaskRetarget[]; external: Array<{ id: string; element_id: string; topic: string; priority: number }> } | undefined;
  if (partial.definitionId) {
    const lost = [...cancel.map((c) => c.elementId), ...cancelExternal.map((c) => c.elementId)];
    if (lost.length || status !== 'running') {
      throw new ConflictError(
        `The instance would lose its wait at ${lost.join(', ') || 'its end'} in the new version; map ${lost.length > 1 ? 'these elements' : 'this element'} in the migration plan`,
        lost.map((e) => ({ field: `mapping.${e}`, reason: 'waits here and is not in the new version', element: e })),
        'migration_required',
      );
    }
    const externals = input.definition.row.elements.externalTasks ?? {};
    retarget = {
      tasks: input.openTasks.map((t) => retargetOf(session, slot.waiting.get(t.execution_id), t.id)),
      external: (input.openExternalTasks ?? []).map((t) => {
        const api = slot.waiting.get(t.execution_id);
        const to = api && externals[api.id];
        if (!to) throw new ConflictError(`External task ${t.id} has no external service task to wait in in the new version`, { field: `mapping.${t.element_id}`, reason: 'must map to an external service task' }, 'migration_required');
        return { id: t.id, element_id: api.id, topic: to.topic, priority: to.priority };
      }),
    };
  }

  // Timers: the rows are exactly the timers the engine now waits on.
  const live: PendingTimer[] = status === 'running' ? timersNow : [];
  // A row is kept when the engine still waits on that execution at the same element (a migration may
  // rename a timer's element: its row is written again).
  const liveIds = new Set(live.map((t) => `${t.executionId}\u0000${t.elementId}`));
  const rowKey = (t: StepInput['timerRows'][number]) => `${t.execution_id}\u0000${t.element_id ?? live.find((l) => l.executionId === t.execution_id)?.elementId}`;
  const known = new Set(input.timerRows.map(rowKey));

  return {
    status,
    incident,
    state: status === 'completed' ? null : state,
    variables: processVariables(state),
    tasks: {
      insert: session.newTasks,
      complete: session.completed
        ? { taskId: session.completed.taskId, output: session.completed.output, ...(session.completed.sealedOutput ? { sealedOutput: session.completed.sealedOutput } : {}) }
        : undefined,
      cancel,
      retarget: retarget?.tasks,
    },
    externalTasks: {
      insert: session.newExternalTasks,
      complete: session.externalDone ? { id: session.externalDone.id, workerId: session.externalDone.workerId } : undefined,
      cancel: cancelExternal,
      retarget: retarget?.external,
    },
    timers: {
      delete: input.timerRows.filter((t) => !liveIds.has(rowKey(t))).map((t) => t.id),
      insert: live
        .filter((t) => !known.has(`${t.executionId}\u0000${t.elementId}`))
        .map((t) => ({
          id: session.nextId(),
          instance_id: input.instanceId,
          county_id: input.countyId,
          execution_id: t.executionId,
          element_id: t.elementId,
          expression: t.expression ?? null,
          due_at: t.expireAt,
          provisional: t.provisional,
          created_at: input.now,
        })),
    },
    outbox: session.outbox,
    effects: session.effects,
    journal: session.journal,
    ...partial,
  };
}

/** Every activity the engine waits on now, inside sub-processes too. */
function postponed(engine: Engine): ActivityApi[] {
  const out: ActivityApi[] = [];
  const seen = new Set<string>();
  const visit = (list: ActivityApi[]) => {
    for (const a of list) {
      // A sub-process lists itself among what it waits on (a new API object each time): known by its executionId.
      if (seen.has(a.executionId)) continue;
      seen.add(a.executionId);
      out.push(a);
      if (a.type === 'bpmn:SubProcess' && typeof a.getPostponed === 'function') visit(a.getPostponed());
    }
  };
  visit((engine.execution?.getPostponed() ?? []) as ActivityApi[]);
  return out;
}

/** The activities an engine waits in now (element id and type), for a replay's answer. */
export function activeElements(slot: EngineSlot): Array<{ elementId: string; type: string }> {
  if (!slot.engine?.execution) return [];
  return postponed(slot.engine)
    .filter((a) => a.type !== 'bpmn:Process')
    .map((a) => ({ elementId: a.id as string, type: a.type as string }));
}

/** executionIds of the user tasks and service tasks (external ones wait) the engine waits on now. */
export function waitingExecutions(engine: Engine): Set<string> {
  return new Set(postponed(engine).filter((a) => a.type === 'bpmn:UserTask' || a.type === 'bpmn:ServiceTask').map((a) => a.executionId));
}

const STATE_NOISE = new Set(['fields', 'content', 'properties']);

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
