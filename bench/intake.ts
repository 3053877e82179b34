/**
 * Benchmark (not a test): ratings accepted per second over HTTP with durable commit against real
 * PostgreSQL, one per request and in batches, with p50/p99 latency at 50 concurrent clients, beside a
 * bare fastify endpoint (JSON parse + reply, nothing else) measured in the same run as the ceiling of
 * HTTP on this machine.
 *
 *   npm run build && node dist/bench/intake.js
 *
 * Environment:
 *   DATABASE_URL         PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres); a scratch
 *                        database is created there and dropped at the end
 *   BENCH_SINGLE         ratings sent one per request (default 20000)
 *   BENCH_BATCHES        batch requests (default 200), of BENCH_BATCH_SIZE ratings each (default 500)
 *   BENCH_CONCURRENCY    concurrent clients (default 50)
 *   BENCH_BAD_EVERY      every n-th rating is bad and opens a case (default 10000, about Guangdong's 0.01%)
 *   BENCH_FEW_CLIENTS    clients of a second batched run (default 4), BENCH_FEW_BATCHES batches (default 40)
 *
 * The server (dist/src/main.js) and the bare fastify server are child processes; this process is the load
 * generator (node:http, keep-alive). All three share the machine's cores, as they would in a small
 * deployment. Durable: PostgreSQL's synchronous_commit and fsync are printed; each answered rating is
 * committed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { ROOT, fmt, freePort, load, percentile, postgresCpuMs, processCpuMs, scratchDatabase, startServer } from './common';

const SINGLE = Number(process.env.BENCH_SINGLE ?? 20000);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 500);
const C = Number(process.env.BENCH_CONCURRENCY ?? 50);
const BAD_EVERY = Number(process.env.BENCH_BAD_EVERY ?? 10000);
/** A second batched run with few clients, as a handful of device gateways would send. */
const FEW = Number(process.env.BENCH_FEW_CLIENTS ?? 4);
const FEW_BATCHES = Number(process.env.BENCH_FEW_BATCHES ?? 40);
const TOKEN = 'bench-admin-token';
const COUNTY = 'intakeshire';
const FIX = path.join(ROOT, 'test', 'fixtures');

const agent = new http.Agent({ keepAlive: true, maxSockets: C });

function request(url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** A bare fastify server in a child process: JSON parse, reply {id}. */
async function bareFastify(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const code = `
    const app = require('fastify')({ logger: false, bodyLimit: 8 * 1024 * 1024 });
    let n = 0;
    app.post('/ratings', async (req, reply) => { reply.code(201); return { id: ++n, received: Array.isArray(req.body) ? req.body.length : 1 }; });
    app.listen({ port: ${port}, host: '127.0.0.1' }).then(() => process.send && process.send('up'));`;
  const child = spawn(process.execPath, ['-e', code], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  return { url: `http://127.0.0.1:${port}`, child };
}

const evaluator = { kind: 'person', name: '测试评价人', phone: '13800138000', idNumber: '11010519491231002X' };
let sender = 0;
function ratingOf(caseNo: string, i: number) {
  const bad = BAD_EVERY > 0 && i % BAD_EVERY === BAD_EVERY - 1;
  return {
    senderId: `bench-${++sender}`,
    caseNo,
    level: bad ? 2 : 5 - (i % 3),
    channel: '4',
    ratedAt: '2026-11-02T15:05:00+08:00',
    evaluator,
    ...(bad ? { options: ['efficiency-3'], comment: '排队时间长' } : {}),
  };
}

function row(name: string, ms: number, count: number, lat: number[]) {
  console.log(`${name.padEnd(46)} ${fmt(count / (ms / 1000))} ${fmt(percentile(lat, 50), 1)} ${fmt(percentile(lat, 99), 1)}`);
}

async function main() {
  console.log(`intake benchmark: ${SINGLE} single ratings, ${BATCHES} × ${BATCH_SIZE} batched, ${C} concurrent clients, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`);
  const db = await scratchDatabase();
  const probe = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
  const sync = (await probe.raw('show synchronous_commit')).rows[0].synchronous_commit;
  const fsync = (await probe.raw('show fsync')).rows[0].fsync;
  const server = await startServer({
    DATABASE_URL: db.url,
    ADMIN_TOKEN: TOKEN,
    PII_KEY: randomBytes(32).toString('base64'),
    PROCESSES_DIR: path.join(FIX, 'processes'),
    TEMPLATES_DIR: path.join(FIX, 'templates'),
    CLOCK_CONTROL: 'true',
  });
  const bare = await bareFastify();
  const headers = { authorization: `Bearer ${TOKEN}` };
  const post = async (p: string, body: unknown, expect: number) => {
    const r = await request(server.url + p, 'POST', JSON.stringify(body), headers);
    if (r.status !== expect) throw new Error(`${p}: ${r.status} ${r.text.slice(0, 300)}`);
    return r;
  };
  try {
    await request(`${server.url}/api/v1/admin/clock`, 'PUT', JSON.stringify({ now: '2026-11-03T10:00:00+08:00' }), headers);
    // The 办件 register: one per rating, in batches of 5000.
    const total = SINGLE + (BATCHES + FEW_BATCHES) * BATCH_SIZE;
    const t0 = performance.now();
    for (let i = 0; i < total; i += 5000) {
      const rows = Array.from({ length: Math.min(5000, total - i) }, (_, j) => ({
        caseNo: `BN-${i + j}`, serviceCode: '450200-001', serviceName: '企业设立登记', unitId: 'unit-a', mode: 'on-site',
        acceptedAt: '2026-11-02T09:00:00+08:00', completedAt: '2026-11-02T15:00:00+08:00',
      }));
      const r = await post(`/api/v1/counties/${COUNTY}/service-cases`, rows, 207);
      if (JSON.parse(r.text).stored !== rows.length) throw new Error(`register: ${r.text.slice(0, 300)}`);
    }
    const registerMs = performance.now() - t0;

    // Warm-up of both servers (JIT, pool, statement plans), not measured.
    await load(500, C, async (i) => void (await request(`${bare.url}/ratings`, 'POST', JSON.stringify(ratingOf(`W-${i}`, 1)))));
    await load(Math.min(1000, SINGLE), C, async (i) => void (await post(`/api/v1/counties/${COUNTY}/evaluations`, ratingOf(`BN-${i}`, i), 201)));
    const warm = Math.min(1000, SINGLE);

    // CPU of every party in ms: where the two cores go (the server, PostgreSQL, this load generator, the bare server).
    const cpu = () => ({ server: processCpuMs(server.child.pid!), pg: postgresCpuMs(), gen: processCpuMs(process.pid), bare: processCpuMs(bare.child.pid!) });
    const perOp = (a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>, n: number) =>
      `server ${((b.server - a.server) / n).toFixed(3)}, PostgreSQL ${((b.pg - a.pg) / n).toFixed(3)}, load generator ${((b.gen - a.gen) / n).toFixed(3)}, bare server ${((b.bare - a.bare) / n).toFixed(3)}`;
    const k0 = cpu();
    const bareSingle = await load(SINGLE, C, async (i) => void (await request(`${bare.url}/ratings`, 'POST', JSON.stringify(ratingOf(`BN-${i}`, i)))));
    const k1 = cpu();
    const single = await load(SINGLE - warm, C, async (i) => void (await post(`/api/v1/counties/${COUNTY}/evaluations`, ratingOf(`BN-${warm + i}`, warm + i), 201)));
    const k2 = cpu();
    const batchBodies = Array.from({ length: BATCHES }, (_, b) => JSON.stringify(Array.from({ length: BATCH_SIZE }, (_, j) => ratingOf(`BN-${SINGLE + b * BATCH_SIZE + j}`, b * BATCH_SIZE + j))));
    const bareBatched = await load(BATCHES, C, async (b) => void (await request(`${bare.url}/ratings`, 'POST', batchBodies[b])));
    let refused = 0;
    const batched = await load(BATCHES, C, async (b) => {
      const r = await request(`${server.url}/api/v1/counties/${COUNTY}/evaluations`, 'POST', batchBodies[b], headers);
      if (r.status !== 207) throw new Error(`batch: ${r.status} ${r.text.slice(0, 300)}`);
      refused += JSON.parse(r.text).refused;
    });
    const fewBodies = Array.from({ length: FEW_BATCHES }, (_, b) => JSON.stringify(Array.from({ length: BATCH_SIZE }, (_, j) => ratingOf(`BN-${SINGLE + (BATCHES + b) * BATCH_SIZE + j}`, b * BATCH_SIZE + j))));
    const few = await load(FEW_BATCHES, FEW, async (b) => {
      const r = await request(`${server.url}/api/v1/counties/${COUNTY}/evaluations`, 'POST', fewBodies[b], headers);
      if (r.status !== 207) throw new Error(`batch: ${r.status} ${r.text.slice(0, 300)}`);
      refused += JSON.parse(r.text).refused;
    });
    if (refused) throw new Error(`${refused} batched ratings were refused`);

    const knex = probe;
    const stored = Number((await knex('evaluations').count('id as n').first())!.n);
    const cases = Number((await knex('cases').count('id as n').first())!.n);
    console.log('');
    console.log(`PostgreSQL synchronous_commit=${sync} fsync=${fsync}; ${stored} ratings stored, ${cases} bad-review cases opened; 办件 registered at ${fmt(total / (registerMs / 1000))}/s (batches of 5000)`);
    console.log('');
    console.log(`${''.padEnd(46)}   rate/s   p50 ms   p99 ms   (${C} concurrent clients)`);
    row('bare fastify, one rating per request', bareSingle.ms, SINGLE, bareSingle.latencies);
    row('intake, one rating per request (durable)', single.ms, SINGLE - warm, single.latencies);
    row(`bare fastify, ${BATCH_SIZE} ratings per request`, bareBatched.ms, BATCHES * BATCH_SIZE, bareBatched.latencies);
    row(`intake, ${BATCH_SIZE} ratings per request (durable)`, batched.ms, BATCHES * BATCH_SIZE, batched.latencies);
    row(`  the same with ${FEW} clients`, few.ms, FEW_BATCHES * BATCH_SIZE, few.latencies);
    console.log(`(batched rows: rate counts ratings; latency is per request of ${BATCH_SIZE})`);
    console.log(`single / bare ceiling: ${fmt((100 * (SINGLE - warm) / single.ms) / (SINGLE / bareSingle.ms), 1)} %`);
    console.log(`CPU ms per rating, one per request: bare run: ${perOp(k0, k1, SINGLE)}`);
    console.log(`                                  intake run: ${perOp(k1, k2, SINGLE - warm)}`);
    console.log('goal: ≥ 5,000 ratings/s with p99 ≤ 50 ms');
  } finally {
    await probe.destroy();
    bare.child.kill();
    await server.stop();
    await db.drop();
    agent.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
