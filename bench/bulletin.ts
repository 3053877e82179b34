/**
 * Benchmark (not a test): the monthly bulletin of a county over 10 million ratings, beside a bare
 * count(*) of the same ratings in the same run.
 *
 *   npm run build && node dist/bench/bulletin.js
 *   npm run build && BENCH_RATINGS=1000000 node dist/bench/bulletin.js     # a quick run
 *
 * Environment:
 *   DATABASE_URL     PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres); the benchmark
 *                    creates a database of its own (hcp_bench_<random>) and drops it at the end
 *   BENCH_RATINGS    ratings to generate (default 10000000), all in October 2026, one 办件 each, over 20 units
 *                    and 6 channels; 1 in 25 bad, of which 1 in 10 revoked; 1 in 8 the 7-day default
 *   BENCH_KEEP_DB=1  keep the database afterwards
 *
 * The ratings are loaded in SQL (generate_series) with the rollup triggers off, then the rollup is filled
 * by the statement of its migration, as an existing installation gets it; the per-rating cost of the
 * triggers is measured apart on BENCH_TRIGGER_SAMPLE (default 20000) ratings inserted with them on.
 * Measured: the bare count(*) of the month's ratings (the floor of anything that reads them), the
 * bulletin's figures from the rollup (what the service runs: computeFigures), and the same figures
 * aggregated from the ratings themselves, checked equal to the rollup's.
 */
import * as os from 'node:os';
import { openDatabase } from '../src/db/database';
import { computeFigures, ratingRows, ratingRowsRaw } from '../src/bulletins/figures';
import { BASE_URL, scratchDatabase } from './common';

const N = Number(process.env.BENCH_RATINGS ?? 10_000_000);
const SAMPLE = Number(process.env.BENCH_TRIGGER_SAMPLE ?? 20_000);
const COUNTY = 'benchshire';
const FROM = new Date('2026-09-30T16:00:00Z'); // 2026-10-01 00:00 Asia/Shanghai
const TO = new Date('2026-10-31T16:00:00Z');
const CHUNK = 1_000_000;

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t = process.hrtime.bigint();
  const r = await f();
  return [r, Number(process.hrtime.bigint() - t) / 1e6];
}

async function best<T>(runs: number, f: () => Promise<T>): Promise<[T, number, number[]]> {
  const times: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const [r, ms] = await timed(f);
    last = r;
    times.push(ms);
  }
  return [last, Math.min(...times), times];
}

async function main() {
  const scratch = await scratchDatabase();
  const db = await openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), poolMax: 4 });
  const knex = db.knex;
  console.log(`bulletin bench: ${N.toLocaleString()} ratings, database ${scratch.url.replace(/\/\/[^@]*@/, '//')} (server ${new URL(BASE_URL).host})`);
  try {
    await db.migrate();
    await knex('counties').insert({ id: COUNTY, name: '基准县', region: 'bench', settings: '{}', updated_at: new Date() });
    await knex.raw('alter table evaluations disable trigger rating_daily_evaluations');
    await knex.raw('alter table cases disable trigger rating_daily_cases');
    // Loading: the unique keys and indexes of the two big tables (not their primary keys) are dropped and built again afterwards (one
    // sort each instead of 10 million random inserts); what is measured runs with all of them in place.
    const constraints: Array<{ table: string; name: string; def: string }> = (
      await knex.raw(`select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid in ('evaluations'::regclass, 'service_cases'::regclass) and contype = 'u'`)
    ).rows;
    const indexes: Array<{ name: string; def: string }> = (
      await knex.raw(`select indexname as name, indexdef as def from pg_indexes where tablename in ('evaluations', 'service_cases') and indexname not in (select conname from pg_constraint where contype in ('p', 'u'))`)
    ).rows;
    for (const i of indexes) await knex.raw(`drop index ${i.name}`);
    for (const c of constraints) await knex.raw(`alter table ${c.table} drop constraint ${c.name}`);
    const [, loadMs] = await timed(async () => {
      for (let a = 1; a <= N; a += CHUNK) {
        const b = Math.min(N, a + CHUNK - 1);
        // One 办件 per rating: 20 units, rated through October (seconds spread over the month).
        await knex.raw(
          `insert into service_cases (id, county_id, case_no, service_code, service_name, unit_id, unit_name, mode, accepted_at, completed_at, default_pending, registered_by, registered_at, updated_at)
           select md5('sc' || g)::uuid, ?, 'B-' || g, 'S-' || (g % 50), '事项' || (g % 50), 'u' || (g % 20), '单位' || (g % 20), 'on-site',
                  ?::timestamptz + ((g * 2677) % 2678400) * interval '1 second', ?::timestamptz + ((g * 2677) % 2678400) * interval '1 second', false, 'bench', now(), now()
             from generate_series(?::bigint, ?::bigint) g`,
          [COUNTY, FROM, FROM, a, b],
        );
        await knex.raw(
          `insert into evaluations (id, county_id, service_case_id, case_no, level, channel, options, rated_at, received_at, is_default, is_current, created_by, case_id)
           select md5('ev' || g)::uuid, ?, md5('sc' || g)::uuid, 'B-' || g,
                  case when g % 8 = 0 then 3 when g % 25 = 1 then 1 + (g % 2) else 3 + (g % 3) end,
                  case when g % 8 = 0 then '7' else (array['1','2','3','4','5','12345'])[1 + g % 6] end,
                  '[]'::jsonb, ?::timestamptz + ((g * 2677) % 2678400) * interval '1 second', now(), g % 8 = 0, true, 'bench',
                  case when g % 8 <> 0 and g % 25 = 1 then md5('case' || g)::uuid end
             from generate_series(?::bigint, ?::bigint) g`,
          [COUNTY, FROM, a, b],
        );
        // The cases of the bad ratings, 1 in 10 revoked.
        await knex.raw(
          `insert into cases (id, county_id, kind, evaluation_id, options, received_at, process_key, status, status_at, created_by, unit_id, unit_name)
           select md5('case' || g)::uuid, ?, 'system-pushed', md5('ev' || g)::uuid, '[]'::jsonb, now(), 'bench', case when g % 250 = 1 then 'revoked' else 'archived' end, now(), 'bench', 'u' || (g % 20), '单位' || (g % 20)
             from generate_series(?::bigint, ?::bigint) g where g % 8 <> 0 and g % 25 = 1`,
          [COUNTY, a, b],
        );
        process.stdout.write(`  loaded ${b.toLocaleString()}\r`);
      }
    });
    const [, indexMs] = await timed(async () => {
      for (const c of constraints) await knex.raw(`alter table ${c.table} add constraint ${c.name} ${c.def}`);
      for (const i of indexes) await knex.raw(i.def);
    });
    console.log(`\nload: ${(loadMs / 1000).toFixed(1)} s, keys and indexes built again: ${(indexMs / 1000).toFixed(1)} s`);
    const [, rollupMs] = await timed(() =>
      knex.raw(`
        insert into rating_daily (county_id, day, unit_id, channel, level, is_default, revoked, n)
        select e.county_id, (e.rated_at at time zone 'Asia/Shanghai')::date, coalesce(sc.unit_id, ''), e.channel, e.level, e.is_default, coalesce(c.status = 'revoked', false), count(*)
          from evaluations e join service_cases sc on sc.id = e.service_case_id left join cases c on c.id = e.case_id
         where e.is_current
         group by 1, 2, 3, 4, 5, 6, 7`),
    );
    await knex.raw('alter table evaluations enable trigger rating_daily_evaluations');
    await knex.raw('alter table cases enable trigger rating_daily_cases');
    await knex.raw('vacuum analyze evaluations');
    await knex.raw('vacuum analyze service_cases');
    await knex.raw('vacuum analyze cases');
    await knex.raw('vacuum analyze rating_daily');
    const [{ rows: [{ n: buckets }] }] = [await knex.raw('select count(*) as n from rating_daily')];
    console.log(`rollup filled from the ratings (the migration's statement): ${(rollupMs / 1000).toFixed(1)} s, ${Number(buckets).toLocaleString()} day buckets`);

    const [count, countMs, countRuns] = await best(3, async () => (await knex.raw('select count(*) as n from evaluations where county_id = ? and is_current and rated_at >= ? and rated_at < ?', [COUNTY, FROM, TO])).rows[0].n);
    const unitNames = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`u${i}`, `单位${i}`]));
    const [figures, bulletinMs, bulletinRuns] = await best(3, () => computeFigures(knex, COUNTY, FROM, TO, TO, null, unitNames));
    const [rollRows, rollMs] = await best(3, () => ratingRows(knex, COUNTY, FROM, TO, null));
    const [rawRows, rawMs] = await best(1, () => ratingRowsRaw(knex, COUNTY, FROM, TO, null));
    const key = (r: Record<string, unknown>) => `${r.unit_id}|${r.channel}`;
    const norm = (rows: Array<Record<string, unknown>>) =>
      Object.fromEntries(rows.map((r) => [key(r), ['n', 'l5', 'l4', 'l3', 'l2', 'l1', 'defaults', 'revoked'].map((k) => Number(r[k])).join(',')]));
    const same = JSON.stringify(Object.entries(norm(rollRows)).sort()) === JSON.stringify(Object.entries(norm(rawRows)).sort());
    if (!same) throw new Error('the rollup and the ratings disagree');
    if (Number(count) !== figures.totals.total) throw new Error(`count(*) ${count} and the bulletin's total ${figures.totals.total} differ`);

    // The triggers' price per rating: the same insert with them on and off.
    const insertSample = () =>
      knex.raw(
        `insert into evaluations (id, county_id, service_case_id, case_no, level, channel, options, rated_at, received_at, is_default, is_current, created_by)
         select gen_random_uuid(), ?, md5('tsc' || g)::uuid, 'T-' || g, 4, '1', '[]'::jsonb, ?::timestamptz + g * interval '1 second', now(), false, true, 'bench'
           from generate_series(1, ?) g`,
        [COUNTY, FROM, SAMPLE],
      );
    const [, trigMs] = await timed(insertSample);
    await knex.raw("delete from evaluations where created_by = 'bench' and case_no like 'T-%'");
    await knex.raw('alter table evaluations disable trigger rating_daily_evaluations');
    const [, plainMs] = await timed(insertSample);
    await knex.raw('alter table evaluations enable trigger rating_daily_evaluations');

    console.log('');
    console.log(`ratings in October (bare count(*)):          ${Number(count).toLocaleString()} in ${countMs.toFixed(0)} ms (runs ${countRuns.map((t) => t.toFixed(0)).join(', ')} ms)`);
    console.log(`monthly bulletin (computeFigures, rollup):   ${bulletinMs.toFixed(0)} ms (runs ${bulletinRuns.map((t) => t.toFixed(0)).join(', ')} ms); 好评率 ${figures.totals.goodRate}, 差评率 ${figures.totals.badRate}, ${figures.units.length} units ranked`);
    console.log(`  of which the ratings part from the rollup: ${rollMs.toFixed(0)} ms`);
    console.log(`same figures straight from the ratings:      ${rawMs.toFixed(0)} ms (equal to the rollup's: ${same})`);
    console.log(`trigger cost: ${SAMPLE.toLocaleString()} ratings inserted in ${trigMs.toFixed(0)} ms with the rollup triggers, ${plainMs.toFixed(0)} ms without (${(((trigMs - plainMs) * 1000) / SAMPLE).toFixed(1)} µs a rating)`);
    console.log(`goal ≤ 2000 ms: ${bulletinMs <= 2000 ? 'met' : 'missed'}`);
  } finally {
    await db.close();
    if (process.env.BENCH_KEEP_DB !== '1') await scratch.drop();
    else console.log(`kept ${scratch.url}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
