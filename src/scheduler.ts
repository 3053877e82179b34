/**
 * The one poll loop of a server process. Every POLL_INTERVAL_MS it runs the jobs it was given, in order
 * (core.ts decides which: follow the simulated clock, fire due timers, deliver the outbox, apply 7-day
 * defaults, catch up with calendar loads). Jobs share their work with the other server processes through
 * the database (leases, SKIP LOCKED), so the loop itself holds nothing: a process may die at any point.
 * Deadlines never depend on setTimeout; a timer months away is a row like any other.
 */
import type { Logger } from './log';

export interface Job {
  readonly name: string;
  run(): Promise<unknown>;
}

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = true;
  private loop?: Promise<void>;
  private startedAt?: number;
  private lastTickAt?: number;
  private lastTickMs?: number;
  private tickStartedAt?: number;

  constructor(
    private readonly jobs: Job[],
    private readonly pollIntervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.startedAt = Date.now();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
  }

  /** One round of every job (the loop calls it; tests and the clock control may too). */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.tickStartedAt = Date.now();
    try {
      for (const job of this.jobs) {
        if (this.stopped && this.timer) return;
        try {
          await job.run();
        } catch (err) {
          if (!this.stopped) this.logger.error(`scheduler: ${job.name}: ${(err as Error).message}`);
        }
      }
    } finally {
      this.running = false;
      this.lastTickAt = Date.now();
      this.lastTickMs = this.lastTickAt - this.tickStartedAt!;
    }
  }

  /**
   * For /health (wall time): whether the loop runs, when its last round ended and how long it took.
   * Not ready when the loop was started but no round has ended for `stalledAfterMs` (a round stuck on
   * the database, or a loop that died).
   */
  status(stalledAfterMs = Math.max(60_000, 20 * this.pollIntervalMs)): { running: boolean; lastTickAt: string | null; lastTickMs: number | null; notReady?: string } {
    const out = {
      running: !this.stopped,
      lastTickAt: this.lastTickAt ? new Date(this.lastTickAt).toISOString() : null,
      lastTickMs: this.lastTickMs ?? null,
    };
    if (this.stopped) return out;
    const since = Date.now() - (this.lastTickAt ?? this.startedAt ?? Date.now());
    if (since > stalledAfterMs) return { ...out, notReady: `scheduler: no round ended for ${Math.round(since / 1000)} s` };
    return out;
  }

  private schedule(delay: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.loop = this.tick().finally(() => this.schedule(this.pollIntervalMs));
    }, delay);
    this.timer.unref?.();
  }
}
