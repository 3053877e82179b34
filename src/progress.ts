/**
 * Progress of long jobs (a calendar recompute over every pending deadline, a bulk import): a log line
 * when a job begins, every tenth of the way or every 5 s, and when it ends, each with done/total; and the
 * running (and last ended) jobs for /health (`jobs`). Wall time measures the job itself, not the clock
 * deadlines are counted with.
 */
import type { Logger } from './log';

export interface JobProgress {
  job: string;
  done: number;
  total: number;
  startedAt: string;
  endedAt?: string;
  /** Wall milliseconds so far. */
  ms: number;
}

export interface ProgressHandle {
  /** `n` more of the total are done. */
  advance(n: number): void;
  end(): void;
}

export class Progress {
  private readonly running = new Map<number, JobProgress & { t0: number; lastLog: number; lastTenth: number }>();
  private readonly ended: JobProgress[] = [];
  private seq = 0;

  constructor(
    private readonly logger: Logger,
    private readonly wall: () => number = Date.now,
  ) {}

  begin(job: string, total: number): ProgressHandle {
    const id = ++this.seq;
    const t0 = this.wall();
    const p = { job, done: 0, total, startedAt: new Date(t0).toISOString(), ms: 0, t0, lastLog: t0, lastTenth: 0 };
    this.running.set(id, p);
    this.logger.log(`${job}: started`, { job, done: 0, total });
    return {
      advance: (n: number) => {
        p.done += n;
        const now = this.wall();
        p.ms = now - t0;
        const tenth = total > 0 ? Math.floor((p.done * 10) / total) : 0;
        if (tenth > p.lastTenth || now - p.lastLog >= 5000) {
          p.lastTenth = tenth;
          p.lastLog = now;
          this.logger.log(`${job}: ${p.done}/${total}`, { job, done: p.done, total, ms: p.ms });
        }
      },
      end: () => {
        if (!this.running.delete(id)) return;
        const now = this.wall();
        const out: JobProgress = { job, done: p.done, total, startedAt: p.startedAt, endedAt: new Date(now).toISOString(), ms: now - t0 };
        this.ended.unshift(out);
        this.ended.length = Math.min(this.ended.length, 5);
        this.logger.log(`${job}: ended ${p.done}/${total}`, { job, done: p.done, total, ms: out.ms });
      },
    };
  }

  /** Running jobs first, then the last five ended. */
  list(): { running: JobProgress[]; ended: JobProgress[] } {
    return { running: [...this.running.values()].map(({ job, done, total, startedAt, ms }) => ({ job, done, total, startedAt, ms })), ended: [...this.ended] };
  }
}

/** A handle that reports nowhere (callers without a Progress). */
export const noProgress: ProgressHandle = { advance: () => undefined, end: () => undefined };

/** Runs a job with its handle and ends the handle whatever happens (a failed job does not stay running). */
export async function withProgress<T>(job: ProgressHandle, fn: (job: ProgressHandle) => Promise<T>): Promise<T> {
  try {
    return await fn(job);
  } finally {
    job.end();
  }
}
