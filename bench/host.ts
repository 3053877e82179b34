/**
 * Durable task completions per second over HTTP against real PostgreSQL, beside bpmn-engine's
 * in-memory signal rate for the same diagram, measured in the same run.
 *
 *   npm run build && node dist/bench/host.js            (BENCH_INSTANCES=500 BENCH_CONCURRENCY=32)
 *
 * The server runs as a child process (dist/src/main.js) on a scratch database that is dropped after;
 * this process is the load generator. DATABASE_URL picks the PostgreSQL server (default local).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EventEmitter } from 'node:events';
import { Engine } from 'bpmn-engine';
import { BpmnModdle } from 'bpmn-moddle';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json';
import { recordingTimers } from '../src/engine/elements';
import { ROOT, fmt, load, percentile, postgresCpuMs, processCpuMs, scratchDatabase, startServer } from './common';

const N = Number(process.env.BENCH_INSTANCES ?? 500);
const C = Number(process.env.BENCH_CONCURRENCY ?? 32);
const TOKEN = 'bench-admin-token';
const FIX = path.join(ROOT, 'bench', 'fixtures');
const XML = fs.readFileSync(path.join(FIX, 'processes', 'benchshire', 'complete.bpmn'), 'utf8');

/** The same diagram in memory: execute N engines, then signal each user task (2 per instance). */
async function inMemory(n: number): Promise<{ signalsPerSec: number; msPerSignal: number }> {
  const moddleContext = await new BpmnModdle({ camunda }).fromXML(XML);
  const engines: Array<{ engine: Engine; waiting: Map<string, { signal(m?: unknown): void }> }> = [];
  for (let i = 0; i < n; i++) {
    const waiting = new Map();
    const listener = new EventEmitter();
    listener.on('activity.wait', (api) => waiting.set(api.id, api));
    const engine = new Engine({
      name: `m${i}`,
      moddleContext,
      timers: recordingTimers(),
      services: { notify: (_m: unknown, cb: (e: unknown) => void) => cb(null) },
    } as never);
    await engine.execute({ listener });
    engines.push({ engine, waiting });
  }
  const t0 = performance.now();
  for (const e of engines) e.waiting.get('verify')!.signal({ form: { ok: true } });
  for (const e of engines) e.waiting.get('rectify')!.signal({ form: { ok: true } });
  const ms = performance.now() - t0;
  return { signalsPerSec: (2 * n) / (ms / 1000), msPerSignal: ms / (2 * n) };
}

async function main() {
  console.log(`host benchmark: ${N} instances × 2 user tasks, ${C} concurrent HTTP clients, ${os.cpus().length} cores`);
  const mem = await inMemory(N);
  const db = await scratchDatabase();
  const server = await startServer({
    DATABASE_URL: db.url,
    ADMIN_TOKEN: TOKEN,
    PROCESSES_DIR: path.join(FIX, 'processes'),
    TEMPLATES_DIR: path.join(FIX, 'templates'),
  });
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const post = async (p: string, body: unknown) => {
    const r = await fetch(server.url + p, { method: 'POST', headers, body: JSON.stringify(body) });
    const j = (await r.json()) as { id: string };
    if (!r.ok) throw new Error(`${p}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  const pid = server.child.pid!;
  const cpu = () => ({ server: processCpuMs(pid), pg: postgresCpuMs() });
  const perOp = (a: { server: number; pg: number }, b: { server: number; pg: number }, n: number) => ({ server: (b.server - a.server) / n, pg: (b.pg - a.pg) / n });
  try {
    const ids: string[] = [];
    const c0 = cpu();
    const started = await load(N, C, async (i) => {
      ids[i] = (await post('/api/v1/counties/benchshire/process-instances', { processKey: 'benchComplete', businessKey: `B-${i}` })).id;
    });
    const taskOf = async (id: string) => {
      const r = await fetch(`${server.url}/api/v1/tasks?instanceId=${id}`, { headers });
      return ((await r.json()) as { items: Array<{ id: string }> }).items[0].id;
    };
    const c1 = cpu();
    const first = await Promise.all(ids.map(taskOf));
    const c2 = cpu();
    const round1 = await load(N, C, async (i) => void (await post(`/api/v1/tasks/${first[i]}/complete`, { variables: { ok: true } })));
    const c3 = cpu();
    const second = await Promise.all(ids.map(taskOf));
    const c4 = cpu();
    const round2 = await load(N, C, async (i) => void (await post(`/api/v1/tasks/${second[i]}/complete`, { variables: { ok: true } })));
    const c5 = cpu();
    const startCpu = perOp(c0, c1, N);
    const completeCpu = perOp({ server: c2.server + c4.server - c3.server, pg: c2.pg + c4.pg - c3.pg }, c5, 2 * N);
    const ms = round1.ms + round2.ms;
    const lat = [...round1.latencies, ...round2.latencies];
    const durable = (2 * N) / (ms / 1000);
    console.log('');
    console.log('                                        rate/s   p50 ms   p99 ms   server CPU ms/op   PostgreSQL CPU ms/op (machine-wide)');
    console.log(`in-memory bpmn-engine signal          ${fmt(mem.signalsPerSec)} ${fmt(mem.msPerSignal, 2)}        -   ${fmt(mem.msPerSignal, 2)} (in process)`);
    console.log(`durable start over HTTP (PostgreSQL)  ${fmt(N / (started.ms / 1000))} ${fmt(percentile(started.latencies, 50), 1)} ${fmt(percentile(started.latencies, 99), 1)}   ${fmt(startCpu.server, 2)}           ${fmt(startCpu.pg, 2)}`);
    console.log(`durable completion over HTTP (PG)     ${fmt(durable)} ${fmt(percentile(lat, 50), 1)} ${fmt(percentile(lat, 99), 1)}   ${fmt(completeCpu.server, 2)}           ${fmt(completeCpu.pg, 2)}`);
    console.log(`durable / in-memory                   ${fmt((100 * durable) / mem.signalsPerSec, 1)} %`);
    console.log('goal: ≥ 300 completions/s on 2 cores and ≥ 75 % of the in-memory rate');
  } finally {
    await server.stop();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
