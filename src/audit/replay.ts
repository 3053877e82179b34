/**
 * Replay: the state of an instance at any instant (or revision), computed by re-executing its recorded
 * inputs through the same drive the runner uses (src/engine/drive.ts), with no database writes.
 *
 * Each committed step closes with a `step.input` row (src/engine/commit.ts): the action (start variables,
 * a completion with its input, a timer, a message, a worker's outcome, a migration), the version it ran,
 * the due instants of its timer rows as the step read them (so recomputed calendars are inputs too), what
 * services read from the database, and what the step produced (status, a digest of the variables, the
 * rows it created and closed). The journal time of the row is the clock of the step. Rows written between
 * steps that change what a case looks like (a claim, an assignment, a recomputed deadline) are applied in
 * their order. Services whose answer cannot be computed again (a random draw) answer what they answered
 * then (`service.result`). Ids of created rows are deterministic (stepRowId), so the replayed rows are
 * the recorded ones.
 *
 * `check` runs every step and compares it with what the journal recorded: the outcome and the rows the
 * step wrote. The first step that differs is named, with why: the row was changed after it was written
 * (the hash chain is broken there: an input tampered with), the diagram version it ran is not the one
 * stored now, only due instants differ (the calendar changed since), or the result differs.
 */
import type { Knex } from 'knex';
import { STEP_INPUT } from '../db/journal';
import { canonicalJson } from '../db/journal-hash';
import type { JournalRow } from '../db/tables';
import type { DefinitionStore, LoadedDefinition } from '../engine/definition-store';
import { EngineSlot, StepAction, StepInput, StepRecord, StepResult, activeElements, drive } from '../engine/drive';
import type { DeadlinePort } from '../engine/elements';
import { ServiceDefinition, ServiceRegistry } from '../engine/services';
import { StepOutcome, stepOutcome } from '../engine/step-outcome';
import { fireNotifyOnly } from '../engine/notify-timers';
import { batchStepResult } from '../engine/timer-batch';
import { ConflictError } from '../errors';
import { verifyChain } from './verify';

export interface ReplayDeps {
  definitions: DefinitionStore;
  services: ServiceRegistry;
  deadlines: DeadlinePort;
}

/** What a case was at a moment. */
export interface ReplayedState {
  revision: number;
  /** Clock time of the last step or row applied (null before the first). */
  at: string | null;
  definition: { id: string; processKey: string; version: number } | null;
  status: string;
  activeActivities: Array<{ elementId: string; type: string }>;
  openTasks: Array<{ id: string; elementId: string; name: string | null; assignee: string | null; candidateGroups: string[]; dueAt: string | null; overdue: boolean }>;
  timers: Array<{ id: string; elementId: string; dueAt: string }>;
  externalTasks: Array<{ id: string; elementId: string; topic: string }>;
  variables: Record<string, unknown>;
}

export type Divergence = 'input tampered' | 'diagram version changed' | 'calendar changed' | 'result differs' | 'step failed';

export interface CheckResult {
  instanceId: string;
  status: 'consistent' | 'divergent';
  steps: number;
  /** The first divergent step. */
  divergence?: { revision: number; at: string; action: string; reason: Divergence; message: string; expected?: unknown; found?: unknown; rowId?: number | null; seq?: number | null };
}

/** One recorded step: its input row and the rows it wrote before it. */
interface RecordedStep {
  kind: 'step';
  input: JournalRow;
  record: StepRecord & { entries: number; outcome: StepOutcome };
  rows: JournalRow[];
}

type Event = RecordedStep | { kind: 'row'; row: JournalRow };

/** The journal of an instance as steps and the rows between them. */
export function timeline(rows: JournalRow[]): Event[] {
  const inStep = new Set<number>();
  const stepAt = new Map<number, RecordedStep>();
  rows.forEach((r, i) => {
    if (r.type !== STEP_INPUT || !r.data) return;
    const record = r.data as unknown as RecordedStep['record'];
    const n = Number(record.entries ?? 0);
    const own = rows.slice(Math.max(0, i - n), i).filter((x) => x.revision === r.revision);
    own.forEach((_, k) => inStep.add(i - own.length + k));
    stepAt.set(i, { kind: 'step', input: r, record, rows: own });
  });
  const out: Event[] = [];
  rows.forEach((r, i) => {
    const step = stepAt.get(i);
    if (step) out.push(step);
    else if (!inStep.has(i)) out.push({ kind: 'row', row: r });
  });
  return out;
}

interface TaskState { id: string; executionId: string; elementId: string; name: string | null; assignee: string | null; candidateGroups: string[]; dueAt: Date | null }

/** The replay of one instance, step by step (no database writes: it reads the definitions only). */
export class Replayer {
  private slot?: EngineSlot;
  private definition?: LoadedDefinition;
  private engineState: unknown = null;
  revision = 0;
  at: Date | null = null;
  status = 'running';
  variables: Record<string, unknown> = {};
  readonly tasks = new Map<string, TaskState>();
  /** Timer rows; fired: fired in a batch, the engine not yet caught up (src/engine/timer-batch.ts). */
  readonly timers = new Map<string, { id: string; executionId: string; elementId: string; dueAt: Date; fired?: boolean }>();
  readonly externalTasks = new Map<string, { id: string; executionId: string; elementId: string; topic: string }>();
  active: Array<{ elementId: string; type: string }> = [];
  /** The result of the last step run. */
  last?: StepResult;
  /** One registry for the whole replay: a kept engine holds the services it was built with. */
  private readonly services: ReplayServices;

  constructor(
    private readonly deps: ReplayDeps,
    private readonly instance: { id: string; county_id: string; business_key: string | null },
  ) {
    this.services = new ReplayServices(deps.services);
  }

  /** Runs one recorded step through the drive; answers its result. */
  async step(step: RecordedStep): Promise<StepResult> {
    const { record, input: row } = step;
    if ((record.action as { batch?: boolean }).batch) return this.batchStep(step);
    const definition = await this.deps.definitions.get(record.definitionId);
    const action = this.actionOf(record.action);
    const recordedDue = record.timers ?? {};
    const input: StepInput = {
      instanceId: this.instance.id,
      countyId: this.instance.county_id,
      businessKey: this.instance.business_key,
      revision: row.revision - 1,
      state: this.engineState,
      definition,
      actor: row.actor ?? 'system',
      now: new Date(row.at),
      openTasks: byId([...this.tasks.values()]).map((t) => ({ id: t.id, execution_id: t.executionId, element_id: t.elementId })),
      timerRows: byId([...this.timers.values()]).map((t) => ({
        id: t.id,
        execution_id: t.executionId,
        element_id: t.elementId,
        due_at: recordedDue[t.id] ? new Date(recordedDue[t.id]) : t.dueAt,
        fired_at: (record.fired ? record.fired.includes(t.id) : t.fired) ? new Date(row.at) : null,
      })),
      openExternalTasks: byId([...this.externalTasks.values()]).map((t) => ({ id: t.id, execution_id: t.executionId, element_id: t.elementId })),
      prepared: record.prepared,
    };
    const kept = this.slot && this.slot.definitionId === definition.row.id && action.kind !== 'migrate' ? this.slot : undefined;
    if (this.slot && !kept) this.slot.stop();
    this.slot = undefined;
    this.services.load(step.rows);
    const services = this.services.registry;
    const { result, slot } = await drive(input, action, { services, deadlines: this.deps.deadlines, budget: { maxActivities: 100_000, maxMs: 60_000 } }, kept, record.corrections);
    this.apply(result, input, definition);
    this.active = result.status === 'running' ? activeElements(slot) : [];
    if (result.status === 'running') {
      slot.revision = row.revision;
      this.slot = slot;
    } else slot.stop();
    this.revision = row.revision;
    this.at = new Date(row.at);
    this.last = result;
    return result;
  }

  /**
   * A timer fired in a batch, without the engine (src/engine/timer-batch.ts): the same function computes
   * its messages and rows from the variables of the previous step; the engine state does not change.
   */
  private async batchStep(step: RecordedStep): Promise<StepResult> {
    const { record, input: row } = step;
    const definition = await this.deps.definitions.get(record.definitionId);
    const timerId = String(record.action.timerId);
    const timer = this.timers.get(timerId);
    if (!timer || timer.fired) throw new Error(`timer ${timerId} was not pending when the batch fired it`);
    const chain = definition.notifyTimers?.[timer.elementId];
    if (!chain) throw new Error(`the timer at ${timer.elementId} does not only notify in version ${definition.row.version}`);
    const dueAt = record.timers?.[timerId] ? new Date(record.timers[timerId]) : timer.dueAt;
    const fired = await fireNotifyOnly(
      { instanceId: this.instance.id, countyId: this.instance.county_id, businessKey: this.instance.business_key, variables: this.variables, serviceTasks: definition.row.elements.serviceTasks, timer: { id: timerId, elementId: timer.elementId, dueAt }, now: new Date(row.at) },
      chain,
      this.services.registry,
    );
    const result = batchStepResult(this.variables, { id: timerId, dueAt }, { id: definition.row.id, checksum: definition.row.checksum }, fired);
    timer.dueAt = dueAt;
    timer.fired = true;
    if (this.slot) this.slot.revision = row.revision;
    this.definition = definition;
    this.revision = row.revision;
    this.at = new Date(row.at);
    this.last = result;
    return result;
  }

  /** A row written between steps: a claim, an assignment, a recomputed deadline. */
  applyRow(row: JournalRow): void {
    const d = (row.data ?? {}) as Record<string, unknown>;
    const task = typeof d.taskId === 'string' ? this.tasks.get(d.taskId) : undefined;
    if (row.type === 'task.claimed' && task) task.assignee = row.actor;
    else if (row.type === 'task.unclaimed' && task) task.assignee = null;
    else if (row.type === 'task.assigned' && task) task.assignee = (d.assignee as string | null) ?? null;
    else if (row.type === 'deadline.recomputed') {
      if (task) task.dueAt = new Date(String(d.new));
      const timer = typeof d.timerId === 'string' ? this.timers.get(d.timerId) : undefined;
      if (timer) timer.dueAt = new Date(String(d.new));
    }
    this.at = new Date(row.at);
  }

  state(now?: Date): ReplayedState {
    const at = now ?? this.at ?? new Date(0);
    return {
      revision: this.revision,
      at: this.at ? this.at.toISOString() : null,
      definition: this.definition ? { id: this.definition.row.id, processKey: this.definition.row.process_key, version: this.definition.row.version } : null,
      status: this.status,
      activeActivities: this.active,
      openTasks: [...this.tasks.values()].map((t) => ({
        id: t.id,
        elementId: t.elementId,
        name: t.name,
        assignee: t.assignee,
        candidateGroups: t.candidateGroups,
        dueAt: t.dueAt ? t.dueAt.toISOString() : null,
        overdue: Boolean(t.dueAt && t.dueAt.getTime() < at.getTime()),
      })),
      timers: [...this.timers.values()].filter((t) => !t.fired).map((t) => ({ id: t.id, elementId: t.elementId, dueAt: t.dueAt.toISOString() })),
      externalTasks: [...this.externalTasks.values()].map((t) => ({ id: t.id, elementId: t.elementId, topic: t.topic })),
      variables: this.variables,
    };
  }

  stop(): void {
    this.slot?.stop();
    this.slot = undefined;
  }

  private apply(result: StepResult, input: StepInput, definition: LoadedDefinition): void {
    this.definition = definition;
    this.engineState = result.state;
    this.status = result.status;
    this.variables = result.variables;
    if (result.tasks.complete) this.tasks.delete(result.tasks.complete.taskId);
    for (const c of result.tasks.cancel) this.tasks.delete(c.taskId);
    for (const t of result.tasks.retarget ?? []) {
      const task = this.tasks.get(t.taskId);
      if (task) Object.assign(task, { elementId: t.element_id, name: t.name, candidateGroups: t.candidate_groups });
    }
    for (const t of result.tasks.insert) {
      this.tasks.set(t.id, { id: t.id, executionId: t.execution_id, elementId: t.element_id, name: t.name, assignee: t.assignee, candidateGroups: t.candidate_groups, dueAt: t.due_at ? new Date(t.due_at) : null });
    }
    // Timer rows keep the instants the step read (a recomputed calendar), then the step's changes.
    for (const t of input.timerRows) {
      const row = this.timers.get(t.id);
      if (row) row.dueAt = new Date(t.due_at);
    }
    for (const id of result.timers.delete) this.timers.delete(id);
    for (const t of result.timers.insert) this.timers.set(t.id, { id: t.id, executionId: t.execution_id, elementId: t.element_id, dueAt: new Date(t.due_at) });
    if (result.externalTasks.complete) this.externalTasks.delete(result.externalTasks.complete.id);
    for (const c of result.externalTasks.cancel) this.externalTasks.delete(c.id);
    for (const t of result.externalTasks.insert) this.externalTasks.set(t.id, { id: t.id, executionId: t.execution_id, elementId: t.element_id, topic: t.topic });
    if (result.status !== 'running') {
      this.tasks.clear();
      this.timers.clear();
      this.externalTasks.clear();
    }
  }

  /** The recorded action with the execution ids of this replay (engines name executions at random). */
  private actionOf(recorded: Record<string, unknown>): StepAction {
    const a = recorded as unknown as StepAction;
    if (a.kind === 'complete') {
      const task = this.tasks.get(a.taskId);
      return { ...a, executionId: task?.executionId ?? a.executionId };
    }
    if (a.kind === 'external') {
      const task = this.externalTasks.get(a.externalTaskId);
      return { ...a, executionId: task?.executionId ?? a.executionId };
    }
    return a;
  }
}

/** In id order, as the runner reads its rows (src/engine/tasks.ts). */
function byId<T extends { id: string }>(list: T[]): T[] {
  return list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Services as a replay runs them: no database reads; an answer that cannot be computed again is the
 * recorded one (`service.result` of the step being replayed, loaded before each step).
 */
class ReplayServices {
  readonly registry: ServiceRegistry;
  private recorded = new Map<string, unknown[]>();

  constructor(services: ServiceRegistry) {
    const defs: ServiceDefinition[] = services.names().map((name) => {
      const def = services.get(name)!;
      if (!def.recordsResult) return { ...def, prepare: undefined };
      return {
        ...def,
        prepare: undefined,
        run: (call) => {
          const list = this.recorded.get(call.elementId);
          if (!list?.length) throw new Error(`the journal has no recorded answer of ${name} at ${call.elementId} in this step`);
          return list.shift() as Record<string, unknown>;
        },
      };
    });
    this.registry = new ServiceRegistry(defs);
  }

  load(rows: JournalRow[]): void {
    this.recorded = new Map();
    for (const r of rows) {
      if (r.type !== 'service.result' || !r.element_id) continue;
      const list = this.recorded.get(r.element_id) ?? [];
      list.push((r.data as { result?: unknown } | null)?.result ?? null);
      this.recorded.set(r.element_id, list);
    }
  }
}

export interface ReplayTarget {
  at?: Date;
  revision?: number;
}

/** The state of an instance at an instant or a revision (the latest when neither is given). */
export async function replayTo(deps: ReplayDeps, instance: { id: string; county_id: string; business_key: string | null }, rows: JournalRow[], target: ReplayTarget = {}): Promise<ReplayedState & { steps: number }> {
  const events = timeline(rows);
  if (!events.some((e) => e.kind === 'step')) throw notReplayable(instance.id);
  const r = new Replayer(deps, instance);
  let steps = 0;
  try {
    for (const e of events) {
      const row = e.kind === 'step' ? e.input : e.row;
      if (target.at && new Date(row.at).getTime() > target.at.getTime()) break;
      // A revision is the moment right after its step committed: rows written later at that revision (a claim) are not in it.
      if (target.revision !== undefined && (row.revision > target.revision || (e.kind === 'row' && row.revision >= target.revision))) break;
      if (e.kind === 'step') {
        await r.step(e);
        steps++;
      } else r.applyRow(e.row);
    }
    return { ...r.state(target.at), steps };
  } finally {
    r.stop();
  }
}

/** Each step's replayed state, in order (for the dossier and the diagram page's slider). */
export async function replaySteps(deps: ReplayDeps, instance: { id: string; county_id: string; business_key: string | null }, rows: JournalRow[]): Promise<Array<ReplayedState & { action: string; actor: string | null }>> {
  const events = timeline(rows);
  const r = new Replayer(deps, instance);
  const out: Array<ReplayedState & { action: string; actor: string | null }> = [];
  try {
    for (const e of events) {
      if (e.kind === 'row') {
        r.applyRow(e.row);
        if (out.length) Object.assign(out[out.length - 1], { openTasks: r.state().openTasks, timers: r.state().timers });
        continue;
      }
      await r.step(e);
      out.push({ ...r.state(), action: String(e.record.action.kind), actor: e.input.actor });
    }
    return out;
  } finally {
    r.stop();
  }
}

/** Re-executes the whole recorded history and compares every step with the journal. */
export async function checkReplay(deps: ReplayDeps & { knex: Knex }, instance: { id: string; county_id: string; business_key: string | null }, rows: JournalRow[]): Promise<CheckResult> {
  const events = timeline(rows);
  if (!events.some((e) => e.kind === 'step')) throw notReplayable(instance.id);
  const r = new Replayer(deps, instance);
  let steps = 0;
  try {
    for (const e of events) {
      if (e.kind === 'row') {
        r.applyRow(e.row);
        continue;
      }
      const { input } = e;
      const base = { revision: input.revision, at: new Date(input.at).toISOString(), action: String(e.record.action?.kind) };
      let result: StepResult;
      try {
        result = await r.step(e);
      } catch (err) {
        const why = await classify(deps.knex, instance.id, rows, e, 'step failed');
        return { instanceId: instance.id, status: 'divergent', steps, divergence: { ...base, ...why, message: why.reason === 'step failed' ? `The step ${base.action} at revision ${input.revision} could not run again: ${(err as Error).message}` : why.message } };
      }
      const diff = compareStep(e, result);
      if (diff) {
        const why = await classify(deps.knex, instance.id, rows, e, diff.dueOnly ? 'calendar changed' : 'result differs');
        return {
          instanceId: instance.id,
          status: 'divergent',
          steps,
          divergence: { ...base, expected: diff.expected, found: diff.found, ...why, message: `${why.message} (step ${base.action} at revision ${input.revision}: ${diff.what})` },
        };
      }
      steps++;
    }
    return { instanceId: instance.id, status: 'consistent', steps };
  } finally {
    r.stop();
  }
}

/** Why a step diverged: a changed row (the hash chain), another diagram, another calendar, or the result. */
async function classify(knex: Knex, instanceId: string, rows: JournalRow[], step: RecordedStep, fallback: Divergence): Promise<{ reason: Divergence; message: string; rowId?: number | null; seq?: number | null }> {
  const upto = rows.filter((r) => Number(r.seq) <= Number(step.input.seq));
  const broken = verifyChain(upto, undefined, instanceId);
  if (broken) return { reason: 'input tampered', rowId: broken.rowId, seq: broken.seq, message: `The recorded inputs were changed after they were written: ${broken.message}` };
  const def = await knex('process_definitions').where({ id: step.record.definitionId }).first('checksum', 'version');
  if (!def || def.checksum !== step.record.checksum) {
    return { reason: 'diagram version changed', message: def ? `The diagram version ${def.version} the step ran was changed since (checksum ${step.record.checksum} then, ${def.checksum} now)` : `The diagram version ${step.record.definitionId} the step ran is gone` };
  }
  if (fallback === 'calendar changed') return { reason: fallback, message: 'Only due instants differ: the working calendar was changed since the step ran' };
  return { reason: fallback, message: 'Re-execution differs from the recorded step' };
}

const norm = (v: unknown) => canonicalJson(v === undefined ? null : JSON.parse(JSON.stringify(v ?? null)));

/** The first difference between a replayed step and the journal, if any. */
function compareStep(step: RecordedStep, result: StepResult): { what: string; expected: unknown; found: unknown; dueOnly: boolean } | undefined {
  const outcome = stepOutcome(result);
  const recorded = step.record.outcome;
  if (recorded && norm(outcome) !== norm(recorded)) {
    const dueOnly = norm(stripDue(outcome)) === norm(stripDue(recorded));
    const key = (Object.keys(outcome) as Array<keyof StepOutcome>).find((k) => norm(outcome[k]) !== norm(recorded[k]));
    return { what: `its ${key ?? 'outcome'} differs`, expected: key ? recorded[key] : recorded, found: key ? outcome[key] : outcome, dueOnly };
  }
  const actor = step.input.actor;
  const mine = result.journal.map((j) => norm({ type: j.type, elementId: j.elementId ?? null, elementType: j.elementType ?? null, actor: j.actor ?? actor, data: j.data ?? null }));
  const theirs = step.rows.filter((r) => r.type !== 'instance.retried').map((r) => norm({ type: r.type, elementId: r.element_id, elementType: r.element_type, actor: r.actor, data: r.data }));
  const n = Math.max(mine.length, theirs.length);
  for (let i = 0; i < n; i++) {
    if (mine[i] !== theirs[i]) {
      const strip = (s: string | undefined) => (s ? s.replace(/"dueAt":"[^"]*"/g, '') : s);
      return { what: `row ${i + 1} of the step differs`, expected: theirs[i] ? JSON.parse(theirs[i]) : null, found: mine[i] ? JSON.parse(mine[i]) : null, dueOnly: strip(mine[i]) === strip(theirs[i]) };
    }
  }
  return undefined;
}

function stripDue(o: StepOutcome) {
  return { ...o, tasks: o.tasks.map((t) => ({ ...t, dueAt: null })), timers: o.timers.map((t) => ({ ...t, dueAt: null })) };
}

function notReplayable(id: string): ConflictError {
  return new ConflictError(
    `Process instance ${id} has no recorded step inputs: its journal was written before steps recorded their inputs (migration 20261202000000), so it cannot be re-executed; its history and hash chain can still be read and verified`,
    { field: 'instance', reason: 'has no recorded step inputs' },
    'conflict',
  );
}
