/** Shared helpers of the benchmarks: a scratch PostgreSQL database, the built server as a child process, a load loop. */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';

/** A throw-away key for the evaluator data a benchmark writes. */
export const BENCH_PII_KEY = randomBytes(32).toString('base64');
import * as net from 'node:net';
import * as path from 'node:path';
import knexFactory from 'knex';
import type { TimerJob } from '../src/engine/timers';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hcp_bench_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: BASE_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  await admin.destroy();
  const u = new URL(BASE_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const a = knexFactory({ client: 'pg', connection: BASE_URL, pool: { min: 0, max: 1 } });
      await a.raw(`drop database if exists ${name} with (force)`);
      await a.destroy();
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The node flags of `npm start` (package.json), so a benchmark measures the server as it is run. */
function startFlags(): string[] {
  const start: string = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const words = start.split(/\s+/);
  return words.slice(1).filter((w) => w.startsWith('--'));
}

/**
 * The built server as a child process on a free port, with the node flags of `npm start`.
 * BENCH_SERVER_NODE_ARGS adds flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" for a CPU profile of
 * the server written when it stops (a later flag wins over the same one of `npm start`).
 */
export async function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const nodeArgs = [...startFlags(), ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'dist', 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', PII_KEY: BENCH_PII_KEY, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 2400; i++) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc: a figure that other load on a
 * shared machine does not inflate the way it inflates wall time.
 */
export function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** CPU time (ms) used so far by every PostgreSQL process of this machine (other users of it included). */
export function postgresCpuMs(): number {
  let total = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'postgres') continue;
      total += processCpuMs(Number(d));
    } catch {
      /* the process ended meanwhile */
    }
  }
  return total;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Runs `work(i)` for i in [0, n) with `concurrency` workers; returns elapsed ms and latencies. */
export async function load(n: number, concurrency: number, work: (i: number) => Promise<void>): Promise<{ ms: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const s = performance.now();
        await work(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  return { ms: performance.now() - t0, latencies };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

export function fmt(n: number, digits = 0): string {
  return n.toFixed(digits).padStart(8);
}

/** A whole number ≥ 1 from the environment (a benchmark's size), or the default. */
export function intEnv(name: string, dflt: number): number {
  const raw = process.env[name];
  if (!raw) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, got "${raw}"`);
  return n;
}

/**
 * Fires due timers with these schedulers side by side until `target` fired or nothing is due: the count,
 * the seconds, the rate, and CPU per firing of this process and of PostgreSQL.
 */
export async function fireTimers(jobs: TimerJob[], target: number): Promise<{ fired: number; secs: number; rate: number; cpuMs: number; pgMs: number }> {
  let fired = 0;
  const cpu0 = processCpuMs(process.pid);
  const pg0 = postgresCpuMs();
  const t0 = performance.now();
  await Promise.all(
    jobs.map(async (job) => {
      while (fired < target) {
        const n = await job.fireDue();
        if (!n) break;
        fired += n;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { fired, secs, rate: fired / secs, cpuMs: (processCpuMs(process.pid) - cpu0) / Math.max(1, fired), pgMs: (postgresCpuMs() - pg0) / Math.max(1, fired) };
}
