/**
 * Benchmark (not a test): due timers of the real 柳东 diagram (systemPushed), a million pending. Every case
 * waits in 整改 (unitRectify) with its two boundary timers: the reminder (期限前提醒) and the escalation
 * (超期督办), each a notify task. Prints, from one run on one database:
 *
 *   - bpmn-engine in memory, the same reminders fired by drive() without SQL (rebuild from the stored state,
 *     fire, notify): the baseline of the engine;
 *   - the full path (TIMER_FAST_PATH=false: lock, rebuild the engine from its state, fire, store): the durable baseline;
 *   - the batch path (src/engine/timer-batch.ts), one scheduler and two side by side;
 *   - CPU per firing, of this process and of PostgreSQL, beside each rate (wall time on a shared machine lies);
 *   - exactly once: rows marked, messages queued, journal steps, no instance reminded twice;
 *   - a restart of the built server on that database: until /health answers, until its scheduler fires;
 *   - the engine catching up: completions of cases whose timers fired in a batch.
 *
 *   npm run build && node dist/bench/timer-batches.js
 *   npm run build && BENCH_TIMERS=20000 node dist/bench/timer-batches.js        # a quick run
 *
 * Environment:
 *   DATABASE_URL      PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres); a scratch database is made and dropped
 *   BENCH_TIMERS      pending timer rows (default 1,000,000: half as many cases, two timers each)
 *   BENCH_SEED        cases taken to 整改 through the runner (default 300); the rest are copies made in SQL
 *                     (instance with its engine state, open task, timer rows), ordinary running cases
 *   BENCH_FULL        reminders fired by the full path, the baseline (default 1,000)
 *   BENCH_FIRE        reminders fired by each batch measurement (default 100,000)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Knex } from 'knex';
import { loadConfig } from '../src/config';
import { Core, createCore } from '../src/core';
import type { TaskRow } from '../src/db/tables';
import { TimerJob } from '../src/engine/timers';
import { StepInput, drive } from '../src/engine/drive';
import { byInstance } from '../src/engine/timer-batch';
import { BENCH_PII_KEY, ROOT, fireTimers, intEnv, scratchDatabase, startServer } from './common';
import { eachTimed, inMemoryDiagram } from './in-memory';

const N = intEnv('BENCH_TIMERS', 1_000_000);
const SEED = Math.min(intEnv('BENCH_SEED', 300), Math.ceil(N / 2));
const FULL = intEnv('BENCH_FULL', 1000);
const FIRE = intEnv('BENCH_FIRE', 100_000);


const quiet = { log: () => undefined, warn: (m: string) => console.warn(`  warn: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };
const noTransport = { name: 'none', deliver: async () => undefined };
const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const count = async (q: Knex.QueryBuilder) => Number((await q.count<{ n: string }[]>({ n: '*' }))[0].n);

const verified = { genuine: true, reason: '窗口未一次性告知所需材料', realDemand: '希望一次性告知材料清单', coreProblem: '一次性告知制度未落实', evidence: '调阅大厅视频', unitLeaderContacted: true };
const rectified = { meetingHeld: true, responsiblePerson: '韦某某', investigation: '窗口人员未按清单告知', measures: '重新培训', rectified: true, unitLeaderOpinion: '同意' };

/** Copies rows of `table` for every (source instance → copy) pair of bench_copies, with the columns given replaced. */
async function copyRows(trx: Knex.Transaction, table: string, replace: Record<string, string>, where = 'true'): Promise<void> {
  const cols: string[] = (await trx.raw(`select column_name from information_schema.columns where table_name = ? and table_schema = current_schema() order by ordinal_position`, [table])).rows.map(
    (r: { column_name: string }) => r.column_name,
  );
  const select = cols.map((c) => replace[c] ?? `x.${c}`).join(', ');
  const key = table === 'process_instances' ? 'id' : 'instance_id';
  await trx.raw(`insert into ${table} (${cols.join(', ')}) select ${select} from bench_copies c join ${table} x on x.${key} = c.src_id where ${where}`);
}

/**
 * The baseline of bpmn-engine: the reminders of `n` due cases fired in memory, the same firing the full
 * path makes (drive(): the engine rebuilt from the stored state, the timer fired, its notify task run),
 * without SQL. The rows are read first and not changed.
 */
async function inMemoryFirings(knex: Knex, now: Date, n: number): Promise<{ fired: number; secs: number; rate: number; cpuMs: number }> {
  const { definition, deps } = await inMemoryDiagram('liudong', 'systemPushed.bpmn');
  const due = await knex('timers as m')
    .join('process_instances as i', 'i.id', 'm.instance_id')
    .where({ 'm.element_id': 'unitRectifyReminder' })
    .whereNull('m.fired_at')
    .where('m.due_at', '<=', now)
    .orderBy('m.due_at')
    .limit(n)
    .select('i.id', 'i.county_id', 'i.business_key', 'i.revision', 'i.state', 'm.id as timer_id');
  const ids = due.map((r) => r.id as string);
  const tasks = byInstance(await knex('tasks').whereIn('instance_id', ids).where({ status: 'open' }).select('id', 'execution_id', 'element_id', 'instance_id'));
  const timers = byInstance(await knex('timers').whereIn('instance_id', ids).orderBy('id').select('id', 'execution_id', 'due_at', 'element_id', 'fired_at', 'instance_id'));
  let fired = 0;
  const run = await eachTimed(due, async (r) => {
    const input: StepInput = {
      instanceId: r.id,
      countyId: r.county_id,
      businessKey: r.business_key,
      revision: r.revision,
      state: typeof r.state === 'string' ? JSON.parse(r.state) : r.state,
      definition,
      actor: 'bench',
      now,
      openTasks: tasks.get(r.id) ?? [],
      timerRows: timers.get(r.id) ?? [],
    };
    const { result } = await drive(input, { kind: 'fire', timerId: r.timer_id }, deps);
    if (result.fired) fired++;
  });
  if (fired !== due.length) throw new Error(`in memory: ${due.length - fired} of ${due.length} reminders did not fire`);
  return { fired, secs: run.secs, rate: run.perSec, cpuMs: run.cpuMs };
}

async function main() {
  const db = await scratchDatabase();
  const config = loadConfig(
    { CLOCK_CONTROL: 'true' },
    { databaseUrl: db.url, processesDir: path.join(ROOT, 'processes'), templatesDir: path.join(ROOT, 'templates'), schedulerEnabled: false, piiKey: BENCH_PII_KEY },
  );
  console.log(`bench/timer-batches: the 柳东 diagram (systemPushed), ${num(N)} pending timer rows (${num(N / 2)} cases in 整改, two timers each), PostgreSQL ${new URL(db.url).host}`);
  let core: Core | undefined;
  try {
    core = await createCore(config, quiet, { transport: noTransport });
    const knex = core.db.knex;

    // 1. Cases in 整改: SEED through the runner (start, 回访核实 completed), then copies.
    let t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (;;) {
          const i = next++;
          if (i >= SEED) return;
          core!.clock.set(new Date('2026-04-16T09:30:00+08:00'));
          const key = `BENCH-${i}`;
          const row = await core!.runner.start({
            countyId: 'liudong',
            processKey: 'liudongSystemPushed',
            businessKey: key,
            actor: 'bench',
            variables: { caseId: key, receivedAt: '2026-04-16T01:20:00.000Z', kind: 'system-pushed', unitId: 'ld-xzsp', unitName: '柳东新区行政审批局', serviceName: '食品经营许可', serviceCode: '11450200MB0000000X-001', staffName: '韦某某', level: 2, levelName: '不满意', options: ['attitude-3'], comment: '窗口排队时间长', channel: '4' },
          });
          const task = await knex<TaskRow>('tasks').where({ instance_id: row.id, element_id: 'callbackVerify', status: 'open' }).first();
          await core!.runner.complete(task!, 'bench', verified, { overrideAssignee: true });
        }
      }),
    );
    console.log(`  ${num(SEED)} cases taken to 整改 through the runner in ${num((performance.now() - t0) / 1000, 1)} s`);
    const copies = Math.ceil(N / 2) - SEED;
    if (copies > 0) {
      t0 = performance.now();
      await knex.transaction(async (trx) => {
        await trx.raw(
          `create temporary table bench_copies on commit drop as
             with src as (select id, row_number() over (order by id) - 1 as k from process_instances)
             select gen_random_uuid() as new_id, src.id as src_id from generate_series(0, ? - 1) g join src on src.k = g % ?`,
          [copies, SEED],
        );
        await copyRows(trx, 'process_instances', { id: 'c.new_id', business_key: 'null' });
        // Task execution ids are unique across instances: a copy's task is in the inbox, not completed here.
        await copyRows(trx, 'tasks', { id: 'gen_random_uuid()', instance_id: 'c.new_id', execution_id: `x.execution_id || ':' || c.new_id` }, `x.status = 'open'`);
        await copyRows(trx, 'timers', { id: 'gen_random_uuid()', instance_id: 'c.new_id' });
      });
      for (const t of ['process_instances', 'tasks', 'timers']) await knex.raw(`analyze ${t}`);
      console.log(`  ${num(copies)} copies (instance with its engine state, open task, two timer rows) made in SQL in ${num((performance.now() - t0) / 1000, 1)} s`);
    }
    // The cases started through the runner are due an hour after the copies: claimed last, they are the
    // ones the catch-up below completes (a row's due instant is what the engine goes by).
    await knex('timers').whereIn('instance_id', knex('process_instances').whereNotNull('business_key').select('id')).update({ due_at: knex.raw(`due_at + interval '1 hour'`) });
    const pending = await count(knex('timers').whereNull('fired_at'));
    console.log(`  pending timer rows: ${num(pending)}`);

    // 2. Wednesday 4/22 09:00: every reminder (Tue 17:30) is due, no escalation (Wed 17:30) yet.
    core.clock.set(new Date('2026-04-22T09:00:00+08:00'));
    const due = await count(knex('timers').whereNull('fired_at').where('due_at', '<=', core.clock.now()));
    console.log(`  due now: ${num(due)} reminders\n`);

    const mem = await inMemoryFirings(knex, core.clock.now(), Math.min(FULL, due));
    const full = new TimerJob(knex, core.clock, { fire: (id) => core!.runner.fire(id) }, { nodeId: 'bench-full', batchSize: 50, leaseMs: 30_000 }, quiet);
    const a = await fireTimers([full], FULL);
    const b = await fireTimers([core.timers], Math.min(FIRE, due - a.fired));
    const two = [0, 1].map((i) => new TimerJob(knex, core!.clock, { fire: (id) => core!.runner.fire(id), fireBatch: (c) => core!.runner.fireBatch(c) }, { nodeId: `bench-${i}`, batchSize: config.timerBatchSize, leaseMs: 30_000 }, quiet));
    const c = await fireTimers(two, Math.min(FIRE, due - a.fired - b.fired));
    const line = (what: string, r: Awaited<ReturnType<typeof fireTimers>>) =>
      `  ${what.padEnd(44)} ${num(r.fired).padStart(8)} fired in ${num(r.secs, 1).padStart(6)} s = ${num(r.rate).padStart(6)}/s   CPU per firing: server ${num(r.cpuMs, 2)} ms, PostgreSQL ${num(r.pgMs, 2)} ms`;
    console.log(`  ${'bpmn-engine in memory (baseline): rebuild, fire'.padEnd(44)} ${num(mem.fired).padStart(8)} fired in ${num(mem.secs, 1).padStart(6)} s = ${num(mem.rate).padStart(6)}/s   CPU per firing: ${num(mem.cpuMs, 2)} ms (in process, no SQL)`);
    console.log(line('full path, 1 scheduler (durable baseline)', a));
    console.log(line(`batches of ${config.timerBatchSize}, 1 scheduler`, b));
    console.log(line(`batches of ${config.timerBatchSize}, 2 schedulers`, c));
    console.log(`  → batch / full: ${num(b.rate / a.rate, 1)}× the rate, ${num(a.cpuMs / b.cpuMs, 1)}× less server CPU per firing; full / in memory: ${num((100 * a.rate) / mem.rate)} % of the rate; batch / in memory: ${num(b.rate / mem.rate, 1)}× the rate\n`);

    // 3. Exactly once.
    const batchFired = b.fired + c.fired;
    const marked = await count(knex('timers').whereNotNull('fired_at'));
    const reminders = await count(knex('outbox').where({ topic: 'reminder' }));
    const twice = await count(knex.from(knex('outbox').where({ topic: 'reminder' }).groupBy('instance_id').havingRaw('count(*) > 1').select('instance_id').as('d')));
    const steps = await count(knex('journal').where({ type: 'step.input' }).whereRaw(`(data->'action'->>'batch')::boolean`));
    const ok = marked === batchFired && reminders === a.fired + batchFired && twice === 0 && steps === batchFired;
    console.log(`  exactly once: ${num(marked)} rows marked, ${num(steps)} batch steps journaled, ${num(reminders)} reminders queued (${num(a.fired)} + ${num(batchFired)}), ${twice} cases reminded twice → ${ok ? 'ok' : 'MISMATCH'}`);
    if (!ok) throw new Error('a firing was missed or doubled');

    // 4. The engine catches up: the reminders of the cases started through the runner fire in a batch,
    // then their tasks are completed (rebuilt engines: a cold cache).
    const seeds = knex('process_instances').whereNotNull('business_key').select('id');
    const claimed = await knex('timers').whereIn('instance_id', seeds).where({ element_id: 'unitRectifyReminder' }).whereNull('fired_at').select('id', 'instance_id', 'element_id', 'due_at');
    const seeded = await core.runner.fireBatch(claimed);
    if (seeded.fired !== claimed.length) throw new Error(`${claimed.length - seeded.fired} reminders of the seeded cases did not fire in the batch`);
    const reminders2 = await count(knex('outbox').where({ topic: 'reminder' }));
    core.runner.stopAll();
    const caught = await knex('tasks').whereIn('instance_id', seeds).where({ status: 'open', element_id: 'unitRectify' }).select('*');
    core.clock.set(new Date('2026-04-22T10:00:00+08:00'));
    t0 = performance.now();
    for (const task of caught) await core.runner.complete(task as TaskRow, 'bench', rectified, { overrideAssignee: true });
    const again = await count(knex('outbox').where({ topic: 'reminder' }));
    console.log(`  catch-up: ${caught.length} completions after a batch firing, ${num(caught.length / ((performance.now() - t0) / 1000))}/s, reminders queued again: ${again - reminders2}`);
    if (again !== reminders2) throw new Error('the engine sent a reminder again when it caught up');

    // 5. Restart: the built server on this database. Its clock is today's, so every timer left is due.
    const left = await count(knex('timers').whereNull('fired_at'));
    await core.close();
    core = undefined;
    t0 = performance.now();
    const server = await startServer({ DATABASE_URL: db.url, POLL_INTERVAL_MS: '200' });
    const healthy = performance.now() - t0;
    const probe = (await import('knex')).default({ client: 'pg', connection: db.url, pool: { min: 0, max: 1 } });
    let firstAt = 0;
    for (let i = 0; i < 600 && !firstAt; i++) {
      if ((await count(probe('timers').whereNull('fired_at'))) < left) firstAt = performance.now() - t0;
      else await new Promise((r) => setTimeout(r, 50));
    }
    const m0 = await count(probe('timers').whereNull('fired_at'));
    const s0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const m1 = await count(probe('timers').whereNull('fired_at'));
    const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    console.log(`  restart with ${num(left)} pending (all due by the server's own clock): /health 200 after ${num(healthy)} ms, first firing after ${num(firstAt)} ms`);
    console.log(`  the server's own scheduler then: ${num((m0 - m1) / ((performance.now() - s0) / 1000))} firings/s over 10 s (reminders and escalations), RSS ${num(rss)} MB`);
    await probe.destroy();
    await server.stop();
  } finally {
    await core?.close().catch(() => undefined);
    if (process.env.BENCH_KEEP_DB === '1') console.log(`  kept database ${db.url}`);
    else await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
