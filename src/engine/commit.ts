/**
 * The commit of one step: writes a StepResult (src/engine/drive.ts) in the step's transaction, through
 * each table's own writer: tasks, timers, outbox, the services' effects, the journal, and last the
 * instance row, whose revision check makes a step that raced another one fail as a whole.
 */
import type { Knex } from 'knex';
import { JournalEntry, STEP_INPUT, appendJournal } from '../db/journal';
import { stepOutcome } from './step-outcome';
import type { InstanceRow } from '../db/tables';
import type { StepResult } from './drive';
import { insertExternalTasks, markExternalCancelled, markExternalCompleted, retargetExternalTask } from './external-tasks';
import { updateAfterStep } from './instances';
import { insertOutbox } from './outbox';
import type { ServiceRegistry } from './services';
import { insertTasks, markCancelled, markCompleted, retargetTask } from './tasks';
import { deleteTimers, insertTimers } from './timers';

export async function commit(trx: Knex.Transaction, row: InstanceRow, result: StepResult, ctx: { actor: string; now: Date; services: ServiceRegistry }): Promise<InstanceRow> {
  const { now } = ctx;
  if (result.tasks.complete) await markCompleted(trx, result.tasks.complete.taskId, { actor: ctx.actor, at: now, output: result.tasks.complete.output, sealedOutput: result.tasks.complete.sealedOutput ?? null });
  await insertTasks(trx, result.tasks.insert);
  await markCancelled(trx, row.id, result.tasks.cancel.map((c) => c.taskId), now);
  for (const t of result.tasks.retarget ?? []) await retargetTask(trx, t);
  const ext = result.externalTasks;
  if (ext.complete) await markExternalCompleted(trx, ext.complete.id, { workerId: ext.complete.workerId, at: now });
  await insertExternalTasks(trx, ext.insert);
  await markExternalCancelled(trx, row.id, ext.cancel.map((c) => c.id), now);
  for (const t of ext.retarget ?? []) await retargetExternalTask(trx, t.id, { element_id: t.element_id, topic: t.topic, priority: t.priority });
  await deleteTimers(trx, result.timers.delete);
  await insertTimers(trx, result.timers.insert);
  await insertOutbox(trx, { id: row.id, countyId: row.county_id }, result.outbox, now);
  for (const e of result.effects) {
    const service = ctx.services.get(e.service);
    if (!service?.persist) throw new Error(`service ${e.service} recorded an effect but has no persist`);
    await service.persist(trx, e.data, { countyId: row.county_id, instanceId: row.id, businessKey: row.business_key, now });
  }
  const revision = row.revision + 1;
  await appendJournal(trx, stepJournal(row, revision, result, ctx.actor, now));
  const update = {
    ...(result.definitionId ? { definition_id: result.definitionId } : {}),
    status: result.status,
    revision,
    state: result.state,
    variables: result.variables,
    incident: result.incident,
    updated_at: now,
    ended_at: result.status === 'running' ? null : now,
  };
  result.stateBytes = await updateAfterStep(trx, row.id, row.revision, update);
  return { ...row, ...update, incident_at: null, incident_action: null, state: null };
}

/**
 * The journal rows of a step at its new revision. The step's inputs close them (what a replay runs again:
 * src/audit/replay.ts), with how many rows the step wrote before them and what it produced, to compare a
 * replay with.
 */
export function stepJournal(
  row: Pick<InstanceRow, 'id' | 'county_id'>,
  revision: number,
  result: Pick<StepResult, 'journal' | 'step' | 'status' | 'variables' | 'tasks' | 'timers' | 'externalTasks'>,
  actor: string,
  now: Date,
): JournalEntry[] {
  const entries = result.step ? [...result.journal, { type: STEP_INPUT, actor, data: { ...result.step, entries: result.journal.length, outcome: stepOutcome(result) } }] : result.journal;
  return entries.map((j) => ({
    instanceId: row.id,
    countyId: row.county_id,
    revision,
    type: j.type,
    elementId: j.elementId,
    elementType: j.elementType,
    actor: j.actor ?? actor,
    data: j.data ?? null,
    at: now,
  }));
}
