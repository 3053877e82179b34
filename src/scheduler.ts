/**
 * The poll loops of a server process: the jobs core.ts gives it (follow the simulated clock, fire due
 * timers, deliver the outbox, apply 7-day defaults, bulletins, catch up with calendar loads, migrations,
 * daily anchors), each in a loop of its own. Jobs share their work with the other server processes
 * through the database (leases, SKIP LOCKED), so the loops hold nothing: a process may die at any point.
 * Deadlines never depend on setTimeout; a timer months away is a row like any other.
 */
import type { Logger } from './log';

export interface Job {
  readonly name: string;
  run(): Promise<unknown>;
}

interface Loop {
  job: Job;
  timer?: NodeJS.Timeout;
  round?: Promise<void>;
  roundStartedAt?: number;
  lastEndAt?: number;
  lastMs?: number;
}

/**
 * Each job runs in a loop of its own: a round, then POLL_INTERVAL_MS, then the next. A long round of one
 * job (a daily anchor over every instance of a county, a bulletin) does not hold the others: due timers
 * keep firing meanwhile (the jobs share the work with other processes through the database, never
 * through this object).
 */
export class Scheduler {
  private readonly loops: Loop[];
  private stopped = true;
  private ticking = false;
  private startedAt?: number;

  constructor(
    jobs: Job[],
    private readonly pollIntervalMs: number,
    private readonly logger: Logger,
  ) {
    this.loops = jobs.map((job) => ({ job }));
  }

  start(): void {
    this.stopped = false;
    this.startedAt = Date.now();
    for (const loop of this.loops) this.schedule(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const loop of this.loops) if (loop.timer) clearTimeout(loop.timer);
    await Promise.all(this.loops.map((l) => l.round));
  }

  /** One round of every job, in order (tests and the clock control call it; the loops go on by themselves). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const loop of this.loops) await this.runJob(loop.job);
    } finally {
      this.ticking = false;
    }
  }

  /**
   * For /health (wall time): whether the loops run, when a round last ended and how long the longest last
   * round took. Not ready when a job's round has been running for `stalledAfterMs` (stuck on the
   * database, or a loop that cannot end).
   */
  status(stalledAfterMs = Math.max(60_000, 20 * this.pollIntervalMs)): { running: boolean; lastTickAt: string | null; lastTickMs: number | null; notReady?: string } {
    const ends = this.loops.map((l) => l.lastEndAt).filter((t): t is number => t !== undefined);
    const lasts = this.loops.map((l) => l.lastMs).filter((t): t is number => t !== undefined);
    const out = {
      running: !this.stopped,
      lastTickAt: ends.length ? new Date(Math.max(...ends)).toISOString() : null,
      lastTickMs: lasts.length ? Math.max(...lasts) : null,
    };
    if (this.stopped) return out;
    const now = Date.now();
    for (const l of this.loops) {
      if (!l.round) continue;
      const since = now - (l.lastEndAt ?? this.startedAt ?? now);
      if (since > stalledAfterMs) return { ...out, notReady: `scheduler: no round ended for ${Math.round(since / 1000)} s (${l.job.name} is still running)` };
    }
    return out;
  }

  private async runJob(job: Job): Promise<void> {
    try {
      await job.run();
    } catch (err) {
      if (!this.stopped) this.logger.error(`scheduler: ${job.name}: ${(err as Error).message}`);
    }
  }

  private schedule(loop: Loop, delay: number) {
    if (this.stopped) return;
    loop.timer = setTimeout(() => {
      loop.roundStartedAt = Date.now();
      loop.round = this.runJob(loop.job).finally(() => {
        loop.lastEndAt = Date.now();
        loop.lastMs = loop.lastEndAt - loop.roundStartedAt!;
        loop.round = undefined;
        this.schedule(loop, this.pollIntervalMs);
      });
    }, delay);
    loop.timer.unref?.();
  }
}
