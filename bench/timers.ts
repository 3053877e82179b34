/**
 * Benchmark (not a test): how many due timers per second the scheduler fires with 100,000 pending, and
 * how long a restart takes before it is firing again.
 *
 *   npm run build && node dist/bench/timers.js
 *   npm run build && BENCH_TIMERS=5000 node dist/bench/timers.js          # a quick run
 *
 * Environment:
 *   DATABASE_URL        PostgreSQL server to use (default postgres://postgres@127.0.0.1:5432/postgres). The
 *                       benchmark creates a database of its own there (hcp_bench_<random>) and drops it at the end.
 *   BENCH_TIMERS        pending timers to create (default 100000)
 *   BENCH_SEED          how many of them are started through the Runner, one instance each (default 2000);
 *                       the rest are copies of those instances and their timer rows made in SQL, because
 *                       starting 100,000 instances one transaction at a time takes minutes and measures the
 *                       runner, not the scheduler. A copy is an ordinary running instance waiting on its timer.
 *   BENCH_FIRE          how many timers each firing measurement fires (default 10000, at most what is pending)
 *   BENCH_WORKERS       schedulers firing side by side in the second measurement (default 4), as several
 *                       server processes would (FOR UPDATE SKIP LOCKED claims)
 *   BENCH_KEEP_DB=1     keep the database afterwards (its name is printed) to look at plans and tables
 *
 * The diagram is start → intermediate timer catch event ("2wd") → end: firing a timer is one full step
 * (lock the instance, recover the engine, fire, run to the end, persist state, journal, delete the row).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { loadConfig } from '../src/config';
import { Core, createCore } from '../src/core';
import { TimerJob } from '../src/engine/timers';
import { BENCH_PII_KEY, fireTimers, intEnv } from './common';

const BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const N = intEnv('BENCH_TIMERS', 100_000);
const SEED = Math.min(intEnv('BENCH_SEED', 2000), N);
const FIRE = Math.min(intEnv('BENCH_FIRE', 10_000), N);
const WORKERS = intEnv('BENCH_WORKERS', 4);
const COUNTY = 'benchshire';
const PROCESS_KEY = 'benchTick';


const DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs_bench" targetNamespace="http://example.org/hcp">
  <bpmn:process id="${PROCESS_KEY}" isExecutable="true">
    <bpmn:startEvent id="start" name="start">
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait" name="wait">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDuration>2wd</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" name="end">
      <bpmn:incoming>f2</bpmn:incoming>
    </bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="${PROCESS_KEY}_diagram">
    <bpmndi:BPMNPlane id="${PROCESS_KEY}_plane" bpmnElement="${PROCESS_KEY}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="182" y="122" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="wait_di" bpmnElement="wait">
        <dc:Bounds x="362" y="122" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="542" y="122" width="36" height="36" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1">
        <di:waypoint x="218" y="140" />
        <di:waypoint x="362" y="140" />
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2">
        <di:waypoint x="398" y="140" />
        <di:waypoint x="542" y="140" />
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>

`;

const quiet = { log: () => undefined, warn: (m: string) => console.warn(`  warn: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };
const noTransport = { name: 'none', deliver: async () => undefined };

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main() {
  const dbName = `hcp_bench_${randomBytes(5).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: BASE_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${dbName}`);
  await admin.destroy();
  const url = new URL(BASE_URL);
  url.pathname = `/${dbName}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-bench-'));
  fs.mkdirSync(path.join(work, 'processes', COUNTY), { recursive: true });
  fs.mkdirSync(path.join(work, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(work, 'processes', COUNTY, 'tenant.yaml'), 'name: 基准测试县\nregion: 测试省\ncalendar: [national]\n');
  fs.writeFileSync(path.join(work, 'processes', COUNTY, 'tick.bpmn'), DIAGRAM);
  const config = loadConfig(
    { CLOCK_CONTROL: 'true' },
    {
      databaseUrl: url.toString(),
      dataDir: path.join(work, 'data'),
      processesDir: path.join(work, 'processes'),
      templatesDir: path.join(work, 'templates'),
      schedulerEnabled: false,
      piiKey: BENCH_PII_KEY,
    },
  );

  console.log(`bench/timers: PostgreSQL ${url.host}, database ${dbName}; ${fmt(N)} pending timers (${fmt(SEED)} started through the Runner, the rest copied in SQL)`);
  let core: Core | undefined;
  try {
    core = await createCore(config, quiet, { transport: noTransport });
    const knex = core.db.knex;
    // Fri 2026-11-20 10:00 +08:00: "2wd" is due at Wed 2026-11-25 00:00 +08:00.
    core.clock.set(new Date('2026-11-20T10:00:00+08:00'));

    // 1. Pending timers.
    let t0 = performance.now();
    let next = 0;
    const startOne = async () => {
      while (next < SEED) {
        next++;
        await core!.runner.start({ countyId: COUNTY, processKey: PROCESS_KEY, actor: 'bench' });
      }
    };
    await Promise.all(Array.from({ length: 8 }, startOne));
    const seedSecs = (performance.now() - t0) / 1000;
    console.log(`  started ${fmt(SEED)} instances through the Runner in ${fmt(seedSecs, 1)} s (${fmt(SEED / seedSecs)} starts/s, 8 at a time)`);
    if (N > SEED) {
      t0 = performance.now();
      await knex.transaction(async (trx) => {
        await trx.raw(
          `create temporary table bench_copies on commit drop as
             with src as (select id, row_number() over (order by id) - 1 as k from process_instances)
             select gen_random_uuid() as new_id, src.id as src_id
               from generate_series(0, ? - 1) g join src on src.k = g % ?`,
          [N - SEED, SEED],
        );
        await trx.raw(
          `insert into process_instances (id, county_id, definition_id, process_key, business_key, status, revision, state, variables, incident, started_by, started_at, updated_at, ended_at)
           select c.new_id, i.county_id, i.definition_id, i.process_key, null, i.status, i.revision, i.state, i.variables, null, i.started_by, i.started_at, i.updated_at, null
             from bench_copies c join process_instances i on i.id = c.src_id`,
        );
        await trx.raw(
          `insert into timers (id, instance_id, county_id, execution_id, element_id, expression, due_at, provisional, attempts, created_at)
           select gen_random_uuid(), c.new_id, t.county_id, t.execution_id, t.element_id, t.expression, t.due_at, t.provisional, 0, t.created_at
             from bench_copies c join timers t on t.instance_id = c.src_id`,
        );
      });
      await knex.raw('analyze timers');
      await knex.raw('analyze process_instances');
      console.log(`  copied ${fmt(N - SEED)} instances with their timer rows in SQL in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    }
    const pending = Number((await knex('timers').count<{ count: string }[]>('id as count'))[0].count);
    const due = (await knex('timers').min<{ min: Date }[]>('due_at as min'))[0].min;
    console.log(`  pending timer rows: ${fmt(pending)}, all due at ${new Date(due).toISOString()}`);

    // 2. All due: the clock moves past them (without firing; the schedulers below do that).
    core.clock.set(new Date('2026-11-26T09:00:00+08:00'));

    // 3a. One scheduler (one server process), claiming config.timerBatchSize rows per poll.
    // Keep some pending for the restart measurement.
    const reserve = Math.max(WORKERS * config.timerBatchSize * 2, Math.min(2001, Math.floor(pending / 10)));
    const one = await fireTimers([core.timers], Math.max(1, Math.min(FIRE, pending - reserve)));
    console.log(
      `  1 scheduler:  fired ${fmt(one.fired)} timers in ${fmt(one.secs, 1)} s = ${fmt(one.fired / one.secs)} timers/s (batch ${config.timerBatchSize}, ${fmt(pending)} pending at start)`,
    );

    // 3b. Several schedulers side by side, as several server processes on one database would.
    const left = Number((await knex('timers').count<{ count: string }[]>('id as count'))[0].count);
    const many = Array.from({ length: WORKERS }, (_, i) => new TimerJob(knex, core!.clock, { fire: (id: string) => core!.runner.fire(id) }, { nodeId: `bench-${i}`, batchSize: config.timerBatchSize, leaseMs: config.leaseMs }, quiet));
    const par = await fireTimers(many, Math.max(1, Math.min(FIRE, left - reserve)));
    console.log(`  ${WORKERS} schedulers: fired ${fmt(par.fired)} timers in ${fmt(par.secs, 1)} s = ${fmt(par.fired / par.secs)} timers/s (${fmt(left)} pending at start; one Node process, shared pool of 10)`);
    const doubled = await knex('journal').where({ type: 'timer.fired' }).groupBy('instance_id').havingRaw('count(*) > 1').select('instance_id');
    if (doubled.length) throw new Error(`${doubled.length} instances fired twice`);

    // 4. Restart: a new core on the same database, until its scheduler has fired a timer.
    const remaining = Number((await knex('timers').count<{ count: string }[]>('id as count'))[0].count);
    await core.close();
    core = undefined;
    t0 = performance.now();
    core = await createCore(config, quiet, { transport: noTransport });
    const booted = performance.now() - t0;
    core.clock.set(new Date('2026-11-26T09:00:00+08:00'));
    const first = await core.timers.fireDue(1);
    const firstFired = performance.now() - t0;
    if (first !== 1) throw new Error('the restarted scheduler fired nothing');
    console.log(
      `  restart with ${fmt(remaining)} pending: createCore ${fmt(booted)} ms (migrations check, tenants, deployments, calendars), first timer fired after ${fmt(firstFired)} ms`,
    );
    const afterRestart = await fireTimers([core.timers], Math.max(1, Math.min(2000, remaining - 1)));
    if (afterRestart.fired) console.log(`  after the restart: ${fmt(afterRestart.fired / afterRestart.secs)} timers/s (1 scheduler, ${fmt(afterRestart.fired)} timers)`);
  } finally {
    await core?.close().catch(() => undefined);
    if (process.env.BENCH_KEEP_DB === '1') {
      console.log(`  kept database ${dbName}`);
    } else {
      const a = knexFactory({ client: 'pg', connection: BASE_URL, pool: { min: 0, max: 1 } });
      await a.raw(`drop database if exists ${dbName} with (force)`);
      await a.destroy();
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
