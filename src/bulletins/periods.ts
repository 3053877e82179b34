/**
 * Bulletin periods (通报周期) in Asia/Shanghai civil dates, and when each must be out:
 * monthly before the 10th of the next month (次月10日前, seed 003 三(三)1; 柳东, 融安 monthly 政管办 bulletins),
 * half-yearly before 10 July and 10 January (003 三(三)2), yearly before 10 January (003 三(三)3),
 * quarterly for a county whose seed only says 定期 (新华 第九条), with the same 10th-of-next-month rule.
 */
import { formatYMD, shanghaiInstant, shanghaiParts } from '../calendar/civil-date';

export const PERIOD_KINDS = ['monthly', 'quarterly', 'half-year', 'yearly'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export interface Period {
  kind: PeriodKind;
  /** 2026-10, 2026-Q4, 2026-H2, 2026 */
  label: string;
  from: Date;
  to: Date;
  due: Date;
}

const start = (y: number, m: number) => shanghaiInstant(formatYMD({ year: y + Math.floor((m - 1) / 12), month: ((m - 1) % 12) + 1, day: 1 }));
const tenth = (y: number, m: number) => shanghaiInstant(formatYMD({ year: y + Math.floor((m - 1) / 12), month: ((m - 1) % 12) + 1, day: 10 }));

/** Months the kind spans and the label of the one starting in (year, month). */
function span(kind: PeriodKind): number {
  return kind === 'monthly' ? 1 : kind === 'quarterly' ? 3 : kind === 'half-year' ? 6 : 12;
}

function make(kind: PeriodKind, year: number, firstMonth: number): Period {
  const n = span(kind);
  const label =
    kind === 'monthly' ? `${year}-${String(firstMonth).padStart(2, '0')}` : kind === 'quarterly' ? `${year}-Q${(firstMonth + 2) / 3}` : kind === 'half-year' ? `${year}-H${firstMonth === 1 ? 1 : 2}` : String(year);
  return { kind, label, from: start(year, firstMonth), to: start(year, firstMonth + n), due: tenth(year, firstMonth + n) };
}

/** The period of the kind that contains the instant. */
export function periodContaining(kind: PeriodKind, at: Date): Period {
  const p = shanghaiParts(at);
  const n = span(kind);
  return make(kind, p.year, Math.floor((p.month - 1) / n) * n + 1);
}

/** The last period of the kind that has ended at the instant (the one a bulletin is due for). */
export function lastEnded(kind: PeriodKind, at: Date): Period {
  const cur = periodContaining(kind, at);
  return periodContaining(kind, new Date(cur.from.getTime() - 1));
}

/** Reads a label back (2026-10, 2026-Q4, 2026-H2, 2026); undefined when it is not one of the kind. */
export function parsePeriod(kind: PeriodKind, label: string): Period | undefined {
  const m = /^(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?$/.exec(label);
  if (!m) return undefined;
  const y = Number(m[1]);
  if (y < 2000 || y > 2100) return undefined;
  if (kind === 'monthly' && m[2] && Number(m[2]) >= 1 && Number(m[2]) <= 12) return make(kind, y, Number(m[2]));
  if (kind === 'quarterly' && m[3]) return make(kind, y, (Number(m[3]) - 1) * 3 + 1);
  if (kind === 'half-year' && m[4]) return make(kind, y, m[4] === '1' ? 1 : 7);
  if (kind === 'yearly' && !m[2] && !m[3] && !m[4]) return make(kind, y, 1);
  return undefined;
}

/** Which kind a label is. */
export function kindOfLabel(label: string): PeriodKind | undefined {
  if (/^\d{4}-\d{2}$/.test(label)) return 'monthly';
  if (/^\d{4}-Q[1-4]$/.test(label)) return 'quarterly';
  if (/^\d{4}-H[12]$/.test(label)) return 'half-year';
  if (/^\d{4}$/.test(label)) return 'yearly';
  return undefined;
}
