/**
 * The journal: the append-only history of every instance, what auditors read. This module is its only
 * writer, and every row is written in the transaction of the change it records (a step, a claim, a
 * comment, a reveal, a recomputed deadline), so the history never says something happened that did not
 * commit, nor misses something that did.
 */
import type { Knex } from 'knex';

/** One row to append. `revision` is the instance revision of the step (or the revision current when it happened). */
export interface JournalEntry {
  instanceId: string;
  countyId: string;
  revision: number;
  type: string;
  elementId?: string | null;
  elementType?: string | null;
  actor?: string | null;
  data?: Record<string, unknown> | null;
  at: Date;
}

export async function appendJournal(trx: Knex | Knex.Transaction, entries: JournalEntry[]): Promise<void> {
  if (!entries.length) return;
  await trx('journal').insert(
    entries.map((e) => ({
      instance_id: e.instanceId,
      county_id: e.countyId,
      revision: e.revision,
      type: e.type,
      element_id: e.elementId ?? null,
      element_type: e.elementType ?? null,
      actor: e.actor ?? null,
      data: e.data ? JSON.stringify(e.data) : null,
      at: e.at,
    })),
  );
}

/** The revision an instance is at, for an entry written outside an engine step (claims, comments, reveals). */
export async function currentRevision(trx: Knex | Knex.Transaction, instanceId: string): Promise<number> {
  const row = await trx('process_instances').where({ id: instanceId }).first('revision');
  return Number(row?.revision ?? 0);
}
