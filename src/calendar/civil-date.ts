/**
 * Civil dates and times in Asia/Shanghai without the host's time zone: the only place that knows the
 * offset. Every other module asks here for a Shanghai day, a wall-clock instant or a formatted time.
 *
 * China has used UTC+8 all year since 1992 (no daylight saving time), so a Shanghai wall-clock
 * time is the UTC time shifted by eight hours. Every function here uses only the UTC accessors of
 * `Date` on a shifted value; nothing reads the process's local zone (process.env.TZ is irrelevant).
 */

export const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface YMD {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Parses a strict YYYY-MM-DD civil date; returns undefined if it is not a real calendar date. */
export function parseCivilDate(text: string): YMD | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function formatYMD(d: YMD): string {
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** Days since 1970-01-01 for a civil date. */
export function dayNumber(d: YMD): number {
  return Math.round(Date.UTC(d.year, d.month - 1, d.day) / DAY_MS);
}

export function fromDayNumber(n: number): YMD {
  const t = new Date(n * DAY_MS);
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = parseCivilDate(date);
  if (!d) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return formatYMD(fromDayNumber(dayNumber(d) + days));
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
  const d = parseCivilDate(date);
  if (!d) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

/** The Shanghai civil date (YYYY-MM-DD) of an instant. */
export function shanghaiDate(instant: Date): string {
  const t = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  return formatYMD({ year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() });
}

/** Shanghai wall-clock parts of an instant. */
export function shanghaiParts(instant: Date): YMD & { hour: number; minute: number; second: number; ms: number } {
  const t = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    day: t.getUTCDate(),
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    second: t.getUTCSeconds(),
    ms: t.getUTCMilliseconds(),
  };
}

/** The instant of a Shanghai wall-clock time; minutes may be 24*60 (24:00 = next day's 00:00). */
export function shanghaiInstant(date: string, minutesAfterMidnight = 0): Date {
  const d = parseCivilDate(date);
  if (!d) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return new Date(Date.UTC(d.year, d.month - 1, d.day) + minutesAfterMidnight * 60000 - SHANGHAI_OFFSET_MS);
}

/** Formats an instant as ISO 8601 with the +08:00 offset, e.g. 2026-10-09T17:00:00+08:00. */
export function formatShanghai(instant: Date): string {
  const p = shanghaiParts(instant);
  const ms = p.ms ? `.${pad(p.ms, 3)}` : '';
  return `${formatYMD(p)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${ms}+08:00`;
}

/** Formats an instant as Shanghai wall time to the minute, e.g. 2026-10-09 17:30 (notification texts, documents). */
export function formatShanghaiMinute(value: Date | string | number): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value ?? '');
  const p = shanghaiParts(d);
  return `${formatYMD(p)} ${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * An instant as people send it: ISO 8601 with Z or an offset, or a local time "YYYY-MM-DD HH:mm[:ss[.mmm]]"
 * / "YYYY-MM-DDTHH:mm[:ss]" read as Asia/Shanghai (what the 办件 systems of a hall export). undefined
 * when it is neither, or names a day or time that does not exist (2026-02-30, 24:10).
 */
export function parseInstant(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  const local = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(t);
  if (local) {
    const [, date, h, mi, s, ms] = local;
    if (!parseCivilDate(date) || +h > 23 || +mi > 59 || +(s ?? 0) > 59) return undefined;
    return new Date(shanghaiInstant(date, +h * 60 + +mi).getTime() + +(s ?? 0) * 1000 + +(ms ?? '0').padEnd(3, '0'));
  }
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))$/.exec(t);
  if (!m) return undefined;
  // The engine of Date rolls 2026-02-30 over to 2 March: every part is checked first.
  const [, date, h, mi, s, , , offH, offM] = m;
  if (!parseCivilDate(date) || +h > 23 || +mi > 59 || +(s ?? 0) > 59 || +(offH ?? 0) > 14 || +(offM ?? 0) > 59) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A day "YYYY-MM-DD" (Asia/Shanghai) or an instant; `end` makes a day mean its end (exclusive). */
export function parseDayOrInstant(value: string, end: boolean): Date | undefined {
  const day = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(day)) {
    if (!parseCivilDate(day)) return undefined;
    return shanghaiInstant(end ? addDays(day, 1) : day);
  }
  return parseInstant(value);
}

/** An instant as ISO 8601 UTC text for JSON answers (null stays null). */
export function iso(d: Date | string | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}
