/** Instants as the intake reads them, and the 7-day default window, in Asia/Shanghai whatever the server zone. */

const SHANGHAI_MS = 8 * 3600_000; // China has no daylight saving time since 1991

/**
 * An ISO 8601 instant with Z or an offset, or a local time "YYYY-MM-DD HH:mm[:ss]" /
 * "YYYY-MM-DDTHH:mm[:ss]" read as Asia/Shanghai (what the 办件 systems of a hall export).
 */
export function parseInstant(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(t);
  if (local) {
    const [, y, mo, d, h, mi, s, ms] = local;
    const at = Date.UTC(+y, +mo - 1, +d, +h, +mi, +(s ?? 0), +(ms ?? '0').padEnd(3, '0')) - SHANGHAI_MS;
    const back = new Date(at + SHANGHAI_MS);
    if (back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d || +h > 23 || +mi > 59) return undefined;
    return new Date(at);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A day "YYYY-MM-DD" (Asia/Shanghai) or an instant; `end` makes a day mean its end (exclusive). */
export function parseDayOrInstant(value: string, end: boolean): Date | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (day) {
    const start = Date.UTC(+day[1], +day[2] - 1, +day[3] + (end ? 1 : 0)) - SHANGHAI_MS;
    return Number.isNaN(start) ? undefined : new Date(start);
  }
  return parseInstant(value);
}

/** The calendar day (YYYY-MM-DD) of an instant in Asia/Shanghai. */
export function shanghaiDay(at: Date): string {
  return new Date(at.getTime() + SHANGHAI_MS).toISOString().slice(0, 10);
}

/** Natural days an evaluator has to rate a completed 办件 (002 第七条, 004 §6.4). */
export const RATING_WINDOW_DAYS = 7;

/**
 * When the 7-day default rating lands for a 办件 completed at `completedAt`.
 *
 * Counted as 民法典 第二百零一条 counts periods: the day of completion is not counted; day 1 is the next
 * calendar day in Asia/Shanghai, and the window ends at 24:00 of day 7. The default therefore lands at
 * 00:00 (Asia/Shanghai) of the eighth day after the day of completion: a 办件 completed at any time on
 * Monday 2 November 2026 may be rated until Monday 9 November 24:00 and gets its default at
 * 2026-11-10T00:00+08:00. The window is natural days and is not extended over holidays: it is the time
 * the evaluator is given to rate, not a time limit for an office.
 */
export function defaultRatingAt(completedAt: Date): Date {
  const day = shanghaiDay(completedAt);
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + RATING_WINDOW_DAYS + 1) - SHANGHAI_MS);
}
