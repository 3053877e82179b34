/**
 * The figures of a bulletin, aggregated in SQL (one GROUP BY over the ratings of the period, one over
 * its cases), then ranked here. Read-only: shared by bulletins, the performance ledger and the bench.
 *
 * How the seeds count:
 * - 好评率 = (非常满意 + 满意 + 基本满意) / ratings counted; 差评率 = (不满意 + 非常不满意) / ratings counted
 *   (003 三(一)9);
 * - a rating not given within 7 days is 基本满意 (002 第七条, 004 6.4): defaults are counted as such, and
 *   shown apart (主动评价 vs 默认评价);
 * - a bad review found mistaken or malicious is not adopted (不予采纳并纠正, 003 二(二)3; 004): its case is
 *   revoked and the rating leaves both the bad reviews and the ratings counted;
 * - 按时整改率: of the cases whose rectification finished, those whose every rectification task finished
 *   by its deadline; 回访率: of the cases not revoked, those whose evaluator was called back after the
 *   rectification (a callback or feedback task completed; the first verifying call 回访核实 is not one); overdue: a task past its deadline (open, or completed late).
 */
import type { Knex } from 'knex';
import { shanghaiDate } from '../calendar/civil-date';

export interface Counts {
  total: number;
  byLevel: Record<'5' | '4' | '3' | '2' | '1', number>;
  active: number;
  defaults: number;
  revoked: number;
  /** Ratings counted: total less the revoked. */
  counted: number;
  good: number;
  bad: number;
  goodRate: number | null;
  badRate: number | null;
}

export interface CaseCounts {
  cases: number;
  /** Cases of the period revoked (appeal upheld). */
  revokedCases: number;
  rectified: number;
  rectifiedOnTime: number;
  onTimeRate: number | null;
  calledBack: number;
  callbackRate: number | null;
  overdue: number;
}

export interface UnitFigures extends Counts, CaseCounts {
  unitId: string;
  unitName: string;
  rank: number | null;
  lowest: boolean;
}

export interface Figures {
  totals: Counts & CaseCounts;
  byChannel: Array<Counts & { channel: string }>;
  units: UnitFigures[];
  channels: string[] | null;
}

const rate = (n: number, d: number) => (d ? Math.round((n / d) * 10000) / 10000 : null);

function emptyCounts(): Counts {
  return { total: 0, byLevel: { '5': 0, '4': 0, '3': 0, '2': 0, '1': 0 }, active: 0, defaults: 0, revoked: 0, counted: 0, good: 0, bad: 0, goodRate: null, badRate: null };
}

function emptyCases(): CaseCounts {
  return { cases: 0, revokedCases: 0, rectified: 0, rectifiedOnTime: 0, onTimeRate: null, calledBack: 0, callbackRate: null, overdue: 0 };
}

function addRow(c: Counts, r: Record<string, unknown>): void {
  for (const l of ['5', '4', '3', '2', '1'] as const) c.byLevel[l] += Number(r[`l${l}`]);
  c.total += Number(r.n);
  c.defaults += Number(r.defaults);
  c.revoked += Number(r.revoked);
}

function finish<T extends Counts>(c: T): T {
  c.active = c.total - c.defaults;
  c.counted = c.total - c.revoked;
  c.good = c.byLevel['5'] + c.byLevel['4'] + c.byLevel['3'];
  c.bad = c.byLevel['2'] + c.byLevel['1'] - c.revoked;
  c.goodRate = rate(c.good, c.counted);
  c.badRate = rate(c.bad, c.counted);
  return c;
}

function finishCases<T extends CaseCounts>(c: T): T {
  c.onTimeRate = rate(c.rectifiedOnTime, c.rectified);
  c.callbackRate = rate(c.calledBack, c.cases - c.revokedCases);
  return c;
}

/**
 * The ratings of [from, to) by unit and channel, read from the daily rollup rating_daily and the deltas
 * not yet compacted (migrations/20261205020000_rating_daily.ts): a month is ~31 × units × channels ×
 * levels rows, whatever the number of ratings. from and to are Shanghai midnights (every bulletin period is).
 */
export async function ratingRows(knex: Knex, countyId: string, from: Date, to: Date, channels: string[] | null) {
  const cols = ['county_id', 'day', 'unit_id', 'channel', 'level', 'is_default', 'revoked', 'n'];
  const both = knex.raw(`(select ${cols.join(', ')} from rating_daily union all select ${cols.join(', ')} from rating_daily_delta) as d`);
  const q = knex
    .from(both)
    .where('d.county_id', countyId)
    .where('d.day', '>=', shanghaiDate(from))
    .where('d.day', '<', shanghaiDate(to))
    .select('d.unit_id', knex.raw('null as unit_name'), 'd.channel')
    .select(knex.raw('sum(d.n) as n'))
    .select(knex.raw('coalesce(sum(d.n) filter (where d.level = 5), 0) as l5, coalesce(sum(d.n) filter (where d.level = 4), 0) as l4, coalesce(sum(d.n) filter (where d.level = 3), 0) as l3'))
    .select(knex.raw('coalesce(sum(d.n) filter (where d.level = 2), 0) as l2, coalesce(sum(d.n) filter (where d.level = 1), 0) as l1'))
    .select(knex.raw('coalesce(sum(d.n) filter (where d.is_default), 0) as defaults'))
    .select(knex.raw('coalesce(sum(d.n) filter (where d.level <= 2 and d.revoked), 0) as revoked'))
    .groupBy('d.unit_id', 'd.channel');
  if (channels) q.whereIn('d.channel', channels);
  return q;
}

/** The same figures straight from the ratings (the bench's check of the rollup, and its slow baseline). */
export async function ratingRowsRaw(knex: Knex, countyId: string, from: Date, to: Date, channels: string[] | null) {
  const q = knex('evaluations as e')
    .join('service_cases as sc', 'sc.id', 'e.service_case_id')
    .leftJoin('cases as c', 'c.id', 'e.case_id')
    .where('e.county_id', countyId)
    .where('e.is_current', true)
    .where('e.rated_at', '>=', from)
    .where('e.rated_at', '<', to)
    .select(knex.raw("coalesce(sc.unit_id, '') as unit_id"), knex.raw('null as unit_name'), 'e.channel')
    .select(knex.raw('count(*) as n'))
    .select(knex.raw('count(*) filter (where e.level = 5) as l5, count(*) filter (where e.level = 4) as l4, count(*) filter (where e.level = 3) as l3'))
    .select(knex.raw('count(*) filter (where e.level = 2) as l2, count(*) filter (where e.level = 1) as l1'))
    .select(knex.raw('count(*) filter (where e.is_default) as defaults'))
    .select(knex.raw("count(*) filter (where e.level <= 2 and c.status = 'revoked') as revoked"))
    .groupByRaw("coalesce(sc.unit_id, ''), e.channel");
  if (channels) q.whereIn('e.channel', channels);
  return q;
}

/** The cases received in [from, to) by unit (one query). */
export async function caseRows(knex: Knex, countyId: string, from: Date, to: Date, now: Date) {
  const rectify = "t.instance_id = c.instance_id and t.element_id ~* 'rectif'";
  return knex('cases as c')
    .where('c.county_id', countyId)
    .where('c.received_at', '>=', from)
    .where('c.received_at', '<', to)
    .select(knex.raw("coalesce(c.unit_id, '') as unit_id"), knex.raw('max(c.unit_name) as unit_name'))
    .select(knex.raw('count(*) as cases'))
    .select(knex.raw("count(*) filter (where c.status = 'revoked') as revoked"))
    .select(knex.raw(`count(*) filter (where exists (select 1 from tasks t where ${rectify} and t.status = 'completed')) as rectified`))
    .select(
      knex.raw(
        `count(*) filter (where exists (select 1 from tasks t where ${rectify} and t.status = 'completed') and not exists (select 1 from tasks t where ${rectify} and t.due_at is not null and (t.completed_at > t.due_at or (t.status = 'open' and t.due_at < ?)))) as on_time`,
        [now],
      ),
    )
    .select(knex.raw(`count(*) filter (where c.status <> 'revoked' and exists (select 1 from tasks t where t.instance_id = c.instance_id and t.element_id ~* '(callback|feedback)' and t.element_id !~* 'verify' and t.status = 'completed')) as called_back`))
    .select(knex.raw(`count(*) filter (where exists (select 1 from tasks t where t.instance_id = c.instance_id and t.due_at is not null and (t.completed_at > t.due_at or (t.status = 'open' and t.due_at < ?)))) as overdue`, [now]))
    .groupByRaw("coalesce(c.unit_id, '')");
}

/**
 * Everything a bulletin shows. Units ranked by 好评率 (high first), then 差评率 (low first), then ratings
 * (more first); units without ratings are listed unranked; the lowest ranked is flagged for supervision
 * (新华 第十三条, 四平 7.2).
 */
export async function computeFigures(knex: Knex, countyId: string, from: Date, to: Date, now: Date, channels: string[] | null, unitNames: Record<string, string>): Promise<Figures> {
  const [ratings, cases] = await Promise.all([ratingRows(knex, countyId, from, to, channels), caseRows(knex, countyId, from, to, now)]);
  const totals = { ...emptyCounts(), ...emptyCases() };
  const channelMap = new Map<string, Counts & { channel: string }>();
  const units = new Map<string, UnitFigures>();
  const unit = (id: string, name: string | null) => {
    let u = units.get(id);
    if (!u) {
      u = { unitId: id, unitName: unitNames[id] ?? name ?? (id || '（未登记单位）'), ...emptyCounts(), ...emptyCases(), rank: null, lowest: false };
      units.set(id, u);
    }
    return u;
  };
  for (const r of ratings as Array<Record<string, unknown>>) {
    addRow(totals, r);
    const ch = String(r.channel);
    if (!channelMap.has(ch)) channelMap.set(ch, { channel: ch, ...emptyCounts() });
    addRow(channelMap.get(ch)!, r);
    addRow(unit(String(r.unit_id), r.unit_name as string | null), r);
  }
  for (const r of cases as Array<Record<string, unknown>>) {
    const u = unit(String(r.unit_id), r.unit_name as string | null);
    if (u.unitName === u.unitId && r.unit_name) u.unitName = String(r.unit_name);
    for (const target of [u, totals]) {
      target.cases += Number(r.cases);
      target.revokedCases += Number(r.revoked);
      target.rectified += Number(r.rectified);
      target.rectifiedOnTime += Number(r.on_time);
      target.calledBack += Number(r.called_back);
      target.overdue += Number(r.overdue);
    }
  }
  finishCases(finish(totals));
  for (const u of units.values()) finishCases(finish(u));
  const ranked = [...units.values()].filter((u) => u.counted > 0).sort((a, b) => (b.goodRate ?? 0) - (a.goodRate ?? 0) || (a.badRate ?? 0) - (b.badRate ?? 0) || b.counted - a.counted || a.unitId.localeCompare(b.unitId));
  ranked.forEach((u, i) => (u.rank = i + 1));
  if (ranked.length > 1) ranked[ranked.length - 1].lowest = true;
  const unranked = [...units.values()].filter((u) => u.counted === 0).sort((a, b) => a.unitId.localeCompare(b.unitId));
  return {
    totals,
    byChannel: [...channelMap.values()].map((c) => finish(c)).sort((a, b) => b.total - a.total || a.channel.localeCompare(b.channel)),
    units: [...ranked, ...unranked],
    channels,
  };
}
