/**
 * A server process is killed with SIGKILL in the middle of a run of many instances (task completions
 * and timer firings under way). After a restart on the same database every instance finishes and
 * nothing is doubled. This test runs the built server (npm run build) as a child process.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, client, createStore, FIXTURES, TestStore } from '../support/harness';
import { openDatabase } from '../../src/db/database';

const ROOT = path.resolve(__dirname, '..', '..');
const PII_KEY = randomBytes(32).toString('base64'); // the same key across the restart
const N = 80;

function builtAt(): number {
  const main = path.join(ROOT, 'dist', 'src', 'main.js');
  return fs.existsSync(main) ? fs.statSync(main).mtimeMs : 0;
}

function newestSource(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  visit(path.join(ROOT, 'src'));
  visit(path.join(ROOT, 'migrations'));
  return newest;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, rounds = 600): Promise<T> {
  for (let i = 0; i < rounds; i++) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50)); // polling a child process, not waiting on domain time
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('SIGKILL in the middle of a run', () => {
  let store: TestStore;
  let child: ChildProcess | undefined;
  let port: number;

  beforeAll(() => {
    // Build only when the built server is older than the sources: CI builds once before its runs, which
    // go side by side and must not rewrite dist/ under each other's child processes.
    if (builtAt() < newestSource()) {
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
    }
  }, 120_000);

  beforeEach(async () => {
    store = await createStore();
    port = await freePort();
  });
  afterEach(async () => {
    child?.kill('SIGKILL');
    await store.drop();
  });

  async function boot(): Promise<ReturnType<typeof client>> {
    child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        DATA_DIR: store.dataDir,
        DATABASE_URL: store.databaseUrl ?? '',
        PROCESSES_DIR: path.join(FIXTURES, 'processes'),
        TEMPLATES_DIR: path.join(FIXTURES, 'templates'),
        CLOCK_CONTROL: 'true',
        ADMIN_TOKEN,
        PII_KEY,
        POLL_INTERVAL_MS: '20',
        LEASE_MS: '1500',
        TIMER_BATCH_SIZE: '5',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const api = client(`http://127.0.0.1:${port}`, ADMIN_TOKEN);
    // A fresh embedded database on a busy machine can take a minute to come up: wait up to two.
    await waitUntil('the server', async () => ((await api.get('/health')).status === 200 ? true : undefined), 2400);
    return api;
  }

  test('every instance finishes after a restart, with nothing doubled', async () => {
    let api = await boot();
    await api.put('/api/v1/admin/clock', { now: '2026-11-20T10:00:00+08:00' });
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      const r = await api.post('/api/v1/counties/testshire/process-instances', { processKey: 'hostBasic', businessKey: `K-${i}` });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const tasks = new Map<string, string>();
    for (const id of ids) tasks.set(id, (await api.get(`/api/v1/tasks?instanceId=${id}`)).body.items[0].id);

    // Even instances: complete the task. All: let the deadline pass (the scheduler fires it). Whichever
    // comes first for an instance wins; the other is refused.
    const even = ids.filter((_, i) => i % 2 === 0);
    let done = 0;
    const completions = even.map(async (id, i) => {
      await new Promise((r) => setTimeout(r, i * 3));
      const r = await api.post(`/api/v1/tasks/${tasks.get(id)}/complete`, { variables: { verdict: 'genuine' } }).catch(() => ({ status: 0 }));
      // 409: the deadline (the clock moving concurrently) closed the task first; both are answers.
      if (r.status === 200 || r.status === 409) done++;
    });
    let clockMoved = false;
    const clockMove = api
      .put('/api/v1/admin/clock', { now: '2026-11-26T00:00:00+08:00' })
      .then((r) => (clockMoved = r.status === 200))
      .catch(() => undefined);
    await waitUntil('some completions', async () => (done >= even.length / 4 ? true : undefined));
    child!.kill('SIGKILL');
    await Promise.all([...completions, clockMove]);
    expect(done).toBeLessThan(even.length);

    api = await boot();
    // Clients retry what did not answer; a task already completed answers 409.
    for (const id of even) {
      const r = await api.post(`/api/v1/tasks/${tasks.get(id)}/complete`, { variables: { verdict: 'genuine' } });
      expect([200, 409]).toContain(r.status);
    }
    // A clock move that did not answer is sent again; one that did survived the crash.
    if (!clockMoved) await api.put('/api/v1/admin/clock', { now: '2026-11-26T00:00:00+08:00' });
    expect(new Date((await api.get('/api/v1/admin/clock')).body.now).toISOString()).toBe('2026-11-25T16:00:00.000Z');
    // The scheduler fires the remaining timers by itself.
    await waitUntil('every instance completed', async () => {
      const r = await api.get('/api/v1/process-instances?status=running&county=testshire');
      return r.body.total === 0 ? true : undefined;
    }).catch(async (err) => {
      const r = await api.get('/api/v1/process-instances?status=running&county=testshire&limit=3');
      for (const i of r.body.items) console.log(JSON.stringify(i), JSON.stringify((await api.get(`/api/v1/tasks?instanceId=${i.id}&status=open`)).body), JSON.stringify((await api.get(`/api/v1/process-instances/${i.id}/history`)).body.events.map((e: { type: string }) => e.type)));
      throw err;
    });
    child!.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = undefined;

    const db = await openDatabase({ databaseUrl: store.databaseUrl, dataDir: store.dataDir });
    try {
      const k = db.knex;
      const count = async (q: ReturnType<typeof k>) => Number((await q.count<{ c: string }[]>('* as c'))[0].c);
      expect(await count(k('process_instances').where({ status: 'completed' }).whereIn('id', ids))).toBe(N);
      expect(await count(k('tasks').whereIn('instance_id', ids))).toBe(N);
      expect(await count(k('timers').whereIn('instance_id', ids))).toBe(0);
      for (const id of ids) {
        const j = await k('journal').where({ instance_id: id }).select('type', 'element_id');
        const n = (type: string, el?: string) => j.filter((e) => e.type === type && (!el || e.element_id === el)).length;
        expect(n('instance.started')).toBe(1);
        expect(n('instance.completed')).toBe(1);
        if (n('task.completed') + n('timer.fired') !== 1) console.log(JSON.stringify(await k('journal').where({ instance_id: id }).orderBy('id').select('type', 'element_id', 'revision', 'actor')));
        expect(n('task.completed') + n('timer.fired')).toBe(1);
        expect(n('activity.end', 'done') + n('activity.end', 'escalated')).toBe(1);
      }
      const outbox = await k('outbox').whereIn('instance_id', ids).select('instance_id', 'topic');
      expect(outbox).toHaveLength(N);
      expect(new Set(outbox.map((o) => o.instance_id)).size).toBe(N);
    } finally {
      await db.close();
    }
  }, 420_000);
});
