/**
 * The `deductionTargets` service (融安 第十条): whose performance points a confirmed bad review costs
 * follows from the rating's 附件1 option codes, not from a choice in a form. tenant.yaml `performance`
 * maps categories to targets (staff: the window's responsible person; window: the window itself). The
 * result lands in the case's variables (`deductions`), one entry per target with the categories and codes
 * behind it, so a ledger can add them up per person and per window.
 */
import type { ServiceDefinition } from '../engine/services';
import type { TenantRegistry } from '../tenants';

export type DeductionTarget = 'staff' | 'window';

export interface Deduction {
  target: DeductionTarget;
  categories: string[];
  codes: string[];
}

/** tenant.yaml `performance`: {staff: [categories], window: [categories]}, or the reason it is not usable. */
export function performanceMap(settings: Record<string, unknown> | undefined): Map<string, DeductionTarget> | string {
  const p = settings?.performance as Record<string, unknown> | undefined;
  if (!p || typeof p !== 'object') return 'tenant.yaml performance is missing: {staff: [categories], window: [categories]}';
  const map = new Map<string, DeductionTarget>();
  for (const target of Object.keys(p)) {
    if (target !== 'staff' && target !== 'window') return `tenant.yaml performance: "${target}" is not a target (staff, window)`;
    const cats = p[target];
    if (!Array.isArray(cats) || cats.some((c) => !['attitude', 'quality', 'efficiency', 'environment'].includes(c))) {
      return `tenant.yaml performance.${target} must list 附件1 categories (attitude, quality, efficiency, environment)`;
    }
    for (const c of cats) {
      if (map.has(c)) return `tenant.yaml performance: category "${c}" is given to two targets`;
      map.set(c, target);
    }
  }
  return map;
}

export function deductionsFor(options: unknown, map: Map<string, DeductionTarget>): Deduction[] {
  const codes = Array.isArray(options) ? options.filter((o): o is string => typeof o === 'string') : [];
  const out = new Map<DeductionTarget, Deduction>();
  for (const code of codes) {
    const category = code.split('-')[0]; // 附件1 codes are <category>-<n>
    const target = category ? map.get(category) : undefined;
    if (!target || !category) continue;
    const d = out.get(target) ?? { target, categories: [], codes: [] };
    if (!d.categories.includes(category)) d.categories.push(category);
    d.codes.push(code);
    out.set(target, d);
  }
  return (['staff', 'window'] as const).filter((t) => out.has(t)).map((t) => out.get(t)!);
}

export function deductionTargetsService(tenants: TenantRegistry): ServiceDefinition {
  return {
    name: 'deductionTargets',
    description: 'Works out whose performance points the case costs from the rating options (附件1 categories → tenant.yaml performance); sets the process variable deductions.',
    lint(_properties, countyId) {
      const map = performanceMap(tenants.get(countyId)?.settings);
      return typeof map === 'string' ? [map] : [];
    },
    run(call) {
      const map = performanceMap(tenants.get(call.countyId)?.settings);
      if (typeof map === 'string') throw new Error(`processes/${call.countyId}/${map}`);
      const deductions = deductionsFor(call.variables.options, map);
      return { deductions, deductionSummary: deductions.map((d) => `${d.target === 'staff' ? '窗口责任人' : '业务窗口'}（${d.categories.join('、')}：${d.codes.join('、')}）`).join('；') || '无（所选差评原因不涉及扣分类别）' };
    },
  };
}
