/**
 * The external_tasks table: its only writer. A service task with camunda:type="external" waits like a
 * user task: an engine step writes its row when it begins to wait, and a step ends it (completed by a
 * worker, a BPMN error, or cancelled by the path the instance took). Between steps, workers lock rows
 * (fetchAndLock), extend or give up their lock, and report failures; none of that moves the instance.
 *
 * Locks run on the application clock (src/clock.ts), as Camunda's run on its engine clock: in production
 * that is the system time; with simulated time a lock expires when the clock is moved past it. A lock
 * only says which worker may complete the task; nothing is lost when it lapses.
 */
import type { Knex } from 'knex';
import { appendJournal } from '../db/journal';
import type { ExternalTaskRow } from '../db/tables';
import type { NewExternalTask } from './drive';

type Db = Knex | Knex.Transaction;

export async function openExternalTasksOf(db: Db, instanceId: string): Promise<ExternalTaskRow[]> {
  return db<ExternalTaskRow>('external_tasks').where({ instance_id: instanceId, status: 'open' }).orderBy('id');
}

export async function findExternalTask(db: Db, id: string): Promise<ExternalTaskRow | undefined> {
  return db<ExternalTaskRow>('external_tasks').where({ id }).first();
}

export async function insertExternalTasks(trx: Db, rows: NewExternalTask[]): Promise<void> {
  if (!rows.length) return;
  await trx('external_tasks')
    .insert(rows.map((r) => ({ ...r, status: 'open' })))
    .onConflict('execution_id')
    .ignore();
}

export async function markExternalCompleted(trx: Db, id: string, by: { workerId: string; at: Date }): Promise<void> {
  await trx('external_tasks').where({ id }).update({ status: 'completed', completed_at: by.at, completed_by: by.workerId, worker_id: null, lock_expires_at: null });
}

export async function markExternalCancelled(trx: Db, instanceId: string, ids: string[], at: Date): Promise<void> {
  if (!ids.length) return;
  await trx('external_tasks').where({ instance_id: instanceId, status: 'open' }).whereIn('id', ids).update({ status: 'cancelled', completed_at: at, worker_id: null, lock_expires_at: null });
}

/** A migration moved the task to an element of another version. */
export async function retargetExternalTask(trx: Db, id: string, to: { element_id: string; topic: string; priority: number }): Promise<void> {
  await trx('external_tasks').where({ id, status: 'open' }).update(to);
}

export interface LockRequest {
  workerId: string;
  counties: string[] | '*';
  topics: Array<{ topicName: string; lockDuration: number; processInstanceIds?: string[]; businessKey?: string; processKeys?: string[]; definitionIds?: string[]; tenantIds?: string[] }>;
  maxTasks: number;
  usePriority: boolean;
  now: Date;
  /** Who asked (the journal's actor). */
  actor: string;
}

/**
 * Locks up to maxTasks open, unlocked (or lapsed) tasks of the topics for a worker, one short transaction
 * (FOR UPDATE SKIP LOCKED: two workers never get the same task), each lock journaled in it. Tasks in an
 * incident (retries 0) and tasks waiting out a retry timeout are not fetched. Answers the locked rows.
 */
export async function lockExternalTasks(knex: Knex, req: LockRequest): Promise<ExternalTaskRow[]> {
  return knex.transaction(async (trx) => {
    const q = trx('external_tasks as x')
      .join('process_instances as i', 'i.id', 'x.instance_id')
      .where('x.status', 'open')
      .whereIn('x.topic', req.topics.map((t) => t.topicName))
      .andWhere((w) => w.whereNull('x.lock_expires_at').orWhere('x.lock_expires_at', '<=', req.now))
      .andWhere((w) => w.whereNull('x.retries').orWhere('x.retries', '>', 0))
      .select('x.id', 'x.topic', 'x.county_id', 'x.instance_id', 'i.business_key', 'i.process_key', 'i.definition_id', 'i.revision');
    if (req.counties !== '*') q.whereIn('x.county_id', req.counties);
    const candidates: Array<{ id: string; topic: string; county_id: string; instance_id: string; business_key: string | null; process_key: string; definition_id: string; revision: number }> = await q
      .orderBy([...(req.usePriority ? [{ column: 'x.priority', order: 'desc' as const }] : []), { column: 'x.created_at' }, { column: 'x.id' }])
      .limit(req.maxTasks * 4 + 20)
      .forUpdate('x')
      .skipLocked();
    const chosen: Array<{ id: string; until: Date; revision: number }> = [];
    for (const c of candidates) {
      if (chosen.length >= req.maxTasks) break;
      const topic = req.topics.find(
        (t) =>
          t.topicName === c.topic &&
          (!t.processInstanceIds?.length || t.processInstanceIds.includes(c.instance_id)) &&
          (t.businessKey === undefined || t.businessKey === c.business_key) &&
          (!t.processKeys?.length || t.processKeys.includes(c.process_key)) &&
          (!t.definitionIds?.length || t.definitionIds.includes(c.definition_id)) &&
          (!t.tenantIds?.length || t.tenantIds.includes(c.county_id)),
      );
      if (topic) chosen.push({ id: c.id, until: new Date(req.now.getTime() + topic.lockDuration), revision: Number(c.revision) });
    }
    const out: ExternalTaskRow[] = [];
    for (const c of chosen) {
      const [row] = await trx('external_tasks').where({ id: c.id }).update({ worker_id: req.workerId, lock_expires_at: c.until }).returning('*');
      out.push(row as ExternalTaskRow);
      await appendJournal(trx, [
        {
          instanceId: row.instance_id,
          countyId: row.county_id,
          revision: c.revision,
          type: 'externalTask.locked',
          elementId: row.element_id,
          elementType: 'bpmn:ServiceTask',
          actor: req.actor,
          data: { externalTaskId: row.id, workerId: req.workerId, lockExpiresAt: c.until.toISOString() },
          at: req.now,
        },
      ]);
    }
    return out;
  });
}

/** Sets a new lock end for the worker holding the lock; answers whether it did. */
export async function setLock(trx: Db, id: string, workerId: string, until: Date, now: Date, opts: { takeOver: boolean }): Promise<boolean> {
  const q = trx('external_tasks').where({ id, status: 'open' });
  if (opts.takeOver) q.andWhere((w) => w.whereNull('worker_id').orWhere('worker_id', workerId).orWhere('lock_expires_at', '<=', now));
  else q.andWhere({ worker_id: workerId }).andWhere('lock_expires_at', '>', now);
  return (await q.update({ worker_id: workerId, lock_expires_at: until })) > 0;
}

export async function clearLock(trx: Db, id: string): Promise<void> {
  await trx('external_tasks').where({ id, status: 'open' }).update({ worker_id: null, lock_expires_at: null });
}

/**
 * A worker's failure report: retries left, and when the task may be fetched again (the lock is kept until
 * then, as Camunda does with retryTimeout). At zero retries the task becomes an incident.
 */
export async function recordFailure(
  trx: Db,
  id: string,
  f: { retries: number; errorMessage: string | null; errorDetails: string | null; availableAt: Date | null; incident: string | null; at: Date },
): Promise<void> {
  await trx('external_tasks')
    .where({ id, status: 'open' })
    .update({
      retries: f.retries,
      error_message: f.errorMessage,
      error_details: f.errorDetails,
      incident: f.incident,
      incident_at: f.incident ? f.at : null,
      lock_expires_at: f.availableAt,
      ...(f.availableAt ? {} : { worker_id: null }),
    });
}

/** Sets the retries (an administrator resolving an incident): a task with retries > 0 is fetchable again. */
export async function setRetries(trx: Db, id: string, retries: number): Promise<void> {
  await trx('external_tasks')
    .where({ id, status: 'open' })
    .update({ retries, ...(retries > 0 ? { incident: null, incident_at: null, worker_id: null, lock_expires_at: null } : {}) });
}
