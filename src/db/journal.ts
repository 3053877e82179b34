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
  // Three statements whatever the number of instances (a batch of timer firings writes hundreds): the
  // heads locked in one order (sorted: no deadlock between two writers of several instances), the rows,
  // the heads moved.
  const ids = [...byInstance.keys()].sort();
  const heads = new Map<string, { seq: number; hash: string }>();
  const found: Array<{ instance_id: string; seq: number; hash: string }> = await trx('journal_heads').whereIn('instance_id', ids).orderBy('instance_id').forUpdate().select('instance_id', 'seq', 'hash');
  for (const h of found) heads.set(h.instance_id, { seq: Number(h.seq), hash: h.hash });
  const rows: Array<Record<string, unknown>> = [];
  const moved: Array<{ instance_id: string; county_id: string; seq: number; hash: string; updated_at: Date }> = [];
  for (const instanceId of ids) {
    const list = byInstance.get(instanceId)!;
    const head = heads.get(instanceId);
    let seq = head?.seq ?? 0;
    let prev: string | null = head?.hash ?? null;
    for (const e of list) {
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
      rows.push({ ...row, data: data === null ? null : JSON.stringify(data), hash });
    }
    moved.push({ instance_id: instanceId, county_id: list[0].countyId, seq, hash: prev!, updated_at: list[list.length - 1].at });
  }
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx('journal').insert(rows.slice(i, i + INSERT_CHUNK));
  for (let i = 0; i < moved.length; i += INSERT_CHUNK) {
    await trx('journal_heads')
      .insert(moved.slice(i, i + INSERT_CHUNK))
      .onConflict('instance_id')
      .merge(['seq', 'hash', 'updated_at']);
  }
}

/** Rows per insert statement (12 parameters each, well under the protocol's 65,535). */
const INSERT_CHUNK = 2000;

/** The revision an instance is at, for an entry written outside an engine step (claims, comments, reveals). */
export async function currentRevision(trx: Knex | Knex.Transaction, instanceId: string): Promise<number> {
  const row = await trx('process_instances').where({ id: instanceId }).first('revision');
  return Number(row?.revision ?? 0);
}
