/**
 * Verification of the journal's hash chains (src/db/journal-hash.ts): walks the rows of each instance in
 * seq order, recomputes every hash, checks every link to the previous row and that the chain ends at the
 * head kept in journal_heads, then checks the county's daily anchors against the rows they cover. Answers
 * `ok` with counts, or the first broken row: which instance, which row (id and seq), what differs, what
 * was expected and what was found. Reads only.
 */
import type { Knex } from 'knex';
import { headsHash, rowHash } from '../db/journal-hash';
import type { JournalAnchorRow, JournalRow } from '../db/tables';

export type BreakReason = 'hash differs' | 'row missing' | 'link differs' | 'head differs' | 'anchor differs';

export type VerifyResult =
  | { status: 'ok'; instances: number; rows: number; anchors: number }
  | {
      status: 'broken';
      instanceId: string | null;
      rowId: number | null;
      seq: number | null;
      reason: BreakReason;
      expected: string | number | null;
      found: string | number | null;
      message: string;
      instances: number;
      rows: number;
    };

export interface VerifyScope {
  county?: string;
  instanceId?: string;
  /** Chains with a row at or after / before this instant (whole chains are verified). */
  from?: Date;
  to?: Date;
}

const PAGE = 5000;

type Broken = Extract<VerifyResult, { status: 'broken' }>;

/** Verifies one instance's rows (in seq order) against each other and the head; undefined when intact. */
export function verifyChain(rows: JournalRow[], head: { seq: number; hash: string } | undefined, instanceId: string): Omit<Broken, 'instances' | 'rows'> | undefined {
  let prev: JournalRow | undefined;
  for (const r of rows) {
    const seq = Number(r.seq);
    const expectedSeq = prev ? Number(prev.seq) + 1 : 1;
    if (seq !== expectedSeq) {
      return {
        status: 'broken', instanceId, rowId: prev ? Number(prev.id) : null, seq: expectedSeq, reason: 'row missing', expected: expectedSeq, found: seq,
        message: `Row ${expectedSeq} of instance ${instanceId} is missing (the chain goes from ${prev ? `row ${prev.seq} (id ${prev.id})` : 'its start'} to row ${seq} (id ${r.id}))`,
      };
    }
    const expectedPrev = prev ? prev.hash : null;
    if ((r.prev_hash ?? null) !== expectedPrev) {
      return {
        status: 'broken', instanceId, rowId: Number(r.id), seq, reason: 'link differs', expected: expectedPrev, found: r.prev_hash ?? null,
        message: `Row ${seq} (id ${r.id}) of instance ${instanceId} does not link to the hash of the row before it`,
      };
    }
    const computed = rowHash(r);
    if (computed !== r.hash) {
      return {
        status: 'broken', instanceId, rowId: Number(r.id), seq, reason: 'hash differs', expected: r.hash, found: computed,
        message: `Row ${seq} (id ${r.id}, ${r.type}${r.element_id ? ` at ${r.element_id}` : ''}) of instance ${instanceId} was changed after it was written: its content hashes to ${computed}, the chain recorded ${r.hash}`,
      };
    }
    prev = r;
  }
  if (head) {
    const lastSeq = prev ? Number(prev.seq) : 0;
    if (Number(head.seq) > lastSeq) {
      return {
        status: 'broken', instanceId, rowId: prev ? Number(prev.id) : null, seq: lastSeq + 1, reason: 'row missing', expected: Number(head.seq), found: lastSeq,
        message: `Rows ${lastSeq + 1}…${head.seq} of instance ${instanceId} are missing (the chain head says ${head.seq} rows, ${lastSeq} remain)`,
      };
    }
    if (prev && Number(head.seq) === lastSeq && head.hash !== prev.hash) {
      return {
        status: 'broken', instanceId, rowId: Number(prev.id), seq: lastSeq, reason: 'head differs', expected: head.hash, found: prev.hash,
        message: `The last row of instance ${instanceId} (id ${prev.id}) is not the one the chain head recorded`,
      };
    }
  }
  return undefined;
}

/** Verifies the chains in scope, then (for a county) its anchors. */
export async function verifyJournal(knex: Knex, scope: VerifyScope): Promise<VerifyResult> {
  let instances = 0;
  let rows = 0;
  const ids = await instancesInScope(knex, scope);
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const heads = new Map<string, { seq: number; hash: string }>();
    for (const h of await knex('journal_heads').whereIn('instance_id', batch).select('instance_id', 'seq', 'hash')) heads.set(h.instance_id, h);
    const byInstance = new Map<string, JournalRow[]>(batch.map((id) => [id, []]));
    let after: { instance: string; seq: number } | undefined;
    for (;;) {
      const q = knex<JournalRow>('journal').whereIn('instance_id', batch).orderBy([{ column: 'instance_id' }, { column: 'seq' }]).limit(PAGE);
      if (after) q.whereRaw('(instance_id, seq) > (?, ?)', [after.instance, after.seq]);
      const page: JournalRow[] = await q;
      for (const r of page) byInstance.get(r.instance_id)!.push(r);
      if (page.length < PAGE) break;
      const last = page[page.length - 1];
      after = { instance: last.instance_id, seq: Number(last.seq) };
    }
    for (const id of batch) {
      const chain = byInstance.get(id)!;
      const broken = verifyChain(chain, heads.get(id), id);
      if (broken) return { ...broken, instances, rows };
      instances++;
      rows += chain.length;
    }
  }
  let anchors = 0;
  if (scope.county && !scope.instanceId) {
    const list: JournalAnchorRow[] = await knex('journal_anchors')
      .where({ county_id: scope.county })
      .modify((q) => {
        if (scope.from) q.where('at', '>=', scope.from);
        if (scope.to) q.where('at', '<', new Date(scope.to.getTime() + 86_400_000));
      })
      .orderBy('id');
    for (const a of list) {
      const heads = await headsAsOf(knex, a.county_id, Number(a.upto_id));
      const found = headsHash(heads);
      if (found !== a.hash) {
        return {
          status: 'broken', instanceId: null, rowId: null, seq: null, reason: 'anchor differs', expected: a.hash, found,
          message: `The anchor of ${a.county_id} for ${a.day} (journal rows up to id ${a.upto_id}) does not match the journal: a row it covers was changed or removed`,
          instances, rows,
        };
      }
      anchors++;
    }
  }
  return { status: 'ok', instances, rows, anchors };
}

/** The head (last row) of each instance chain of a county among the rows with id ≤ uptoId. */
export async function headsAsOf(knex: Knex, countyId: string, uptoId: number): Promise<Array<{ instance_id: string; seq: number; hash: string }>> {
  const r = await knex.raw(
    `select distinct on (instance_id) instance_id, seq, hash from journal where county_id = ? and id <= ? order by instance_id, seq desc`,
    [countyId, uptoId],
  );
  return r.rows;
}

async function instancesInScope(knex: Knex, scope: VerifyScope): Promise<string[]> {
  if (scope.instanceId) return [scope.instanceId];
  const q = knex('journal').distinct('instance_id').orderBy('instance_id');
  if (scope.county) q.where({ county_id: scope.county });
  if (scope.from) q.where('at', '>=', scope.from);
  if (scope.to) q.where('at', '<', scope.to);
  // Chains whose rows were all deleted still have their head.
  const ids = new Set<string>((await q).map((r: { instance_id: string }) => r.instance_id));
  if (!scope.from && !scope.to) {
    const h = knex('journal_heads').select('instance_id');
    if (scope.county) h.where({ county_id: scope.county });
    for (const r of await h) ids.add(r.instance_id);
  }
  return [...ids].sort();
}
