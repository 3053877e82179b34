/**
 * The task inbox at a million open tasks over the five counties, on PostgreSQL: p50/p99 of one page of
 * a county's candidate group (处理中心 of 柳东, or a unit) through TaskService.list (page + capped count),
 * beside the page query alone, and beside the inbox as it was before migrations/20261202000000 (exact
 * count, offset, no partial index: the new indexes dropped inside a transaction rolled back after), in the
 * same run. Database CPU per call from /proc of the one backend the benchmark uses.
 *
 *   npm run build && node dist/bench/inbox.js        (BENCH_INBOX_DB=bench14_inbox BENCH_INBOX_TASKS=1000000)
 *
 * The database is kept between runs (seeding a million tasks takes minutes): drop it by hand.
 */
import * as path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { loadConfig } from '../src/config';
import { createCore } from '../src/core';
import { silentLogger } from '../src/log';
import { BASE_URL, ROOT, fmt, percentile, processCpuMs } from './common';

/** Fixed: the database is kept between runs, and its settings remember the key. */
const INBOX_PII_KEY = Buffer.alloc(32, 14).toString('base64');

const DB = process.env.BENCH_INBOX_DB ?? 'bench14_inbox';
const TASKS = Number(process.env.BENCH_INBOX_TASKS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_INBOX_REPEAT ?? 200);
const GROUPS = ['处理中心', '政管办领导', 'unit-01', 'unit-02', 'unit-03', 'unit-04', 'unit-05', 'unit-06', 'unit-07', 'unit-08'];

async function ensureDatabase(): Promise<string> {
  const admin = knexFactory({ client: 'pg', connection: BASE_URL, pool: { min: 0, max: 1 } });
  const exists = await admin('pg_database').where({ datname: DB }).first();
  if (!exists) await admin.raw(`create database ${DB}`);
  await admin.destroy();
  const u = new URL(BASE_URL);
  u.pathname = `/${DB}`;
  return u.toString();
}

async function seed(knex: Knex): Promise<void> {
  const have = Number((await knex('tasks').where({ status: 'open' }).count({ n: '*' }))[0].n);
  if (have >= TASKS) return;
  console.log(`seeding ${TASKS} open tasks (have ${have}) …`);
  const t0 = performance.now();
  const defs = await knex('process_definitions').select('id', 'county_id', 'process_key');
  const counties = [...new Set(defs.map((d) => d.county_id))].sort();
  const instances = TASKS / 5;
  await knex.raw(`delete from tasks where element_id like 'bench-%'`);
  await knex.raw(`delete from process_instances where started_by = 'bench'`);
  const perCounty = instances / counties.length;
  for (const [ci, county] of counties.entries()) {
    const def = defs.find((d) => d.county_id === county)!;
    await knex.raw(
      `insert into process_instances (id, county_id, definition_id, process_key, business_key, status, revision, variables, started_by, started_at, updated_at)
       select gen_random_uuid(), ?, ?, ?, 'bench-' || ? || '-' || g, 'running', 1, '{}'::jsonb, 'bench', now() - (g % 1000) * interval '1 minute', now()
       from generate_series(1, ?) g`,
      [county, def.id, def.process_key, ci, perCounty],
    );
  }
  // Five open tasks an instance, one candidate group each (one in fifty with two), due over the next 60 days (one in twenty without).
  await knex.raw(
    `insert into tasks (id, instance_id, county_id, execution_id, element_id, name, candidate_groups, status, created_at, due_at)
     select gen_random_uuid(), i.id, i.county_id, 'bench-' || i.id || '-' || k, 'bench-task-' || k, 'bench task',
            case when random() < 0.02 then jsonb_build_array((?::text[])[1 + floor(random() * 10)::int], (?::text[])[1 + floor(random() * 10)::int])
                 else jsonb_build_array((?::text[])[1 + floor(random() * 10)::int]) end,
            'open', now() - random() * interval '30 days',
            case when random() < 0.05 then null else now() + random() * interval '60 days' end
     from process_instances i cross join generate_series(1, 5) k where i.started_by = 'bench'`,
    [GROUPS, GROUPS, GROUPS],
  );
  await knex.raw('vacuum analyze tasks');
  await knex.raw('vacuum analyze process_instances');
  console.log(`seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** CPU (ms) of every backend connected to the benchmark's database (this process's pool only). */
let backends: () => Promise<number>;

async function measure(label: string, _unused: number, fn: () => Promise<unknown>, n = REPEAT): Promise<{ label: string; p50: number; p99: number; cpu: number }> {
  for (let i = 0; i < 5; i++) await fn(); // warm
  const lat: number[] = [];
  const cpu0 = await backends();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    lat.push(performance.now() - s);
  }
  const cpu = ((await backends()) - cpu0) / n;
  const r = { label, p50: percentile(lat, 50), p99: percentile(lat, 99), cpu };
  console.log(`${label.padEnd(62)} p50 ${fmt(r.p50, 1)} ms   p99 ${fmt(r.p99, 1)} ms   db CPU ${fmt(r.cpu, 2)} ms/call`);
  return r;
}

async function main() {
  const url = await ensureDatabase();
  const config = loadConfig(
    { PII_KEY: INBOX_PII_KEY, SCHEDULER: 'false' },
    { databaseUrl: url, processesDir: path.join(ROOT, 'processes'), templatesDir: path.join(ROOT, 'templates'), schedulerEnabled: false, port: 0 },
  );
  const core = await createCore(config, silentLogger);
  const knex = core.db.knex;
  await seed(knex);
  const open = Number((await knex('tasks').where({ status: 'open' }).count({ n: '*' }))[0].n);
  console.log(`inbox benchmark: ${open} open tasks over ${(await knex('tasks').distinct('county_id')).length} counties, ${REPEAT} calls each`);
  await core.close();

  const single = await createCore({ ...config }, silentLogger);
  const k1 = single.db.knex;
  const pid = 0;
  backends = async () => {
    const pids: Array<{ pid: number }> = (await k1.raw('select pid from pg_stat_activity where datname = ? and pid <> pg_backend_pid()', [DB])).rows;
    const own = Number((await k1.raw('select pg_backend_pid() as pid')).rows[0].pid);
    let ms = 0;
    for (const p of [...pids.map((r) => r.pid), own]) {
      try {
        ms += processCpuMs(p);
      } catch {
        /* ended */
      }
    }
    return ms;
  };
  const user = { id: 'bench-staff', name: 'bench', roles: ['staff', '处理中心'], counties: ['liudong'], units: [] };
  const filter = { county: 'liudong', candidateGroup: '处理中心', limit: 50 };

  const first = await single.tasks.list(user, filter);
  console.log(`  first page: ${first.items.length} items, total ${first.total}${first.totalIsCapped ? ' (capped)' : ''}`);
  const rows: Array<Awaited<ReturnType<typeof measure>>> = [];
  rows.push(await measure('TaskService.list, 处理中心 of liudong, first page', pid, () => single.tasks.list(user, filter)));
  // A deep page through the key of page 100.
  let after: string | undefined;
  for (let p = 0; p < 100; p++) after = (await single.tasks.list(user, { ...filter, after })).next ?? undefined;
  rows.push(await measure('TaskService.list, 处理中心 of liudong, page 101 (after)', pid, () => single.tasks.list(user, { ...filter, after })));
  rows.push(await measure('TaskService.list, a unit of liudong (unit-03), first page', pid, () => single.tasks.list({ ...user, roles: ['staff', 'unit-03'] }, { ...filter, candidateGroup: 'unit-03' })));
  const pageSql = `select t.*, i.business_key from tasks t join process_instances i on i.id = t.instance_id
     where t.status = 'open' and t.county_id = 'liudong' and (t.candidate_groups ->> 0) = '处理中心'
     order by coalesce(t.due_at, 'infinity'::timestamptz), t.created_at, t.id limit 51`;
  rows.push(await measure('page query alone (partial index)', pid, () => k1.raw(pageSql)));

  // Before: the inbox's old queries (exact count, offset, @> filter) with only the old indexes.
  const oldFilter = `from tasks t join process_instances i on i.id = t.instance_id where t.county_id in ('liudong') and t.county_id = 'liudong' and t.status = 'open' and t.candidate_groups @> '["处理中心"]'::jsonb`;
  await k1.transaction(async (trx) => {
    for (const ix of ['tasks_open_county_ix', 'tasks_open_group_ix', 'tasks_open_assignee_ix', 'tasks_open_multi_group_ix']) await trx.raw(`drop index ${ix}`);
    const oldList = async (offset: number) => {
      await trx.raw(`select count(t.id) ${oldFilter}`);
      await trx.raw(`select t.*, i.business_key ${oldFilter} order by t.due_at asc nulls last, t.created_at, t.id limit 50 offset ${offset}`);
    };
    rows.push(await measure('BEFORE: old list (exact count + offset page), first page', pid, () => oldList(0), Math.min(REPEAT, 20)));
    rows.push(await measure('BEFORE: old list, page 101 (offset 5000)', pid, () => oldList(5000), Math.min(REPEAT, 20)));
    rows.push(await measure('BEFORE: old page query alone (no count)', pid, () => trx.raw(`select t.*, i.business_key ${oldFilter} order by t.due_at asc nulls last, t.created_at, t.id limit 50`), Math.min(REPEAT, 20)));
    await trx.rollback();
  }).catch((err) => {
    if (!/rollback/i.test(String(err?.message ?? err)) && err !== undefined) throw err;
  });
  await single.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
