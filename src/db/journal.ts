/**
 * The journal: the append-only history of every instance, what auditors read. This module is its only
 * writer (and of journal_heads, the head of each instance's hash chain), and every row is written in the
 * transaction of the change it records (a step, a claim, a comment, a reveal, a recomputed deadline), so
 * the history never says something happened that did not commit, nor misses something that did.
 *
 * Tamper evidence (src/db/journal-hash.ts): each row is numbered within its instance (seq) and carries
 * the SM3 hash of its columns and of the previous row's hash. The head row of the instance in
 * journal_heads is read FOR UPDATE, so two writers of one instance (a step and a claim) chain one after
 * the other. The database refuses UPDATE, DELETE and TRUNCATE of the journal (a trigger, migration
 * 20261202000000_audit_journal).
 */
import type { Knex } from 'knex';
import { rowHash } from './journal-hash';

/**
 * The row that closes each engine step: its inputs (action, version, timer instants, prepared reads) for
 * a replay. Left out of the history views, which show what happened rather than how to run it again.
 */
export const STEP_INPUT = 'step.input';

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
  const byInstance = new Map<string, JournalEntry[]>();
  for (const e of entries) {
    const list = byInstance.get(e.instanceId);
    if (list) list.push(e);
    else byInstance.set(e.instanceId, [e]);
  }
  // Sorted: two writers of several instances lock the heads in one order (no deadlock).
  for (const instanceId of [...byInstance.keys()].sort()) {
    const list = byInstance.get(instanceId)!;
    const head = await trx('journal_heads').where({ instance_id: instanceId }).forUpdate().first('seq', 'hash');
    let seq = Number(head?.seq ?? 0);
    let prev: string | null = head?.hash ?? null;
    const rows = list.map((e) => {
      // What jsonb gives back: Dates as strings, undefined dropped.
      const data = e.data ? JSON.parse(JSON.stringify(e.data)) : null;
      seq += 1;
      const row = {
        instance_id: e.instanceId,
        county_id: e.countyId,
        seq,
        revision: e.revision,
        type: e.type,
        element_id: e.elementId ?? null,
        element_type: e.elementType ?? null,
        actor: e.actor ?? null,
        data,
        at: e.at,
        prev_hash: prev,
      };
      const hash = rowHash(row);
      prev = hash;
      return { ...row, data: data === null ? null : JSON.stringify(data), hash };
    });
    await trx('journal').insert(rows);
    const last = rows[rows.length - 1];
    if (head) await trx('journal_heads').where({ instance_id: instanceId }).update({ seq: last.seq, hash: last.hash, updated_at: last.at });
    else await trx('journal_heads').insert({ instance_id: instanceId, county_id: list[0].countyId, seq: last.seq, hash: last.hash, updated_at: last.at });
  }
}

/** The revision an instance is at, for an entry written outside an engine step (claims, comments, reveals). */
export async function currentRevision(trx: Knex | Knex.Transaction, instanceId: string): Promise<number> {
  const row = await trx('process_instances').where({ id: instanceId }).first('revision');
  return Number(row?.revision ?? 0);
}
