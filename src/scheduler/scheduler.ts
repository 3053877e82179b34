/**
 * The scheduler runs in every server process. It claims due timer rows and due outbox rows from the
 * database with FOR UPDATE SKIP LOCKED and a lease, so several processes share the work and a process
 * that dies mid-way releases it when the lease ends. Deadlines never depend on setTimeout: the loop only
 * polls; a timer months away is a row like any other.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock/clock';
import type { OutboxRow, TimerRow } from '../database/tables';
import type { Logger, Runner } from '../engine/runner';
import type { Contacts, Transport } from '../notifications/transports';

export interface SchedulerOptions {
  nodeId: string;
  pollIntervalMs: number;
  timerBatchSize: number;
  leaseMs: number;
  outboxMaxAttempts: number;
}

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = true;
  private loop?: Promise<void>;
  private contactResolver?: (row: OutboxRow) => Promise<Contacts | undefined>;
  private readonly hooks: Array<() => Promise<unknown>> = [];

  constructor(
    private readonly knex: Knex,
    private readonly runner: Runner,
    private readonly clock: Clock,
    private readonly transport: Transport,
    private readonly opts: SchedulerOptions,
    private readonly logger: Logger,
  ) {}

  /** Extra periodic work run after timers and outbox on every poll (e.g. the 7-day default ratings). */
  onTick(hook: () => Promise<unknown>): void {
    this.hooks.push(hook);
  }

  /** Resolves recipient tokens such as `evaluator` at delivery (the outbox never holds a phone number). */
  resolveContactsWith(resolver: (row: OutboxRow) => Promise<Contacts | undefined>): void {
    this.contactResolver = resolver;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
  }

  private schedule(delay: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.loop = this.tick().finally(() => this.schedule(this.opts.pollIntervalMs));
    }, delay);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.syncClock();
      await this.fireDueTimers();
      await this.dispatchOutbox();
      for (const hook of this.hooks) await hook();
    } catch (err) {
      if (!this.stopped) this.logger.error(`scheduler: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  /** With a controllable clock, follow the simulated time another process may have set. */
  private async syncClock(): Promise<void> {
    if (!this.clock.isControllable) return;
    const row = await this.knex('settings').where({ key: 'clock' }).first();
    const at = row?.value?.now ? new Date(row.value.now) : undefined;
    if (at && at.getTime() !== this.clock.nowMs()) this.clock.set(at);
  }

  /** Claims a batch of due timers (lease) and fires each in its own step. Returns how many fired. */
  async fireDueTimers(limit = this.opts.timerBatchSize): Promise<number> {
    const now = this.clock.now();
    const wall = new Date();
    const claimed: Pick<TimerRow, 'id' | 'instance_id'>[] = await this.knex('timers')
      .whereIn(
        'id',
        this.knex('timers')
          .select('id')
          .where('due_at', '<=', now)
          .andWhere((q) => q.whereNull('locked_until').orWhere('locked_until', '<', wall))
          .orderBy('due_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .update({ locked_by: this.opts.nodeId, locked_until: new Date(wall.getTime() + this.opts.leaseMs) })
      .returning(['id', 'instance_id']);
    let fired = 0;
    for (const t of claimed) {
      try {
        if (await this.runner.fireTimer(t.id)) fired++;
        await this.knex('timers').where({ id: t.id, locked_by: this.opts.nodeId }).update({ locked_by: null, locked_until: null });
      } catch (err) {
        const attempts = await this.knex('timers').where({ id: t.id }).increment('attempts', 1).returning('attempts');
        const n = Number(attempts[0]?.attempts ?? 1);
        const backoff = Math.min(2 ** n * 1000, 10 * 60_000);
        await this.knex('timers').where({ id: t.id }).update({ locked_by: null, locked_until: new Date(Date.now() + backoff) });
        this.logger.warn(`timer ${t.id} of instance ${t.instance_id} did not fire (attempt ${n}): ${(err as Error).message}`);
      }
    }
    return fired;
  }

  /** Fires every timer that is due now, including timers that become due through the firing itself. */
  async drainDueTimers(maxRounds = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const n = await this.fireDueTimers(500);
      total += n;
      const left = await this.knex('timers').where('due_at', '<=', this.clock.now()).whereNull('locked_until').count<{ count: string | number }[]>('id as count');
      if (!n && !Number(left[0].count)) break;
      if (!n) break;
    }
    return total;
  }

  /** Delivers due outbox rows; failures are retried with exponential backoff, then parked as dead. */
  async dispatchOutbox(limit = 50, wall: Date = new Date()): Promise<number> {
    const claimed: OutboxRow[] = await this.knex('outbox')
      .whereIn(
        'id',
        this.knex('outbox')
          .select('id')
          .where({ status: 'pending' })
          .andWhere('next_attempt_at', '<=', wall)
          .andWhere((q) => q.whereNull('locked_until').orWhere('locked_until', '<', wall))
          .orderBy('next_attempt_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .update({ locked_by: this.opts.nodeId, locked_until: new Date(wall.getTime() + this.opts.leaseMs) })
      .returning('*');
    let delivered = 0;
    for (const row of claimed) {
      try {
        const contacts = this.contactResolver ? await this.contactResolver(row) : undefined;
        await this.transport.deliver(row, contacts);
        await this.knex('outbox').where({ id: row.id }).update({ status: 'delivered', delivered_at: wall, attempts: row.attempts + 1, locked_by: null, locked_until: null, last_error: null });
        delivered++;
      } catch (err) {
        const attempts = row.attempts + 1;
        const dead = attempts >= this.opts.outboxMaxAttempts;
        const backoff = Math.min(1000 * 2 ** (attempts - 1), 15 * 60_000) * (0.8 + Math.random() * 0.4);
        await this.knex('outbox')
          .where({ id: row.id })
          .update({
            status: dead ? 'dead' : 'pending',
            attempts,
            last_error: (err as Error).message.slice(0, 500),
            next_attempt_at: new Date(wall.getTime() + backoff),
            locked_by: null,
            locked_until: null,
          });
        this.logger.warn(`notification ${row.id} (${row.topic}) failed attempt ${attempts}${dead ? ', parked as dead' : ''}: ${(err as Error).message}`);
      }
    }
    return delivered;
  }
}
