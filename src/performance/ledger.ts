/**
 * The performance ledger (绩效) of a period: read-only over cases, ratings and tasks.
 *
 * - 融安 第十条: every genuine archived case received in the period costs points by 附件1 category of
 *   its rating (tenant.yaml `performancePoints.perCategory`), to the target `performance` gives the
 *   category: attitude / quality / efficiency → the window's responsible person (the staff member the
 *   办件 names, else the 落实责任人 of the rectification), environment → the window (unit). A
 *   rectification that missed its deadline costs `lateRectification` more (how rectification went).
 * - 新华 第十二、十三条 and 四平 7.2: units and staff ranked by their ratings (好评率, then 差评率), the
 *   lowest listed for supervision (重点监督对象).
 */
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import { iso } from '../calendar/civil-date';
import { CATEGORY_NAMES, OptionCategory } from '../cases/catalogue';
import { deriveOutcome } from '../cases/outcome';
import { deductionsFor, performanceMap } from '../cases/performance';
import type { Clock } from '../clock';
import { ValidationError } from '../errors';
import type { Tenant, TenantRegistry } from '../tenants';
import { computeFigures } from '../bulletins/figures';
import { kindOfLabel, lastEnded, parsePeriod } from '../bulletins/periods';

type Row = Record<string, any>;

interface Points {
  perCategory: Partial<Record<OptionCategory, number>>;
  lateRectification: number;
}

export function pointsOf(tenant: Tenant): Points | null {
  const p = tenant.settings.performancePoints as { perCategory?: Record<string, unknown>; lateRectification?: unknown } | undefined;
  if (!p) return null;
  const perCategory: Partial<Record<OptionCategory, number>> = {};
  for (const [k, v] of Object.entries(p.perCategory ?? {})) {
    if (!(k in CATEGORY_NAMES) || typeof v !== 'number' || v < 0) throw new Error(`processes/${tenant.id}/tenant.yaml: performancePoints.perCategory.${k} must be a 附件1 category with points ≥ 0`);
    perCategory[k as OptionCategory] = v;
  }
  return { perCategory, lateRectification: typeof p.lateRectification === 'number' ? p.lateRectification : 0 };
}

const rate = (n: number, d: number) => (d ? Math.round((n / d) * 10000) / 10000 : null);

export class PerformanceLedger {
  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
  ) {}

  async ledger(user: User, countyId: string, periodLabel?: string) {
    const tenant = countyAllowing(this.tenants, user, countyId, 'performance.read');
    const label = periodLabel ?? lastEnded('monthly', this.clock.now()).label;
    const kind = kindOfLabel(label);
    const period = kind ? parsePeriod(kind, label) : undefined;
    if (!period) throw new ValidationError('period must be a month 2026-10, a quarter 2026-Q4, a half-year 2026-H2 or a year 2026', { field: 'period', reason: 'must look like 2026-10, 2026-Q4, 2026-H2 or 2026' });
    const now = this.clock.now();
    const unitNames = Object.fromEntries(tenant.units.map((u) => [u.id, u.name]));
    const [figures, staff, deductions] = await Promise.all([
      computeFigures(this.knex, countyId, period.from, period.to, now, null, unitNames),
      this.staffRanking(countyId, period.from, period.to),
      this.deductions(tenant, period.from, period.to),
    ]);
    return {
      county: countyId,
      period: label,
      from: iso(period.from),
      to: iso(period.to),
      units: figures.units.map((u) => ({ unitId: u.unitId, unitName: u.unitName, rank: u.rank, lowest: u.lowest, ratings: u.counted, goodRate: u.goodRate, badRate: u.badRate, onTimeRate: u.onTimeRate, overdue: u.overdue })),
      staff,
      supervision: {
        units: figures.units.filter((u) => u.lowest).map((u) => u.unitName),
        staff: staff.filter((s) => s.lowest).map((s) => `${s.staffName}（${s.unitName}）`),
      },
      deductions,
    };
  }

  /** Staff (the 办件's 被评价人) ranked like units. */
  private async staffRanking(countyId: string, from: Date, to: Date) {
    const rows: Row[] = await this.knex('evaluations as e')
      .join('service_cases as sc', 'sc.id', 'e.service_case_id')
      .leftJoin('cases as c', 'c.id', 'e.case_id')
      .where('e.county_id', countyId)
      .where('e.is_current', true)
      .where('e.rated_at', '>=', from)
      .where('e.rated_at', '<', to)
      .whereNotNull('sc.staff_name')
      .select('sc.staff_name', this.knex.raw("coalesce(sc.unit_id, '') as unit_id"), this.knex.raw('max(sc.unit_name) as unit_name'))
      .select(this.knex.raw("count(*) filter (where not (e.level <= 2 and coalesce(c.status, '') = 'revoked')) as counted"))
      .select(this.knex.raw('count(*) filter (where e.level >= 3) as good'))
      .select(this.knex.raw("count(*) filter (where e.level <= 2 and coalesce(c.status, '') <> 'revoked') as bad"))
      .groupBy('sc.staff_name')
      .groupByRaw("coalesce(sc.unit_id, '')");
    const list = rows
      .map((r) => ({ staffName: r.staff_name as string, unitId: r.unit_id as string, unitName: (r.unit_name as string) ?? r.unit_id, ratings: Number(r.counted), goodRate: rate(Number(r.good), Number(r.counted)), badRate: rate(Number(r.bad), Number(r.counted)), rank: 0, lowest: false }))
      .filter((s) => s.ratings > 0)
      .sort((a, b) => (b.goodRate ?? 0) - (a.goodRate ?? 0) || (a.badRate ?? 0) - (b.badRate ?? 0) || b.ratings - a.ratings || a.staffName.localeCompare(b.staffName));
    list.forEach((s, i) => (s.rank = i + 1));
    if (list.length > 1) list[list.length - 1].lowest = true;
    return list;
  }

  /** 第十条: points per genuine archived case, and the totals per window and per person. */
  private async deductions(tenant: Tenant, from: Date, to: Date) {
    const points = pointsOf(tenant);
    const map = performanceMap(tenant.settings);
    if (!points || typeof map === 'string') return null;
    const cases: Row[] = await this.knex('cases as c')
      .leftJoin('process_instances as i', 'i.id', 'c.instance_id')
      .where('c.county_id', tenant.id)
      .where('c.status', 'archived')
      .where('c.received_at', '>=', from)
      .where('c.received_at', '<', to)
      .select('c.id', 'c.case_no', 'c.unit_id', 'c.unit_name', 'c.staff_name', 'c.options', 'c.instance_id', 'c.received_at', 'i.variables')
      .select(this.knex.raw("exists (select 1 from tasks t where t.instance_id = c.instance_id and t.element_id ~* 'rectif' and t.due_at is not null and t.completed_at > t.due_at) as late"))
      .orderBy('c.received_at');
    const entries: Array<Record<string, unknown>> = [];
    const byUnit = new Map<string, { unitId: string; unitName: string; points: number; cases: number }>();
    const byPerson = new Map<string, { person: string; unitId: string; unitName: string; points: number; cases: number }>();
    for (const c of cases) {
      const vars = (typeof c.variables === 'string' ? JSON.parse(c.variables) : c.variables) ?? {};
      if (deriveOutcome(vars) && deriveOutcome(vars) !== 'genuine') continue;
      const options = (typeof c.options === 'string' ? JSON.parse(c.options) : c.options) ?? [];
      const unitName = (tenant.units.find((u) => u.id === c.unit_id)?.name ?? c.unit_name ?? c.unit_id) as string;
      const person = (c.staff_name as string | null) || (vars.responsiblePerson as string | undefined) || '（未登记责任人）';
      const lines = deductionsFor(options, map).map((d) => {
        const pts = d.categories.reduce((s, cat) => s + (points.perCategory[cat as OptionCategory] ?? 0), 0);
        return { target: d.target, who: d.target === 'staff' ? person : unitName, categories: d.categories.map((cat) => CATEGORY_NAMES[cat as OptionCategory] ?? cat), codes: d.codes, points: pts };
      });
      if (c.late && lines.length && points.lateRectification) {
        lines[0] = { ...lines[0], points: lines[0].points + points.lateRectification, categories: [...lines[0].categories, '未按期整改'] };
      }
      for (const l of lines) {
        if (l.target === 'staff') {
          const k = `${c.unit_id}\u0000${person}`;
          const p = byPerson.get(k) ?? { person, unitId: c.unit_id, unitName, points: 0, cases: 0 };
          p.points += l.points;
          p.cases += 1;
          byPerson.set(k, p);
        } else {
          const u = byUnit.get(c.unit_id) ?? { unitId: c.unit_id, unitName, points: 0, cases: 0 };
          u.points += l.points;
          u.cases += 1;
          byUnit.set(c.unit_id, u);
        }
      }
      entries.push({ caseId: c.id, caseNo: c.case_no, unitId: c.unit_id, unitName, receivedAt: iso(c.received_at), lateRectification: Boolean(c.late), recordedPoints: vars.deductionPoints ?? null, lines });
    }
    return {
      rule: '融安县 第十条: 服务态度、服务质量、服务效率 → 业务窗口责任人；服务环境 → 业务窗口',
      points,
      cases: entries,
      windows: [...byUnit.values()].sort((a, b) => b.points - a.points || a.unitId.localeCompare(b.unitId)),
      persons: [...byPerson.values()].sort((a, b) => b.points - a.points || a.person.localeCompare(b.person)),
    };
  }
}
