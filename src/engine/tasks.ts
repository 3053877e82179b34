/**
 * The tasks table: its only writer. Rows are born and ended by engine steps (a user task waits, is
 * completed, or is cancelled by the path the instance took); between steps staff claim and unclaim them
 * and a calendar correction may move their due instant.
 */
import type { Knex } from 'knex';
import type { TaskRow } from '../db/tables';
import type { NewTask, TaskRetarget } from './drive';

type Db = Knex | Knex.Transaction;

export async function openTasksOf(trx: Db, instanceId: string): Promise<TaskRow[]> {
  // In id order: a step's rows (tasks cancelled) come out in one order, the order a replay gives them too.
  return trx<TaskRow>('tasks').where({ instance_id: instanceId, status: 'open' }).orderBy('id');
}

export async function findTask(db: Db, id: string): Promise<TaskRow | undefined> {
  return db<TaskRow>('tasks').where({ id }).first();
}

export async function insertTasks(trx: Db, tasks: NewTask[]): Promise<void> {
  if (!tasks.length) return;
  await trx('tasks')
    .insert(tasks.map((t) => ({ ...t, candidate_groups: JSON.stringify(t.candidate_groups), candidate_users: JSON.stringify(t.candidate_users) })))
    .onConflict('execution_id')
    .ignore();
}

/** `sealedOutput`: the encrypted original of `output` when personal data was masked in it (opaque here). */
export async function markCompleted(trx: Db, id: string, by: { actor: string; at: Date; output: Record<string, unknown>; sealedOutput?: string | null }): Promise<void> {
  await trx('tasks').where({ id }).update({ status: 'completed', completed_at: by.at, completed_by: by.actor, output: JSON.stringify(by.output), output_enc: by.sealedOutput ?? null });
}

export async function markCancelled(trx: Db, instanceId: string, ids: string[], at: Date): Promise<void> {
  if (!ids.length) return;
  await trx('tasks').where({ instance_id: instanceId, status: 'open' }).whereIn('id', ids).update({ status: 'cancelled', completed_at: at });
}

/** A migration moved the task to an element of another version: its element and what that version says of it (the assignee and due instant stay). */
export async function retargetTask(trx: Db, t: TaskRetarget): Promise<void> {
  await trx('tasks')
    .where({ id: t.taskId, status: 'open' })
    .update({ element_id: t.element_id, name: t.name, candidate_groups: JSON.stringify(t.candidate_groups), candidate_users: JSON.stringify(t.candidate_users), form_key: t.form_key });
}

/** Claims an open task for `userId` unless someone else holds it; answers whether it did. */
export async function claim(trx: Db, id: string, userId: string, at: Date): Promise<boolean> {
  const n = await trx('tasks')
    .where({ id, status: 'open' })
    .andWhere((w) => w.whereNull('assignee').orWhere('assignee', userId))
    .update({ assignee: userId, claimed_at: at });
  return n > 0;
}

/** Sets the assignee of an open task outright (an administrator's act; null unassigns). */
export async function assign(trx: Db, id: string, assignee: string | null, at: Date): Promise<void> {
  await trx('tasks').where({ id, status: 'open' }).update({ assignee, claimed_at: assignee ? at : null });
}

export async function unclaim(trx: Db, id: string): Promise<void> {
  await trx('tasks').where({ id, status: 'open' }).update({ assignee: null, claimed_at: null });
}

/**
 * New due instants for open tasks, one statement per batch; a row whose due instant changed meanwhile
 * (old_due differs) is skipped. Answers the ids written.
 */
export async function moveDueDates(trx: Knex.Transaction, batch: Array<{ id: string; old: Date; new: Date; provisional: boolean }>): Promise<Set<string>> {
  if (!batch.length) return new Set();
  const values = batch.map(() => '(?::uuid, ?::timestamptz, ?::timestamptz, ?::boolean)').join(', ');
  const res = await trx.raw(
    `update tasks as t set due_at = v.due_at, due_provisional = v.provisional
     from (values ${values}) as v(id, old_due, due_at, provisional)
     where t.id = v.id and t.due_at = v.old_due and t.status = 'open'
     returning t.id`,
    batch.flatMap((c) => [c.id, c.old.toISOString(), c.new.toISOString(), c.provisional]),
  );
  return new Set((res.rows ?? res).map((r: { id: string }) => r.id));
}
