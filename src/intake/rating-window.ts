/** The 7-day default window, in Asia/Shanghai whatever the server zone. */
import { addDays, shanghaiDate, shanghaiInstant } from '../calendar/civil-date';

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
  return shanghaiInstant(addDays(shanghaiDate(completedAt), RATING_WINDOW_DAYS + 1));
}
