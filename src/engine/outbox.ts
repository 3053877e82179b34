/**
 * The outbox table: its only writer. A step writes its notifications here in its own transaction
 * (src/engine/commit.ts); the dispatcher (src/notifications/dispatch.ts) claims due rows with a lease,
 * delivers them and marks them, at least once; the idempotency key lets a receiver drop a repeat.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { OutboxRow } from '../db/tables';
import type { OutboxMessage } from './services';

type Db = Knex | Knex.Transaction;

export async function insertOutbox(trx: Db, instance: { id: string; countyId: string }, messages: Array<OutboxMessage & { idempotencyKey: string }>, at: Date): Promise<void> {
  await insertOutboxOf(trx, messages.map((message) => ({ instanceId: instance.id, countyId: instance.countyId, message })), at);
}

/** Messages of several instances in one statement (a batch of timer firings); a repeated idempotency key is dropped. */
export async function insertOutboxOf(trx: Db, items: Array<{ instanceId: string; countyId: string; message: OutboxMessage & { idempotencyKey: string } }>, at: Date): Promise<void> {
  if (!items.length) return;
  const rows = items.map(({ instanceId, countyId, message: m }) => ({
    id: randomUUID(),
    idempotency_key: m.idempotencyKey,
    instance_id: instanceId,
    county_id: countyId,
    topic: m.topic,
    recipients: JSON.stringify(m.recipients),
    body: m.body,
    payload: JSON.stringify(m.payload ?? {}),
    status: 'pending',
    attempts: 0,
    next_attempt_at: new Date(),
    created_at: at,
  }));
  for (let i = 0; i < rows.length; i += 2000) await trx('outbox').insert(rows.slice(i, i + 2000)).onConflict('idempotency_key').ignore();
}

/** Claims up to `limit` rows due for delivery (wall time) under a lease of `leaseMs`. */
export async function claimDue(db: Knex, nodeId: string, limit: number, wall: Date, leaseMs: number): Promise<OutboxRow[]> {
  return db('outbox')
    .whereIn(
      'id',
      db('outbox')
        .select('id')
        .where({ status: 'pending' })
        .andWhere('next_attempt_at', '<=', wall)
        .andWhere((q) => q.whereNull('locked_until').orWhere('locked_until', '<', wall))
        .orderBy('next_attempt_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .update({ locked_by: nodeId, locked_until: new Date(wall.getTime() + leaseMs) })
    .returning('*');
}

export async function markDelivered(db: Db, row: OutboxRow, wall: Date): Promise<void> {
  await db('outbox').where({ id: row.id }).update({ status: 'delivered', delivered_at: wall, attempts: row.attempts + 1, locked_by: null, locked_until: null, last_error: null });
}

export async function markFailed(db: Db, row: OutboxRow, r: { attempts: number; dead: boolean; error: string; nextAttemptAt: Date }): Promise<void> {
  await db('outbox')
    .where({ id: row.id })
    .update({ status: r.dead ? 'dead' : 'pending', attempts: r.attempts, last_error: r.error.slice(0, 500), next_attempt_at: r.nextAttemptAt, locked_by: null, locked_until: null });
}

export interface OutboxFilter {
  counties: string[] | '*';
  status?: string;
  instanceId?: string;
  businessKey?: string;
  limit: number;
  offset: number;
}

/**
 * Notifications for administrators: newest first, without bodies (they may quote a citizen), each with
 * the instance and business key (for a bad review: the case id) it belongs to.
 */
export async function listOutbox(db: Db, f: OutboxFilter) {
  const q = db('outbox as o').leftJoin('process_instances as i', 'i.id', 'o.instance_id');
  if (f.counties !== '*') q.whereIn('o.county_id', f.counties);
  if (f.status) q.where('o.status', f.status);
  if (f.instanceId) q.where('o.instance_id', f.instanceId);
  if (f.businessKey) q.where('i.business_key', f.businessKey);
  return q
    .orderBy([{ column: 'o.created_at', order: 'desc' }, { column: 'o.id' }])
    .limit(f.limit)
    .offset(f.offset)
    .select(
      'o.id',
      'o.county_id as county',
      'o.instance_id as instanceId',
      'i.business_key as businessKey',
      'o.topic',
      'o.recipients',
      'o.status',
      'o.attempts',
      'o.last_error as lastError',
      'o.created_at as createdAt',
      'o.delivered_at as deliveredAt',
    );
}

/** For /metrics: notifications waiting for delivery and parked as dead (counted up to `cap` each). */
export async function outboxStats(db: Db, cap = 100_000): Promise<{ pending: number; dead: number }> {
  const count = async (status: string) => {
    const r = await db.raw(`select count(*)::int as n from (select 1 from outbox where status = ? limit ?) o`, [status, cap]);
    return Number((r.rows ?? r)[0]?.n ?? 0);
  };
  const [pending, dead] = await Promise.all([count('pending'), count('dead')]);
  return { pending, dead };
}
