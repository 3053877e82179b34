/**
 * Benchmark (not a test): what auditing costs.
 *
 *   npm run build && node dist/bench/audit.js
 *
 * 1. Replay: an instance of about 100 journal rows (a loop of a user task completed 12 times) is replayed
 *    to a random instant of its history, BENCH_REPLAYS times: p50 / p95 of reading its rows and
 *    re-executing them through the drive (src/audit/replay.ts), beside the baseline of reading the same
 *    rows without replaying.
 * 2. Chain verification: every row of BENCH_CHAIN_INSTANCES such instances (copies in SQL, each chained
 *    anew) is verified (src/audit/verify.ts: read in pages, SM3 recomputed, links checked): rows/s, beside
 *    the baseline of reading the same rows the same way without hashing.
 *
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a database of its own is
 * created and dropped), BENCH_REPLAYS (default 200), BENCH_CHAIN_INSTANCES (default 2000).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { replayTo } from '../src/audit/replay';
import { verifyJournal } from '../src/audit/verify';
import { loadConfig } from '../src/config';
import { Core, createCore } from '../src/core';
import { rowHash } from '../src/db/journal-hash';
import type { JournalRow } from '../src/db/tables';
import { BENCH_PII_KEY, intEnv } from './common';

const BASE_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const REPLAYS = intEnv('BENCH_REPLAYS', 200);
const CHAIN_INSTANCES = intEnv('BENCH_CHAIN_INSTANCES', 2000);
const COUNTY = 'benchshire';
const KEY = 'benchLoop';


const DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="defs_bench_audit" targetNamespace="http://example.org/hcp">
  <bpmn:process id="${KEY}" isExecutable="true">
    <bpmn:startEvent id="start" name="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:userTask id="work" name="办理" camunda:candidateGroups="处理中心" camunda:dueDate="2wd"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>fAgain</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="more" />
    <bpmn:exclusiveGateway id="more" name="more?" default="fDone"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>fAgain</bpmn:outgoing><bpmn:outgoing>fDone</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="fAgain" name="again" sourceRef="more" targetRef="work"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">\${environment.variables.again}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="fDone" name="done" sourceRef="more" targetRef="end" />
    <bpmn:endEvent id="end" name="end"><bpmn:incoming>fDone</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="p" bpmnElement="${KEY}">
    <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="work_di" bpmnElement="work"><dc:Bounds x="200" y="78" width="100" height="80" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="more_di" bpmnElement="more" isMarkerVisible="true"><dc:Bounds x="360" y="93" width="50" height="50" /></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="470" y="100" width="36" height="36" /></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="200" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="300" y="118" /><di:waypoint x="360" y="118" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="fAgain_di" bpmnElement="fAgain"><di:waypoint x="385" y="143" /><di:waypoint x="385" y="200" /><di:waypoint x="250" y="200" /><di:waypoint x="250" y="158" /></bpmndi:BPMNEdge>
    <bpmndi:BPMNEdge id="fDone_di" bpmnElement="fDone"><di:waypoint x="410" y="118" /><di:waypoint x="470" y="118" /></bpmndi:BPMNEdge>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
`;

const quiet = { log: () => undefined, warn: (m: string) => console.warn(`  warn: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };
const noTransport = { name: 'none', deliver: async () => undefined };
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main() {
  const dbName = `hcp_bench_${randomBytes(5).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: BASE_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${dbName}`);
  await admin.destroy();
  const url = new URL(BASE_URL);
  url.pathname = `/${dbName}`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-bench-audit-'));
  fs.mkdirSync(path.join(work, 'processes', COUNTY), { recursive: true });
  fs.mkdirSync(path.join(work, 'templates'), { recursive: true });
  fs.writeFileSync(path.join(work, 'processes', COUNTY, 'tenant.yaml'), 'name: 基准测试县\nregion: 测试省\ncalendar: [national]\n');
  fs.writeFileSync(path.join(work, 'processes', COUNTY, 'loop.bpmn'), DIAGRAM);
  const config = loadConfig(
    { CLOCK_CONTROL: 'true' },
    { databaseUrl: url.toString(), dataDir: path.join(work, 'data'), processesDir: path.join(work, 'processes'), templatesDir: path.join(work, 'templates'), schedulerEnabled: false, piiKey: BENCH_PII_KEY },
  );
  console.log(`bench/audit: PostgreSQL ${url.host}, database ${dbName}`);
  let core: Core | undefined;
  try {
    core = await createCore(config, quiet, { transport: noTransport });
    const knex = core.db.knex;
    let now = new Date('2026-11-02T09:00:00+08:00').getTime();
    core.clock.set(new Date(now));
    const inst = await core.runner.start({ countyId: COUNTY, processKey: KEY, actor: 'bench', variables: { again: true } });
    for (let i = 0; i < 12; i++) {
      now += 3 * 3600_000;
      core.clock.set(new Date(now));
      const task = await knex('tasks').where({ instance_id: inst.id, status: 'open' }).first();
      await core.runner.complete(task, 'bench', { again: i < 11, round: i });
    }
    const rows: JournalRow[] = await knex('journal').where({ instance_id: inst.id }).orderBy('seq');
    const first = new Date(rows[0].at).getTime();
    const last = new Date(rows[rows.length - 1].at).getTime();
    console.log(`  instance of ${rows.length} journal rows, ${rows.filter((r) => r.type === 'step.input').length} steps`);

    // 1. Replay to a random instant, beside reading the same rows.
    const deps = core.audit.deps;
    const read: number[] = [];
    const replay: number[] = [];
    const row = await knex('process_instances').where({ id: inst.id }).first();
    for (let i = 0; i < REPLAYS + 10; i++) {
      const at = new Date(first + Math.random() * (last - first));
      let t0 = performance.now();
      const r1: JournalRow[] = await knex('journal').where({ instance_id: inst.id }).orderBy('seq');
      const t1 = performance.now();
      await replayTo(deps, row, r1, { at });
      const t2 = performance.now();
      if (i >= 10) {
        read.push(t1 - t0);
        replay.push(t2 - t0);
      }
      t0 = t2;
    }
    console.log(`  replay to a random instant (${REPLAYS}×): p50 ${fmt(pct(replay, 50), 2)} ms, p95 ${fmt(pct(replay, 95), 2)} ms (rows read and re-executed; goal p50 ≤ 20 ms)`);
    console.log(`  baseline, reading the same rows:      p50 ${fmt(pct(read, 50), 2)} ms, p95 ${fmt(pct(read, 95), 2)} ms`);

    // 2. Chain verification throughput over copies of the instance, each chained anew.
    const t0 = performance.now();
    const copies: Array<Record<string, unknown>> = [];
    const heads: Array<Record<string, unknown>> = [];
    for (let c = 0; c < CHAIN_INSTANCES; c++) {
      const id = `${randomBytes(4).toString('hex')}-${randomBytes(2).toString('hex')}-4${randomBytes(2).toString('hex').slice(1)}-8${randomBytes(2).toString('hex').slice(1)}-${randomBytes(6).toString('hex')}`;
      let prev: string | null = null;
      for (const r of rows) {
        const copy = { instance_id: id, county_id: r.county_id, seq: r.seq, revision: r.revision, type: r.type, element_id: r.element_id, element_type: r.element_type, actor: r.actor, data: r.data, at: r.at, prev_hash: prev };
        const hash: string = rowHash(copy);
        prev = hash;
        copies.push({ ...copy, data: r.data === null ? null : JSON.stringify(r.data), hash });
      }
      heads.push({ instance_id: id, county_id: COUNTY, seq: rows.length, hash: prev, updated_at: rows[rows.length - 1].at });
      if (copies.length >= 5000 || c === CHAIN_INSTANCES - 1) {
        await knex.batchInsert('journal', copies.splice(0), 1000);
        await knex.batchInsert('journal_heads', heads.splice(0), 1000);
      }
    }
    await knex.raw('analyze journal');
    const total = Number((await knex('journal').where({ county_id: COUNTY }).count<{ n: string }[]>('id as n'))[0].n);
    console.log(`  ${fmt(total)} journal rows in ${fmt(CHAIN_INSTANCES + 1)} chains written in ${fmt((performance.now() - t0) / 1000, 1)} s`);

    // Baseline: the same pages read the same way (ids of the chains, heads, rows in (instance, seq) order), no hashing.
    const b0 = performance.now();
    const ids: string[] = (await knex('journal').where({ county_id: COUNTY }).distinct('instance_id').orderBy('instance_id')).map((r: { instance_id: string }) => r.instance_id);
    let readRows = 0;
    for (let i = 0; i < ids.length; i += 200) {
      const batch = ids.slice(i, i + 200);
      await knex('journal_heads').whereIn('instance_id', batch).select('instance_id', 'seq', 'hash');
      let after: { instance: string; seq: number } | undefined;
      for (;;) {
        const q = knex('journal').whereIn('instance_id', batch).orderBy([{ column: 'instance_id' }, { column: 'seq' }]).limit(5000);
        if (after) q.whereRaw('(instance_id, seq) > (?, ?)', [after.instance, after.seq]);
        const page = await q;
        readRows += page.length;
        if (page.length < 5000) break;
        after = { instance: page[page.length - 1].instance_id, seq: Number(page[page.length - 1].seq) };
      }
    }
    const baseSecs = (performance.now() - b0) / 1000;
    const v0 = performance.now();
    const result = await verifyJournal(knex, { county: COUNTY });
    const verifySecs = (performance.now() - v0) / 1000;
    if (result.status !== 'ok') throw new Error(`verification failed: ${JSON.stringify(result)}`);
    // Hashing alone, on rows already in memory.
    const mem: JournalRow[] = await knex('journal').where({ county_id: COUNTY }).orderBy([{ column: 'instance_id' }, { column: 'seq' }]).limit(200_000);
    const h0 = performance.now();
    for (const r of mem) rowHash(r);
    const hashSecs = (performance.now() - h0) / 1000;
    console.log(`  chain verification: ${fmt(result.rows)} rows in ${fmt(verifySecs, 2)} s = ${fmt(result.rows / verifySecs)} rows/s (read, SM3, links, heads; goal ≥ 200,000 rows/s)`);
    console.log(`  baseline, reading the same rows:  ${fmt(readRows)} rows in ${fmt(baseSecs, 2)} s = ${fmt(readRows / baseSecs)} rows/s`);
    console.log(`  SM3 of the canonical rows alone (in memory): ${fmt(mem.length / hashSecs)} rows/s`);
  } finally {
    await core?.close();
    fs.rmSync(work, { recursive: true, force: true });
    const a = knexFactory({ client: 'pg', connection: BASE_URL, pool: { min: 0, max: 1 } });
    await a.raw(`drop database if exists ${dbName} with (force)`);
    await a.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
