/**
 * What a step produced, in the short form journaled with its inputs (step.input) and compared by a replay
 * (src/audit/replay.ts): the status, an SM3 digest of the variables, and the rows the step created and
 * closed. Ids are deterministic (stepRowId), so a replay that behaves the same gives the same outcome.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../db/journal-hash';
import type { StepResult } from './drive';

export interface StepOutcome {
  status: string;
  variables: string;
  tasks: Array<{ id: string; elementId: string; assignee: string | null; dueAt: string | null }>;
  closed: string[];
  timers: Array<{ id: string; elementId: string; dueAt: string }>;
  timersDeleted: string[];
  externalTasks: string[];
  /** Timer rows fired in a batch (only such a step has them; absent otherwise, as in outcomes recorded before). */
  timersFired?: string[];
}

export function variablesDigest(variables: Record<string, unknown>): string {
  return createHash('sm3').update(canonicalJson(JSON.parse(JSON.stringify(variables ?? {})))).digest('hex');
}

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function stepOutcome(result: Pick<StepResult, 'status' | 'variables' | 'tasks' | 'timers' | 'externalTasks'>): StepOutcome {
  const fired = result.timers.fired ?? [];
  const byId = <T extends { id: string }>(l: T[]) => l.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const sorted = (l: string[]) => l.sort();
  return {
    status: result.status,
    variables: variablesDigest(result.variables),
    tasks: byId(result.tasks.insert.map((t) => ({ id: t.id, elementId: t.element_id, assignee: t.assignee, dueAt: iso(t.due_at) }))),
    closed: sorted([...(result.tasks.complete ? [result.tasks.complete.taskId] : []), ...result.tasks.cancel.map((c) => c.taskId)]),
    timers: byId(result.timers.insert.map((t) => ({ id: t.id, elementId: t.element_id, dueAt: iso(t.due_at)! }))),
    timersDeleted: sorted([...result.timers.delete]),
    externalTasks: sorted(result.externalTasks.insert.map((t) => t.id)),
    ...(fired.length ? { timersFired: sorted([...fired]) } : {}),
  };
}
