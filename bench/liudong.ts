/**
 * The real diagram: 柳东新区 `systemPushed` (附件4; every user task with a reminder and a 督办 boundary
 * timer and their notify tasks). Two figures, each beside the same diagram driven in memory in the same
 * run (the project's drive(): bpmn-engine with the host's services, deadlines and listeners, no SQL —
 * what replay runs), with CPU per operation:
 *
 *  - a bad rating → its case at its first task (POST /evaluations, one transaction: rating, case, start);
 *  - completions of the first task (回访核实 callbackVerify) over HTTP.
 *
 * Server CPU from /proc of the server process; PostgreSQL CPU from /proc of the backends connected to the
 * scratch database (not machine-wide: other users of the server are not counted). Server RSS at the end.
 *
 *   npm run build && node dist/bench/liudong.js      (BENCH_CASES=300 BENCH_CONCURRENCY=16; ENGINE_CACHE_SIZE, ENGINE_CACHE_MB pass through)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import knexFactory from 'knex';
import { EngineSlot, StepInput, drive } from '../src/engine/drive';
import { fmt, load, percentile, processCpuMs, scratchDatabase, startServer } from './common';
import { eachTimed, inMemoryDiagram } from './in-memory';

const N = Number(process.env.BENCH_CASES ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TOKEN = 'bench-admin-token-liudong';
const VERIFY = { genuine: true, reason: '窗口人员未一次性告知所需材料', realDemand: '希望当天办结', evidence: '大厅视频 09:10–09:40' };

/** The same diagram in memory: start N instances (to the first wait), then complete the first task of each, half on kept engines, half rebuilt. */
async function inMemory(n: number) {
  const { definition, deps } = await inMemoryDiagram('liudong', 'systemPushed.bpmn');
  const now = new Date();
  const base = (i: number): StepInput => ({ instanceId: `m-${i}`, countyId: 'liudong', businessKey: `m-${i}`, revision: 0, state: null, definition, actor: 'bench', now, openTasks: [], timerRows: [] });
  const started: Array<{ slot: EngineSlot; input: StepInput; task: { id: string; execution_id: string; element_id: string } }> = [];
  const starts = await eachTimed(
    Array.from({ length: n }, (_, i) => i),
    async (i) => {
      const { result, slot } = await drive(base(i), { kind: 'start', variables: { caseId: `m-${i}`, receivedAt: now.toISOString(), kind: 'system-pushed', unitId: 'ld-scjg', unitName: '市场监督管理局', serviceName: '企业设立登记', serviceCode: '450200-QY-001', staffName: '王小明', level: 2, levelName: '不满意', options: ['attitude-3'], comment: null, channel: '4' } }, deps);
      const t = result.tasks.insert[0];
      started.push({ slot, input: { ...base(i), revision: 1, state: result.state, openTasks: [{ id: t.id, execution_id: t.execution_id, element_id: t.element_id }], timerRows: result.timers.insert.map((x) => ({ id: x.id, execution_id: x.execution_id, due_at: x.due_at, element_id: x.element_id })) }, task: { id: t.id, execution_id: t.execution_id, element_id: t.element_id } });
    },
  );
  // Half the completions on the kept engines, half on engines rebuilt from the stored state (the durable
  // path's cache miss: what most completions of the benchmark are, see its cache line).
  const completeAll = (part: typeof started, kept: boolean) =>
    eachTimed(part, (s) => drive(s.input, { kind: 'complete', taskId: s.task.id, executionId: s.task.execution_id, elementId: s.task.element_id, input: VERIFY, sealedInput: null }, deps, kept ? s.slot : undefined));
  const half = Math.ceil(n / 2);
  // The engine rebuilt from the stored state and nothing else (a fire action for no timer): what a start
  // from a per-version snapshot of the first wait would cost at least.
  const copies = started.slice(half).map((s) => ({ ...s.input, state: structuredClone(s.input.state) }));
  const rebuildOnly = await eachTimed(copies, (input) => drive(input, { kind: 'fire', timerId: 'none' }, deps));
  const kept = await completeAll(started.slice(0, half), true);
  const rebuilt = await completeAll(started.slice(half), false);
  return { starts, kept, rebuilt, rebuildOnly, firstTask: started[0]?.task.element_id };
}

/** Resident memory of a process now (VmRSS) or its peak so far (VmHWM), in MB. */
function rssMb(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const m = new RegExp(`${which}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function main() {
  console.log(`柳东 systemPushed benchmark: ${N} cases, ${C} concurrent HTTP clients, ${os.cpus().length} cores, ENGINE_CACHE_SIZE=${process.env.ENGINE_CACHE_SIZE ?? 'default'} ENGINE_CACHE_MB=${process.env.ENGINE_CACHE_MB ?? 'default'}`);
  const mem = await inMemory(Math.min(N, 200));
  const db = await scratchDatabase();
  const dbName = new URL(db.url).pathname.slice(1);
  const server = await startServer({ DATABASE_URL: db.url, ADMIN_TOKEN: TOKEN, SCHEDULER: 'false', NOTIFY_TRANSPORT: 'log' });
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await fetch(server.url + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const j = (await r.json()) as Record<string, unknown>;
    if (!r.ok) throw new Error(`${p}: ${r.status} ${JSON.stringify(j).slice(0, 300)}`);
    return j;
  };
  const pgAdmin = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
  const pgCpu = async () => {
    const pids: Array<{ pid: number }> = (await pgAdmin.raw('select pid from pg_stat_activity where datname = ? and pid <> pg_backend_pid()', [dbName])).rows;
    let ms = 0;
    for (const { pid } of pids) {
      try {
        ms += processCpuMs(pid);
      } catch {
        /* ended */
      }
    }
    return ms;
  };
  const pid = server.child.pid!;
  const cpu = async () => ({ server: processCpuMs(pid), pg: await pgCpu() });
  try {
    const day = new Date(Date.now() - 3 * 3600_000);
    const at = (mins: number) => new Date(day.getTime() + mins * 60_000).toISOString();
    // The register first (not timed): one 办件 per rating.
    for (let i = 0; i < N; i += 200) {
      const batch = Array.from({ length: Math.min(200, N - i) }, (_, k) => ({
        caseNo: `LD-B-${i + k}`, serviceCode: '450200-QY-001', serviceName: '企业设立登记', unitId: 'ld-scjg', window: '3号窗口', staffName: '王小明', mode: 'on-site', acceptedAt: at(0), completedAt: at(30),
      }));
      for (const b of batch) await call('POST', '/api/v1/counties/liudong/service-cases', b);
    }
    const caseIds: string[] = [];
    const c0 = await cpu();
    const rated = await load(N, C, async (i) => {
      const r = await call('POST', '/api/v1/counties/liudong/evaluations', { senderId: `bench:${i}`, caseNo: `LD-B-${i}`, level: '不满意', channel: '4', options: ['attitude-3'], ratedAt: at(60) });
      caseIds[i] = r.caseId as string;
    });
    const c1 = await cpu();
    const tasks = await Promise.all(caseIds.map(async (id) => ((await call('GET', `/api/v1/tasks?businessKey=${id}`)).items as Array<{ id: string; elementId?: string }>)[0].id));
    const c2 = await cpu();
    const done = await load(N, C, async (i) => void (await call('POST', `/api/v1/tasks/${tasks[i]}/complete`, { variables: VERIFY })));
    const c3 = await cpu();
    const rss = rssMb(pid);
    const peak = rssMb(pid, 'VmHWM');
    const metrics = await (await fetch(`${server.url}/metrics`, { headers })).text();
    /** One sample of the scrape, e.g. sample('hcp_engine_cache_lookups_total{result="hit"}'). */
    const sample = (line: string) => Number(metrics.split('\n').find((l) => l.startsWith(`${line} `))?.slice(line.length + 1) ?? 0);
    const mb = (name: string) => sample(name) / 1048576;
    const cache = sample('hcp_engine_cache_size');
    const cacheMb = mb('hcp_engine_cache_bytes');
    const ratePerSec = N / (rated.ms / 1000);
    const completePerSec = N / (done.ms / 1000);
    console.log('');
    console.log('                                              rate/s   p50 ms   p99 ms   server CPU ms/op   PostgreSQL CPU ms/op (its backends)');
    console.log(`in memory: start to the first task (drive)   ${fmt(mem.starts.perSec)}        -        -   ${fmt(mem.starts.cpuMs, 2)} (in process)`);
    console.log(`in memory: rebuild from state only           ${fmt(mem.rebuildOnly.perSec)}        -        -   ${fmt(mem.rebuildOnly.cpuMs, 2)} (in process)`);
    console.log(`durable: bad rating → case at its 1st task   ${fmt(ratePerSec)} ${fmt(percentile(rated.latencies, 50), 1)} ${fmt(percentile(rated.latencies, 99), 1)}   ${fmt((c1.server - c0.server) / N, 2)}           ${fmt((c1.pg - c0.pg) / N, 2)}`);
    console.log(`in memory: complete ${mem.firstTask} (kept engine) ${fmt(mem.kept.perSec)}        -        -   ${fmt(mem.kept.cpuMs, 2)} (in process)`);
    console.log(`in memory: the same, engine rebuilt from state ${fmt(mem.rebuilt.perSec)}        -        -   ${fmt(mem.rebuilt.cpuMs, 2)} (in process)`);
    console.log(`durable: completion over HTTP                ${fmt(completePerSec)} ${fmt(percentile(done.latencies, 50), 1)} ${fmt(percentile(done.latencies, 99), 1)}   ${fmt((c3.server - c2.server) / N, 2)}           ${fmt((c3.pg - c2.pg) / N, 2)}`);
    console.log(
      `durable / in memory: starts ${fmt((100 * ratePerSec) / mem.starts.perSec, 1)} %, completions ${fmt((100 * completePerSec) / mem.kept.perSec, 1)} % of the kept engine's rate, ${fmt((100 * completePerSec) / mem.rebuilt.perSec, 1)} % of the rebuilt one's`,
    );
    const lookups = (result: string) => sample(`hcp_engine_cache_lookups_total{result="${result}"}`);
    console.log(`engine cache over the run: ${lookups('hit')} steps found their engine kept, ${lookups('miss')} rebuilt it from the stored state`);
    console.log(
      `server RSS at the end ${rss.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (V8 heap used ${mb('hcp_nodejs_heap_size_used_bytes').toFixed(0)} of ${mb('hcp_nodejs_heap_size_total_bytes').toFixed(0)} MB, external ${mb('hcp_nodejs_external_memory_bytes').toFixed(0)} MB); engines kept ${cache} (≈ ${cacheMb.toFixed(0)} MB by their weight)`,
    );
  } finally {
    await pgAdmin.destroy();
    await server.stop();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
