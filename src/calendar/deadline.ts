/**
 * Deadline expressions for BPMN timers and user-task due dates, and their computation on a
 * jurisdiction's working-day calendar. All civil dates are Asia/Shanghai (UTC+8, no DST).
 *
 * Syntax (case-insensitive; spaces optional; full-width digits and punctuation accepted):
 *
 * | expression                                   | meaning                                                   |
 * |----------------------------------------------|-----------------------------------------------------------|
 * | `N wd`, `N个工作日`, `N工作日`                | N working days (N ≥ 1; `0wd` = same day)                  |
 * | `N d`, `N nd`, `N日`, `N天`, `N个自然日`, `N自然日` | N natural days, civil-law counting (N ≥ 1)           |
 * | `N h`, `N小时`, `N个小时`                     | N hours elapsed, exact (N ≥ 1)                            |
 * | `PT24H`, `PT30M`, `P1DT2H`, `P15D`, `P1M` …  | strict ISO 8601 duration, elapsed, exact                  |
 * | `same day`, `当日`, `当天`, `0wd`, `0个工作日` | end of the start day, or of the next working day          |
 * | `day 10 of next month`, `次月10日`, `下月10日前` | end of day 10 of the month after the start (no roll)   |
 * | `next 07-10,01-10`, `每年7月10日、1月10日前`   | end of the next of these month-days after the start day   |
 * | `2026-10-09T17:00:00+08:00`                   | that instant (offset or Z required)                       |
 * | `<relative form> from <var>` / `… after <var>` | the same, counted from process variable `<var>`          |
 *
 * Counting (民法典 第二百零一条, 第二百零三条):
 * - Working days: the start day is not counted; working days are counted from the next day; the
 *   period ends at close of business of the N-th working day when office hours are given, else at
 *   24:00 of that day (represented as 00:00 of the following day, Asia/Shanghai).
 * - Natural days: the start day is not counted; the last day is start + N; if the last day is not a
 *   working day (weekend or holiday, unless a make-up workday) the period ends on the next working
 *   day instead. It ends at close of business / 24:00 of the (possibly moved) last day.
 * - Elapsed (`N h`, ISO durations): exact time from the start instant, no calendar. Note that
 *   `P15D` means 15 × 24 = 360 hours elapsed, NOT the civil-law period `15d` (which skips nothing
 *   but moves a last day that falls on a rest day). `P…Y` / `P…M` add calendar years / months to
 *   the Shanghai wall-clock time (day clamped to the month's end); W = 7 × 24 h, D = 24 h.
 *   Components are whole numbers. `P2WD` and any other text starting with P that is not a strict
 *   ISO 8601 duration is an error (the engine's own parser reads `P2WD` as two weeks).
 * - `day D of next month`: documents say "before the 10th of next month"; the limit is the end of
 *   that day as written, even when it is not a working day — it is NOT moved (the text names a
 *   date, not a period). Day 29–31 in a shorter month means the month's last day.
 * - `next MM-DD,…`: the first listed month-day strictly after the start day; ends at the end of
 *   that day (close of business if office hours are given), not moved.
 * - End of day means close of business (`officeHours.close`) when office hours are given,
 *   otherwise 24:00, for every calendar form.
 */
import { WorkingCalendar } from './working-calendar';
import {
  SHANGHAI_OFFSET_MS,
  addDays,
  daysInMonth,
  formatShanghai,
  formatYMD,
  parseCivilDate,
  shanghaiDate,
  shanghaiInstant,
  shanghaiParts,
} from './civil-date';

export const DEADLINE_SYNTAX_HELP =
  'accepted: "N wd" / "N个工作日" (working days), "N d" / "N日" / "N天" / "N个自然日" (natural days), ' +
  '"N h" / "N小时" or a strict ISO 8601 duration like "PT24H", "P1DT2H" (elapsed time), "same day" / "当日", ' +
  '"day 10 of next month" / "次月10日", "next 07-10,01-10" / "每年7月10日、1月10日前", ' +
  'an instant with offset like "2026-10-09T17:00:00+08:00"; relative forms may end with "from <variable>"';

export class DeadlineSyntaxError extends Error {
  readonly text: string;
  constructor(text: string, reason: string) {
    super(`invalid deadline ${JSON.stringify(text)}: ${reason}; ${DEADLINE_SYNTAX_HELP}`);
    this.name = 'DeadlineSyntaxError';
    this.text = text;
  }
}

export interface ElapsedDuration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export interface MonthDay {
  month: number;
  day: number;
}

interface Common {
  /** Process variable the period is counted from; the caller supplies its value as `from`. */
  anchor?: string;
  /** The text as written. */
  source: string;
}

export type Deadline =
  | (Common & { kind: 'workingDays'; days: number })
  | (Common & { kind: 'naturalDays'; days: number })
  | (Common & { kind: 'elapsed'; duration: ElapsedDuration; iso: string })
  | (Common & { kind: 'sameDay' })
  | (Common & { kind: 'dayOfNextMonth'; day: number })
  | (Common & { kind: 'nextMonthDays'; dates: MonthDay[] })
  | { kind: 'instant'; at: string; epochMs: number; source: string; anchor?: undefined };

export interface OfficeHours {
  /** Close of business, 'HH:MM' in Asia/Shanghai. */
  close: string;
}

export interface SkippedDay {
  date: string;
  reason: string;
  name?: string;
}

export interface DeadlineResult {
  due: Date;
  provisional: boolean;
  skipped: SkippedDay[];
  lastDay?: string;
}

const MAX_DAYS = 999;
const MAX_HOURS = 100000;
const VAR_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function count(text: string, raw: string, unit: string, max: number, min = 1): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new DeadlineSyntaxError(text, `${unit} must be a whole number ≥ ${min}`);
  if (n > max) throw new DeadlineSyntaxError(text, `${n} ${unit} is more than the allowed ${max}`);
  return n;
}

function parseInstant(text: string, t: string): Deadline {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):(\d{2}))$/i.exec(t);
  if (!m) {
    throw new DeadlineSyntaxError(text, 'an instant must be ISO 8601 with seconds optional and an explicit offset, e.g. 2026-10-09T17:00:00+08:00');
  }
  const date = parseCivilDate(`${m[1]}-${m[2]}-${m[3]}`);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offH = m[10] === undefined ? 0 : Number(m[10]);
  const offM = m[11] === undefined ? 0 : Number(m[11]);
  if (!date || hour > 23 || minute > 59 || second > 59 || offH > 23 || offM > 59) {
    throw new DeadlineSyntaxError(text, 'the instant is not a real date and time');
  }
  const offset = (m[9] === '-' ? -1 : 1) * (offH * 60 + offM) * 60000;
  const epochMs = Date.UTC(date.year, date.month - 1, date.day, hour, minute, second, ms) - offset;
  return { kind: 'instant', at: t, epochMs, source: text };
}

function parseIsoDuration(text: string, t: string, common: Common): Deadline {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(t);
  const hasDate = m && [1, 2, 3, 4].some((i) => m[i] !== undefined);
  const hasTime = m && [5, 6, 7].some((i) => m[i] !== undefined);
  const tWithoutTime = m && /T/i.test(t) && !hasTime;
  if (!m || (!hasDate && !hasTime) || tWithoutTime) {
    const hint = /^P\d+W?D$/i.test(t) || /WD$/i.test(t) ? ` (for working days write "${t.replace(/^P/i, '').replace(/W?D$/i, '')}wd")` : '';
    throw new DeadlineSyntaxError(text, `"${t}" is not a strict ISO 8601 duration P[nY][nM][nW][nD][T[nH][nM][nS]]${hint}`);
  }
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const duration: ElapsedDuration = { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
  if (Object.values(duration).some((v) => !Number.isSafeInteger(v) || v > MAX_HOURS * 3600)) {
    throw new DeadlineSyntaxError(text, 'duration component too large');
  }
  return { kind: 'elapsed', duration, iso: t.toUpperCase(), ...common };
}

function parseMonthDays(text: string, items: string[], itemRe: RegExp): MonthDay[] {
  const dates: MonthDay[] = [];
  for (const item of items) {
    const m = itemRe.exec(item);
    if (!m) throw new DeadlineSyntaxError(text, `"${item}" is not a month-day`);
    const month = Number(m[1]);
    const day = Number(m[2]);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(2001, month)) {
      throw new DeadlineSyntaxError(text, `${item} is not a date in every year (29 February is not accepted)`);
    }
    if (dates.some((d) => d.month === month && d.day === day)) throw new DeadlineSyntaxError(text, `${item} is listed twice`);
    dates.push({ month, day });
  }
  return dates;
}

/**
 * Parses a deadline expression. Throws DeadlineSyntaxError for anything that is not exactly one
 * of the documented forms (see the table at the top of this file).
 */
export function parseDeadline(text: string): Deadline {
  if (typeof text !== 'string') throw new DeadlineSyntaxError(String(text), 'a deadline must be a string');
  const t = text.normalize('NFKC').trim();
  if (t === '') throw new DeadlineSyntaxError(text, 'the expression is empty');

  let body = t;
  const common: Common = { source: text };
  const anchored = /^(.*\S)\s+(?:from|after)\s+(\S+)$/i.exec(t);
  if (anchored) {
    if (!VAR_RE.test(anchored[2])) {
      throw new DeadlineSyntaxError(text, `"${anchored[2]}" is not a process variable name (letters, digits, _; not starting with a digit)`);
    }
    body = anchored[1];
    common.anchor = anchored[2];
    if (/^\d{4}-\d{2}-\d{2}/.test(body)) throw new DeadlineSyntaxError(text, 'an absolute instant cannot be counted from a variable');
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(body)) return parseInstant(text, body);

  if (/^p/i.test(body)) {
    if (/\s/.test(body)) throw new DeadlineSyntaxError(text, 'an ISO 8601 duration may not contain spaces');
    return parseIsoDuration(text, body, common);
  }

  const c = body.replace(/\s+/g, '').toLowerCase();
  let m: RegExpExecArray | null;

  if ((m = /^(\d+)(?:wd|个工作日|工作日)$/.exec(c))) {
    const n = count(text, m[1], 'working days', MAX_DAYS, 0);
    return n === 0 ? { kind: 'sameDay', ...common } : { kind: 'workingDays', days: n, ...common };
  }
  if ((m = /^(\d+)(?:d|nd|日|天|个自然日|自然日)$/.exec(c))) {
    return { kind: 'naturalDays', days: count(text, m[1], 'days', MAX_DAYS), ...common };
  }
  if ((m = /^(\d+)(?:h|小时|个小时)$/.exec(c))) {
    const hours = count(text, m[1], 'hours', MAX_HOURS);
    return {
      kind: 'elapsed',
      duration: { years: 0, months: 0, weeks: 0, days: 0, hours, minutes: 0, seconds: 0 },
      iso: `PT${hours}H`,
      ...common,
    };
  }
  if (/^(?:sameday|当日|当天)$/.test(c)) return { kind: 'sameDay', ...common };
  if ((m = /^day(\d{1,2})ofnextmonth$/.exec(c)) || (m = /^(?:次月|下月)(\d{1,2})日前?$/.exec(c))) {
    const day = Number(m[1]);
    if (day < 1 || day > 31) throw new DeadlineSyntaxError(text, 'the day of the month must be 1 to 31');
    return { kind: 'dayOfNextMonth', day, ...common };
  }
  if ((m = /^next(.+)$/.exec(c))) {
    return { kind: 'nextMonthDays', dates: parseMonthDays(text, m[1].split(','), /^(\d{2})-(\d{2})$/), ...common };
  }
  if ((m = /^每年(.+)$/.exec(c))) {
    return { kind: 'nextMonthDays', dates: parseMonthDays(text, m[1].split(/[,、和及]/), /^(\d{1,2})月(\d{1,2})日前?$/), ...common };
  }
  if (/^-/.test(c)) throw new DeadlineSyntaxError(text, 'negative periods are not allowed');
  if (/^\d+[.,]\d/.test(c)) throw new DeadlineSyntaxError(text, 'periods must be whole numbers');
  throw new DeadlineSyntaxError(text, 'not a recognised form');
}

function closeMinutes(officeHours?: OfficeHours): number {
  if (!officeHours) return 24 * 60;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(officeHours.close ?? '');
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  if (officeHours.close === '24:00') return 24 * 60;
  throw new RangeError(`officeHours.close must be 'HH:MM' (00:00–24:00), got ${JSON.stringify(officeHours.close)}`);
}

function addElapsed(from: Date, d: ElapsedDuration): Date {
  let t = from.getTime();
  if (d.years || d.months) {
    const p = shanghaiParts(from);
    const monthIndex = p.year * 12 + (p.month - 1) + d.years * 12 + d.months;
    const year = Math.floor(monthIndex / 12);
    const month = (monthIndex % 12) + 1;
    const day = Math.min(p.day, daysInMonth(year, month));
    t = Date.UTC(year, month - 1, day, p.hour, p.minute, p.second, p.ms) - SHANGHAI_OFFSET_MS;
  }
  t += ((((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return new Date(t);
}

/**
 * Computes the due instant of a parsed deadline counted from `from` (the anchor variable's value
 * when the expression names one) on the given calendar.
 */
export function computeDeadline(d: Deadline, from: Date, cal: WorkingCalendar, officeHours?: OfficeHours): DeadlineResult {
  if (!(from instanceof Date) || !Number.isFinite(from.getTime())) throw new RangeError('computeDeadline: "from" must be a valid Date');
  const close = closeMinutes(officeHours);
  const start = shanghaiDate(from);
  const skipped: SkippedDay[] = [];
  let provisional = false;

  /** Looks a day up; records non-working days as skipped. */
  const working = (date: string): boolean => {
    const info = cal.dayInfo(date);
    if (info.provisional) provisional = true;
    if (!info.working) skipped.push(info.name ? { date, reason: info.reason, name: info.name } : { date, reason: info.reason });
    return info.working;
  };
  const endOf = (lastDay: string): DeadlineResult => ({ due: shanghaiInstant(lastDay, close), provisional, skipped, lastDay });
  const nextWorkingFrom = (date: string): string => {
    let day = date;
    for (let guard = 0; !working(day); guard++) {
      if (guard > 366) throw new RangeError(`no working day within a year after ${date}`);
      day = addDays(day, 1);
    }
    return day;
  };

  switch (d.kind) {
    case 'workingDays': {
      let day = start;
      for (let n = 0; n < d.days; ) {
        day = nextWorkingFrom(addDays(day, 1));
        n++;
      }
      return endOf(day);
    }
    case 'naturalDays':
      return endOf(nextWorkingFrom(addDays(start, d.days)));
    case 'sameDay': {
      // 当日 received after close of business on a working day can only be met the next working day.
      const first = nextWorkingFrom(start);
      const afterHours = first === start && from.getTime() >= shanghaiInstant(start, close).getTime();
      return endOf(afterHours ? nextWorkingFrom(addDays(start, 1)) : first);
    }
    case 'dayOfNextMonth': {
      const s = parseCivilDate(start)!;
      const year = s.month === 12 ? s.year + 1 : s.year;
      const month = s.month === 12 ? 1 : s.month + 1;
      return endOf(formatYMD({ year, month, day: Math.min(d.day, daysInMonth(year, month)) }));
    }
    case 'nextMonthDays': {
      const s = parseCivilDate(start)!;
      const candidates: string[] = [];
      for (const year of [s.year, s.year + 1]) {
        for (const md of d.dates) {
          const date = formatYMD({ year, month: md.month, day: md.day });
          if (date > start) candidates.push(date);
        }
      }
      candidates.sort();
      return endOf(candidates[0]);
    }
    case 'elapsed':
      return { due: addElapsed(from, d.duration), provisional: false, skipped: [] };
    case 'instant':
      return { due: new Date(d.epochMs), provisional: false, skipped: [] };
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function describeDuration(x: ElapsedDuration): string {
  const en: string[] = [];
  const zh: string[] = [];
  const part = (n: number, one: string, many: string, cn: string) => {
    if (n) {
      en.push(plural(n, one, many));
      zh.push(`${n}${cn}`);
    }
  };
  part(x.years, 'year', 'years', '年');
  part(x.months, 'month', 'months', '个月');
  part(x.weeks, 'week', 'weeks', '周');
  part(x.days, 'day', 'days', '天');
  part(x.hours, 'hour', 'hours', '小时');
  part(x.minutes, 'minute', 'minutes', '分钟');
  part(x.seconds, 'second', 'seconds', '秒');
  if (en.length === 0) return '0 seconds elapsed (0秒)';
  return `${en.join(' ')} elapsed (${zh.join('')})`;
}

/** Human-readable text for a parsed deadline, English with the Chinese form in brackets. */
export function describeDeadline(d: Deadline): string {
  let text: string;
  switch (d.kind) {
    case 'workingDays':
      text = `${plural(d.days, 'working day', 'working days')} (${d.days}个工作日)`;
      break;
    case 'naturalDays':
      text = `${plural(d.days, 'day', 'days')} (${d.days}日)`;
      break;
    case 'elapsed':
      text = describeDuration(d.duration);
      break;
    case 'sameDay':
      text = 'same day (当日)';
      break;
    case 'dayOfNextMonth':
      text = `before the ${ordinal(d.day)} of next month (次月${d.day}日前)`;
      break;
    case 'nextMonthDays': {
      const en = d.dates.map((x) => `${String(x.month).padStart(2, '0')}-${String(x.day).padStart(2, '0')}`).join(' or ');
      const zh = d.dates.map((x) => `${x.month}月${x.day}日`).join('、');
      text = `before the next ${en} (每年${zh}前)`;
      break;
    }
    case 'instant':
      return `at ${formatShanghai(new Date(d.epochMs))}`;
  }
  return d.anchor ? `${text} from ${d.anchor} (自${d.anchor}起)` : text;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}
