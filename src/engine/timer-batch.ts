/**
 * Due timers of many instances fired in one transaction, without their engines, when they only notify
 * (src/engine/notify-timers.ts: a reminder, an escalation).
 *
 *   lock the instances of the claimed timers (FOR UPDATE SKIP LOCKED: one that is stepping now is left
 *   to the full path); read their unfired timer rows; for each instance, in due order, fire every claimed
 *   notify-only timer that is due, and stop at the first due timer that needs the engine (it fires first,
 *   in a full step, as the engine would); then, for the whole batch: mark the rows fired, queue the
 *   messages, append the journal (each firing a step of its own: its rows and its step.input, one
 *   revision), advance the revisions. Five statements for hundreds of firings.
 *
 * Each firing happens once: the row is claimed under a lease, locked with its instance, and marked fired
 * in the transaction that queues its messages (whose idempotency keys name the row); the claim passes
 * marked rows by. What is not fired here is answered as `left`, for a full step each (runner.fire).
 */
import type { Knex } from 'knex';
import { appendJournal, JournalEntry } from '../db/journal';
import type { InstanceRow } from '../db/tables';
import { stepJournal } from './commit';
import type { DefinitionStore } from './definition-store';
import type { StepResult } from './drive';
import { advanceRevisions } from './instances';
import { chainIsPure, fireNotifyOnly, NotifyChain, NotifyFiring } from './notify-timers';
import { insertOutboxOf } from './outbox';
import type { ServiceRegistry } from './services';
import { ClaimedTimer, markFired, unfiredTimersOf } from './timers';

/** One timer fired in the batch: the instance went from revision `from` to `to`. */
export interface BatchFiring {
  instanceId: string;
  countyId: string;
  processKey: string;
  timerId: string;
  from: number;
  to: number;
}

export interface BatchContext {
  definitions: DefinitionStore;
  services: ServiceRegistry;
  now: Date;
  actor: string;
}

/** The result of a batch firing as a step result: nothing changes but the timer row, marked fired. */
export function batchStepResult(variables: Record<string, unknown>, timer: { id: string; dueAt: Date }, definition: { id: string; checksum: string }, fired: NotifyFiring): StepResult {
  return {
    status: 'running',
    incident: null,
    state: null,
    variables,
    tasks: { insert: [], cancel: [] },
    externalTasks: { insert: [], cancel: [] },
    timers: { insert: [], delete: [], fired: [timer.id] },
    outbox: fired.outbox,
    effects: [],
    journal: fired.journal,
    fired: true,
    step: { action: { kind: 'fire', timerId: timer.id, batch: true }, definitionId: definition.id, checksum: definition.checksum, timers: { [timer.id]: timer.dueAt.toISOString() } },
  };
}

/** Fires, in the caller's transaction, the claimed timers that only notify; answers those fired and those left for a full step. */
export async function fireNotifyOnlyBatch(trx: Knex.Transaction, claimed: ClaimedTimer[], ctx: BatchContext): Promise<{ fired: BatchFiring[]; left: ClaimedTimer[] }> {
  const mine = byInstance(claimed);
  const ids = [...mine.keys()].sort();
  const locked: Array<Pick<InstanceRow, 'id' | 'county_id' | 'definition_id' | 'process_key' | 'business_key' | 'status' | 'revision' | 'variables' | 'incident_at'>> = await trx('process_instances')
    .whereIn('id', ids)
    .orderBy('id')
    .forUpdate()
    .skipLocked()
    .select('id', 'county_id', 'definition_id', 'process_key', 'business_key', 'status', 'revision', 'variables', 'incident_at');
  const rowsOf = byInstance(
    await unfiredTimersOf(
      trx,
      locked.map((i) => i.id),
    ),
  );

  const fired: BatchFiring[] = [];
  const left: ClaimedTimer[] = [];
  const marks: string[] = [];
  const outbox: Parameters<typeof insertOutboxOf>[1] = [];
  const journal: JournalEntry[] = [];
  const revisions: Array<{ id: string; from: number; to: number }> = [];
  const lockedIds = new Set(locked.map((i) => i.id));
  for (const id of ids) if (!lockedIds.has(id)) left.push(...mine.get(id)!);

  for (const inst of locked) {
    const waiting = new Set(mine.get(inst.id)!.map((t) => t.id));
    if (inst.status === 'running' && !inst.incident_at) {
      const definition = await ctx.definitions.get(inst.definition_id, trx);
      const variables = (typeof inst.variables === 'string' ? JSON.parse(inst.variables) : inst.variables) ?? {};
      let revision = Number(inst.revision);
      for (const row of rowsOf.get(inst.id) ?? []) {
        const due = new Date(row.due_at);
        if (due.getTime() > ctx.now.getTime()) break;
        const chain: NotifyChain | undefined = definition.notifyTimers?.[row.element_id];
        // A due timer that needs the engine (or that another process claimed) goes first: the rest wait for it.
        if (!waiting.has(row.id) || !chain || !chainIsPure(chain, ctx.services)) break;
        const timer = { id: row.id, elementId: row.element_id, dueAt: due };
        const out = await fireNotifyOnly(
          { instanceId: inst.id, countyId: inst.county_id, businessKey: inst.business_key, variables, serviceTasks: definition.row.elements.serviceTasks, timer, now: ctx.now },
          chain,
          ctx.services,
        );
        const result = batchStepResult(variables, timer, { id: definition.row.id, checksum: definition.row.checksum }, out);
        journal.push(...stepJournal(inst, revision + 1, result, ctx.actor, ctx.now));
        for (const message of out.outbox) outbox.push({ instanceId: inst.id, countyId: inst.county_id, message });
        marks.push(row.id);
        fired.push({ instanceId: inst.id, countyId: inst.county_id, processKey: inst.process_key, timerId: row.id, from: revision, to: revision + 1 });
        waiting.delete(row.id);
        revision += 1;
      }
      if (revision !== Number(inst.revision)) revisions.push({ id: inst.id, from: Number(inst.revision), to: revision });
    }
    // Not fired here (not due any more, gone, behind a timer that needs the engine, an instance not
    // running or stopped by an incident): the full path decides, as it always did.
    for (const t of mine.get(inst.id)!) if (waiting.has(t.id)) left.push(t);
  }

  await markFired(trx, marks, ctx.now);
  await insertOutboxOf(trx, outbox, ctx.now);
  await appendJournal(trx, journal);
  await advanceRevisions(trx, revisions, ctx.now);
  return { fired, left };
}

/** Rows by their instance, in the order given. */
export function byInstance<T extends { instance_id: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.instance_id);
    if (list) list.push(r);
    else out.set(r.instance_id, [r]);
  }
  return out;
}
