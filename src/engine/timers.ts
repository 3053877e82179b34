/**
 * The timers table: its only writer, and the scheduler job that fires due timers.
 *
 * Every timer an instance waits on is a row with its due instant (the engine never calls setTimeout).
 * Every server process claims due rows with FOR UPDATE SKIP LOCKED and a lease (wall time), so several
 * processes share the work and a process that dies mid-way releases it when the lease ends. A timer
 * months away is a row like any other.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { TimerRow } from '../db/tables';
import type { Logger } from '../log';
import type { NewTimer } from './drive';

type Db = Knex | Knex.Transaction;

export type TimerSnapshot = Pick<TimerRow, 'id' | 'execution_id' | 'due_at' | 'element_id' | 'fired_at'>;

/** A due timer row claimed by a scheduler. */
export type ClaimedTimer = Pick<TimerRow, 'id' | 'instance_id' | 'element_id' | 'due_at'>;

export async function timersOf(trx: Db, instanceId: string): Promise<TimerSnapshot[]> {
  return trx<TimerRow>('timers').where({ instance_id: instanceId }).select('id', 'execution_id', 'due_at', 'element_id', 'fired_at').orderBy('id');
}

/** Marks rows fired in a batch (src/engine/timer-batch.ts): the claim passes them by; the next step of the instance deletes them. */
export async function markFired(trx: Db, ids: string[], at: Date): Promise<void> {
  if (ids.length) await trx('timers').whereIn('id', ids).whereNull('fired_at').update({ fired_at: at, locked_by: null, locked_until: null });
}

/** The unfired timer rows of some instances (a batch firing decides in due order). */
export async function unfiredTimersOf(trx: Db, instanceIds: string[]): Promise<Array<Pick<TimerRow, 'id' | 'instance_id' | 'element_id' | 'due_at'>>> {
  if (!instanceIds.length) return [];
  return trx<TimerRow>('timers').whereIn('instance_id', instanceIds).whereNull('fired_at').select('id', 'instance_id', 'element_id', 'due_at').orderBy([{ column: 'due_at' }, { column: 'id' }]);
}

export async function findTimer(db: Db, id: string): Promise<TimerRow | undefined> {
  return db<TimerRow>('timers').where({ id }).first();
}

export async function insertTimers(trx: Db, timers: NewTimer[]): Promise<void> {
  if (!timers.length) return;
  await trx('timers').insert(timers).onConflict(['instance_id', 'execution_id']).ignore();
}

export async function deleteTimers(trx: Db, ids: string[]): Promise<void> {
  if (ids.length) await trx('timers').whereIn('id', ids).delete();
}

/**
 * New due instants after a calendar correction, one statement per batch; a row whose due instant changed
 * meanwhile (old_due differs) is skipped. Answers the ids written.
 */
export async function moveDueInstants(trx: Knex.Transaction, batch: Array<{ id: string; old: Date; new: Date; provisional: boolean }>): Promise<Set<string>> {
  if (!batch.length) return new Set();
  const values = batch.map(() => '(?::uuid, ?::timestamptz, ?::timestamptz, ?::boolean)').join(', ');
  const res = await trx.raw(
    `update timers as t set due_at = v.due_at, provisional = v.provisional
     from (values ${values}) as v(id, old_due, due_at, provisional)
     where t.id = v.id and t.due_at = v.old_due and t.fired_at is null
     returning t.id`,
    batch.flatMap((c) => [c.id, c.old.toISOString(), c.new.toISOString(), c.provisional]),
  );
  return new Set((res.rows ?? res).map((r: { id: string }) => r.id));
}

export interface TimerJobOptions {
  nodeId: string;
  batchSize: number;
  leaseMs: number;
}

/** What fires timers: each in its own step, or (optional) the notify-only ones of a claim in one batch. */
export interface TimerFiring {
  fire(timerId: string): Promise<boolean>;
  fireBatch?(claimed: ClaimedTimer[]): Promise<{ fired: number; left: ClaimedTimer[] }>;
}

/**
 * Claims due timers; the ones that only notify fire together in one transaction (src/engine/timer-batch.ts),
 * every other in its own step (the runner).
 */
export class TimerJob {
  readonly name = 'timers';

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly firing: TimerFiring,
    private readonly opts: TimerJobOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * One round of the scheduler: claims and fires while the claims come back full (a backlog after a
   * restart drains at the rate of the batches, not one batch per poll), for at most `roundMs`, so that
   * the other jobs of the loop get their turn.
   */
  async run(roundMs = 1000): Promise<number> {
    const until = Date.now() + roundMs;
    let total = 0;
    for (;;) {
      const { claimed, fired } = await this.round(this.opts.batchSize);
      total += fired;
      if (claimed < this.opts.batchSize || Date.now() >= until) return total;
    }
  }

  /** Claims due timers (lease) and fires them: in a batch where they only notify, else each in its own step. Returns how many fired. */
  async fireDue(limit = this.opts.batchSize): Promise<number> {
    return (await this.round(limit)).fired;
  }

  private async round(limit: number): Promise<{ claimed: number; fired: number }> {
    const now = this.clock.now();
    const wall = new Date();
    const claimed: ClaimedTimer[] = await this.knex('timers')
      .whereIn(
        'id',
        this.knex('timers')
          .select('id')
          .where('due_at', '<=', now)
          .whereNull('fired_at')
          .andWhere((q) => q.whereNull('locked_until').orWhere('locked_until', '<', wall))
          // An instance stopped by an incident waits for an administrator, its timers with it.
          .whereNotExists((q) => q.select(this.knex.raw('1')).from('process_instances as i').whereRaw('i.id = timers.instance_id').whereNotNull('i.incident_at'))
          .orderBy('due_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .update({ locked_by: this.opts.nodeId, locked_until: new Date(wall.getTime() + this.opts.leaseMs) })
      .returning(['id', 'instance_id', 'element_id', 'due_at']);
    let fired = 0;
    let left = claimed;
    if (this.firing.fireBatch && claimed.length) {
      try {
        const batch = await this.firing.fireBatch(claimed);
        fired += batch.fired;
        left = batch.left;
      } catch (err) {
        // Nothing of the batch was written: each timer fires in its own step instead.
        this.logger.warn(`a batch of ${claimed.length} timers did not fire together (each fires in its own step): ${(err as Error).message}`);
      }
    }
    for (const t of left) {
      try {
        // A fired row is gone (the step deleted it): only a row that did not fire has a lease to release.
        if (await this.firing.fire(t.id)) fired++;
        else await this.knex('timers').where({ id: t.id, locked_by: this.opts.nodeId }).update({ locked_by: null, locked_until: null });
      } catch (err) {
        const attempts = await this.knex('timers').where({ id: t.id }).increment('attempts', 1).returning('attempts');
        const n = Number(attempts[0]?.attempts ?? 1);
        const backoff = Math.min(2 ** n * 1000, 10 * 60_000);
        await this.knex('timers').where({ id: t.id }).update({ locked_by: null, locked_until: new Date(Date.now() + backoff) });
        this.logger.warn(`timer ${t.id} of instance ${t.instance_id} did not fire (attempt ${n}): ${(err as Error).message}`);
      }
    }
    return { claimed: claimed.length, fired };
  }

  /** Fires every timer that is due now, including timers that become due through the firing itself. */
  async drain(maxRounds = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const n = await this.fireDue(500);
      total += n;
      if (!n) break;
    }
    return total;
  }
}

/**
 * For /metrics: how many timers are due and not fired (counted up to `cap`, so a backlog of a million
 * does not make the scrape scan it), and how far the oldest lags behind its due instant.
 */
export async function dueTimerStats(db: Db, now: Date, cap = 100_000): Promise<{ due: number; capped: boolean; lagSeconds: number }> {
  const [count, oldest] = await Promise.all([
    db.raw(`select count(*)::int as n from (select 1 from timers where due_at <= ? and fired_at is null limit ?) d`, [now, cap + 1]),
    db('timers').where('due_at', '<=', now).whereNull('fired_at').min({ at: 'due_at' }).first(),
  ]);
  const n = Number((count.rows ?? count)[0]?.n ?? 0);
  const at = oldest?.at ? new Date(oldest.at).getTime() : undefined;
  return { due: Math.min(n, cap), capped: n > cap, lagSeconds: at === undefined ? 0 : Math.max(0, (now.getTime() - at) / 1000) };
}
