/**
 * Deadline expressions on the five jurisdictions' calendars. Every expected instant was worked out
 * by hand from the 2025/2026 State Council notices and the regional facts in CALENDAR-FACTS.md;
 * none was produced by the code under test.
 *
 * 2025: 1/1 off; 1/28–2/4 off, 1/26 (Sun) 2/8 (Sat) worked; 4/4–4/6 off; 5/1–5/5 off, 4/27 (Sun) worked;
 *       5/31–6/2 off; 10/1–10/8 off, 9/28 (Sun) 10/11 (Sat) worked.
 *       Guangxi 三月三 3/29–4/1 (3/31 Mon, 4/1 Tue); 西双版纳 泼水节 4/14–4/16 (Mon–Wed).
 * 2026: 1/1–1/3 off, 1/4 (Sun) worked; 2/15–2/23 off, 2/14 (Sat) 2/28 (Sat) worked; 4/4–4/6 off;
 *       5/1–5/5 off, 5/9 (Sat) worked; 6/19–6/21 off; 9/25–9/27 off, 9/20 (Sun) worked;
 *       10/1–10/7 off, 10/10 (Sat) worked. Guangxi 三月三 4/17 (Fri) – 4/20 (Mon).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { WorkingCalendar, loadBundledCalendarData } from '../../src/calendar/working-calendar';
import { Deadline, DeadlineSyntaxError, OfficeHours, computeDeadline, describeDeadline, parseDeadline } from '../../src/calendar/deadline';

const data = loadBundledCalendarData();
const calendars = {
  liudong: new WorkingCalendar(['national', 'guangxi'], data),
  rongan: new WorkingCalendar(['national', 'guangxi'], data),
  xinhua: new WorkingCalendar(['national'], data),
  xishuangbanna: new WorkingCalendar(['national', 'xishuangbanna'], data),
  siping: new WorkingCalendar(['national'], data),
};
type Jurisdiction = keyof typeof calendars;
const LIUDONG_HOURS: OfficeHours = { close: '17:30' };

interface Row {
  what: string;
  j: Jurisdiction;
  expr: string;
  from: string;
  due: string;
  office?: OfficeHours;
  provisional?: boolean;
  lastDay?: string;
  skipped?: string[]; // 'YYYY-MM-DD reason[ name]'
}

const rows: Row[] = [
  // ---- working days: ordinary weeks, receipt on weekend / holiday / make-up Saturday
  { what: 'Mon receipt, 2 wd, no office hours', j: 'xinhua', expr: '2wd', from: '2026-03-02T10:00:00+08:00', due: '2026-03-05T00:00:00+08:00', lastDay: '2026-03-04', skipped: [] },
  { what: 'Mon receipt, 2 wd, liudong closes 17:30', j: 'liudong', expr: '2wd', from: '2026-03-02T10:00:00+08:00', due: '2026-03-04T17:30:00+08:00', office: LIUDONG_HOURS },
  { what: 'Fri receipt skips the weekend', j: 'rongan', expr: '2个工作日', from: '2026-03-06T15:00:00+08:00', due: '2026-03-11T00:00:00+08:00', skipped: ['2026-03-07 weekend', '2026-03-08 weekend'] },
  { what: 'receipt on a Saturday', j: 'siping', expr: '1wd', from: '2026-03-07T11:00:00+08:00', due: '2026-03-10T00:00:00+08:00', skipped: ['2026-03-08 weekend'] },
  { what: 'receipt late on Monday evening', j: 'xinhua', expr: '1 wd', from: '2026-03-02T23:59:59+08:00', due: '2026-03-04T00:00:00+08:00' },
  { what: 'receipt given in UTC that is already Tuesday in Shanghai', j: 'xinhua', expr: '1wd', from: '2026-03-02T16:30:00Z', due: '2026-03-05T00:00:00+08:00', lastDay: '2026-03-04' },
  { what: 'receipt on a National Day holiday', j: 'xinhua', expr: '2wd', from: '2026-10-03T09:00:00+08:00', due: '2026-10-10T00:00:00+08:00',
    skipped: ['2026-10-04 holiday 国庆节', '2026-10-05 holiday 国庆节', '2026-10-06 holiday 国庆节', '2026-10-07 holiday 国庆节'] },
  { what: 'receipt on a make-up Saturday', j: 'xinhua', expr: '1wd', from: '2026-10-10T10:00:00+08:00', due: '2026-10-13T00:00:00+08:00', skipped: ['2026-10-11 weekend'] },
  { what: 'count through the make-up Saturday 10/10', j: 'xinhua', expr: '2wd', from: '2026-10-09T10:00:00+08:00', due: '2026-10-13T00:00:00+08:00', lastDay: '2026-10-12' },
  { what: '2026 New Year: holiday receipt, make-up Sunday 1/4 counts', j: 'siping', expr: '1wd', from: '2026-01-02T10:00:00+08:00', due: '2026-01-05T00:00:00+08:00', skipped: ['2026-01-03 holiday 元旦'] },
  // ---- Spring Festival
  { what: '2026 Spring Festival: make-up Sat 2/14 is the 2nd day', j: 'xinhua', expr: '2wd', from: '2026-02-12T10:00:00+08:00', due: '2026-02-15T00:00:00+08:00', lastDay: '2026-02-14' },
  { what: '2026 Spring Festival: 5 wd across 2/15–2/23', j: 'siping', expr: '5个工作日', from: '2026-02-13T10:00:00+08:00', due: '2026-02-28T00:00:00+08:00', lastDay: '2026-02-27' },
  // 西双版纳's own 2026 days (泼水节) are not loaded: the count is right for what is known, and provisional.
  { what: '2026 Spring Festival: 15 wd with both make-up Saturdays', j: 'xishuangbanna', expr: '15wd', from: '2026-02-10T09:00:00+08:00', due: '2026-03-10T00:00:00+08:00', lastDay: '2026-03-09', provisional: true },
  { what: '2026 Spring Festival, liudong', j: 'liudong', expr: '1wd', from: '2026-02-14T16:00:00+08:00', due: '2026-02-24T17:30:00+08:00', office: LIUDONG_HOURS },
  { what: '2025 Spring Festival: make-up Sunday 1/26', j: 'xinhua', expr: '2wd', from: '2025-01-24T16:00:00+08:00', due: '2025-01-28T00:00:00+08:00', lastDay: '2025-01-27', skipped: ['2025-01-25 weekend'] },
  { what: '2025 Spring Festival: make-up Saturday 2/8 is the 4th day', j: 'liudong', expr: '4wd', from: '2025-01-27T09:00:00+08:00', due: '2025-02-08T17:30:00+08:00', office: LIUDONG_HOURS },
  { what: '2025 Spring Festival, rongan', j: 'rongan', expr: '1工作日', from: '2025-01-27T09:00:00+08:00', due: '2025-02-06T00:00:00+08:00', lastDay: '2025-02-05' },
  // ---- Qingming
  { what: '2026 Qingming', j: 'xinhua', expr: '2wd', from: '2026-04-02T10:00:00+08:00', due: '2026-04-08T00:00:00+08:00',
    skipped: ['2026-04-04 holiday 清明节', '2026-04-05 holiday 清明节', '2026-04-06 holiday 清明节'] },
  { what: '2025 Qingming', j: 'siping', expr: '2wd', from: '2025-04-03T10:00:00+08:00', due: '2025-04-09T00:00:00+08:00', lastDay: '2025-04-08' },
  // ---- Labour Day
  { what: '2026 Labour Day', j: 'xinhua', expr: '2wd', from: '2026-04-30T10:00:00+08:00', due: '2026-05-08T00:00:00+08:00', lastDay: '2026-05-07' },
  { what: '2026 Labour Day make-up Saturday 5/9', j: 'liudong', expr: '4wd', from: '2026-05-06T09:00:00+08:00', due: '2026-05-11T17:30:00+08:00', office: LIUDONG_HOURS, skipped: ['2026-05-10 weekend'] },
  { what: '2025 Labour Day make-up Sunday 4/27', j: 'xinhua', expr: '1wd', from: '2025-04-26T10:00:00+08:00', due: '2025-04-28T00:00:00+08:00', lastDay: '2025-04-27' },
  { what: '2025 Labour Day', j: 'siping', expr: '2wd', from: '2025-04-30T17:00:00+08:00', due: '2025-05-08T00:00:00+08:00', lastDay: '2025-05-07' },
  // ---- Dragon Boat
  { what: '2025 Dragon Boat', j: 'xinhua', expr: '1wd', from: '2025-05-30T10:00:00+08:00', due: '2025-06-04T00:00:00+08:00',
    skipped: ['2025-05-31 holiday 端午节', '2025-06-01 holiday 端午节', '2025-06-02 holiday 端午节'] },
  { what: '2026 Dragon Boat', j: 'rongan', expr: '2wd', from: '2026-06-18T10:00:00+08:00', due: '2026-06-24T00:00:00+08:00', lastDay: '2026-06-23' },
  // ---- Mid-Autumn
  { what: '2026 Mid-Autumn', j: 'xinhua', expr: '2wd', from: '2026-09-24T10:00:00+08:00', due: '2026-09-30T00:00:00+08:00', lastDay: '2026-09-29' },
  { what: '2026 make-up Sunday 9/20', j: 'xinhua', expr: '1wd', from: '2026-09-19T10:00:00+08:00', due: '2026-09-21T00:00:00+08:00', lastDay: '2026-09-20', skipped: [] },
  { what: '2025 Mid-Autumn + National Day combined', j: 'xinhua', expr: '2wd', from: '2025-09-30T10:00:00+08:00', due: '2025-10-11T00:00:00+08:00', lastDay: '2025-10-10' },
  // ---- National Day
  { what: '2025 National Day make-up Sunday 9/28', j: 'liudong', expr: '3wd', from: '2025-09-26T10:00:00+08:00', due: '2025-09-30T17:30:00+08:00', office: LIUDONG_HOURS, skipped: ['2025-09-27 weekend'] },
  { what: '2025 National Day make-up Saturday 10/11', j: 'xishuangbanna', expr: '3wd', from: '2025-10-09T10:00:00+08:00', due: '2025-10-14T00:00:00+08:00', lastDay: '2025-10-13' },
  { what: '2026 National Day, liudong', j: 'liudong', expr: '2wd', from: '2026-09-30T10:00:00+08:00', due: '2026-10-09T17:30:00+08:00', office: LIUDONG_HOURS },
  { what: '2026 National Day, rongan 4 wd', j: 'rongan', expr: '4个工作日', from: '2026-09-29T10:00:00+08:00', due: '2026-10-11T00:00:00+08:00', lastDay: '2026-10-10' },
  // ---- 壮族三月三 (Guangxi) versus the same dates elsewhere
  { what: '2026 三月三 liudong', j: 'liudong', expr: '2wd', from: '2026-04-16T10:00:00+08:00', due: '2026-04-22T17:30:00+08:00', office: LIUDONG_HOURS,
    skipped: ['2026-04-17 holiday 壮族三月三', '2026-04-18 holiday 壮族三月三', '2026-04-19 holiday 壮族三月三', '2026-04-20 holiday 壮族三月三'] },
  { what: '2026 三月三 rongan', j: 'rongan', expr: '1wd', from: '2026-04-16T10:00:00+08:00', due: '2026-04-22T00:00:00+08:00', lastDay: '2026-04-21' },
  { what: '2026 same dates in xinhua', j: 'xinhua', expr: '2wd', from: '2026-04-16T10:00:00+08:00', due: '2026-04-21T00:00:00+08:00', lastDay: '2026-04-20' },
  { what: '2025 三月三 rongan', j: 'rongan', expr: '2wd', from: '2025-03-28T10:00:00+08:00', due: '2025-04-04T00:00:00+08:00', lastDay: '2025-04-03' },
  { what: '2025 same dates in xinhua', j: 'xinhua', expr: '2wd', from: '2025-03-28T10:00:00+08:00', due: '2025-04-02T00:00:00+08:00', lastDay: '2025-04-01' },
  { what: '2025 三月三 then Qingming, liudong', j: 'liudong', expr: '5wd', from: '2025-03-28T10:00:00+08:00', due: '2025-04-09T17:30:00+08:00', office: LIUDONG_HOURS },
  { what: '2025 三月三 + Qingming period in siping', j: 'siping', expr: '5wd', from: '2025-03-28T10:00:00+08:00', due: '2025-04-08T00:00:00+08:00', lastDay: '2025-04-07' },
  { what: '2022: national make-up Sat 4/2 is off in Guangxi', j: 'liudong', expr: '1wd', from: '2022-04-01T10:00:00+08:00', due: '2022-04-07T17:30:00+08:00', office: LIUDONG_HOURS },
  { what: '2022: national make-up Sat 4/2 is worked in xinhua', j: 'xinhua', expr: '1wd', from: '2022-04-01T10:00:00+08:00', due: '2022-04-03T00:00:00+08:00', lastDay: '2022-04-02' },
  { what: '2021: Guangxi make-up Sunday 4/18', j: 'rongan', expr: '1wd', from: '2021-04-13T10:00:00+08:00', due: '2021-04-19T00:00:00+08:00', lastDay: '2021-04-18' },
  { what: '2023: national make-up Sunday 4/23, worked in xinhua', j: 'xinhua', expr: '1wd', from: '2023-04-22T10:00:00+08:00', due: '2023-04-24T00:00:00+08:00' },
  { what: '2023: 4/23 off in Guangxi (三月三)', j: 'rongan', expr: '1wd', from: '2023-04-22T10:00:00+08:00', due: '2023-04-25T00:00:00+08:00', lastDay: '2023-04-24' },
  // ---- 泼水节 (西双版纳)
  { what: '2025 泼水节 xishuangbanna', j: 'xishuangbanna', expr: '2wd', from: '2025-04-11T10:00:00+08:00', due: '2025-04-19T00:00:00+08:00',
    skipped: ['2025-04-12 weekend', '2025-04-13 weekend', '2025-04-14 holiday 泼水节（傣历新年）', '2025-04-15 holiday 泼水节（傣历新年）', '2025-04-16 holiday 泼水节（傣历新年）'] },
  { what: '2025 same dates in xinhua', j: 'xinhua', expr: '2wd', from: '2025-04-11T10:00:00+08:00', due: '2025-04-16T00:00:00+08:00', lastDay: '2025-04-15' },
  { what: '2025 泼水节 receipt on the holiday, 5 wd', j: 'xishuangbanna', expr: '5 个工作日', from: '2025-04-14T09:00:00+08:00', due: '2025-04-24T00:00:00+08:00', lastDay: '2025-04-23' },
  // ---- natural days (第二百零三条)
  { what: '15日 ending on a working day', j: 'xinhua', expr: '15日', from: '2026-03-02T10:00:00+08:00', due: '2026-03-18T00:00:00+08:00', lastDay: '2026-03-17', skipped: [] },
  { what: '15d ending on a holiday moves to 10/8', j: 'siping', expr: '15d', from: '2026-09-20T10:00:00+08:00', due: '2026-10-09T00:00:00+08:00', lastDay: '2026-10-08',
    skipped: ['2026-10-05 holiday 国庆节', '2026-10-06 holiday 国庆节', '2026-10-07 holiday 国庆节'] },
  { what: '15天 ending on 2025-10-01 moves to 10/9', j: 'xinhua', expr: '15天', from: '2025-09-16T10:00:00+08:00', due: '2025-10-10T00:00:00+08:00', lastDay: '2025-10-09' },
  { what: '7个自然日 ending in Spring Festival', j: 'siping', expr: '7个自然日', from: '2026-02-10T10:00:00+08:00', due: '2026-02-25T00:00:00+08:00', lastDay: '2026-02-24' },
  { what: '7 nd ending on a Friday', j: 'xinhua', expr: '7 nd', from: '2026-03-06T10:00:00+08:00', due: '2026-03-14T00:00:00+08:00', lastDay: '2026-03-13' },
  { what: '7d ending on a Saturday moves to Monday', j: 'siping', expr: '7d', from: '2026-03-07T10:00:00+08:00', due: '2026-03-17T00:00:00+08:00', skipped: ['2026-03-14 weekend', '2026-03-15 weekend'] },
  { what: '3d ending on the make-up Saturday 10/10 stays', j: 'xinhua', expr: '3d', from: '2026-10-07T10:00:00+08:00', due: '2026-10-11T00:00:00+08:00', lastDay: '2026-10-10' },
  { what: '15日 ending on 三月三 in liudong', j: 'liudong', expr: '15日', from: '2026-04-02T10:00:00+08:00', due: '2026-04-21T17:30:00+08:00', office: LIUDONG_HOURS, lastDay: '2026-04-21' },
  { what: '15日 same dates in xinhua', j: 'xinhua', expr: '15日', from: '2026-04-02T10:00:00+08:00', due: '2026-04-18T00:00:00+08:00', lastDay: '2026-04-17' },
  { what: '10d ending in 泼水节', j: 'xishuangbanna', expr: '10d', from: '2025-04-04T10:00:00+08:00', due: '2025-04-18T00:00:00+08:00', lastDay: '2025-04-17' },
  { what: '1d ending in Dragon Boat 2025', j: 'xinhua', expr: '1d', from: '2025-05-30T10:00:00+08:00', due: '2025-06-04T00:00:00+08:00', lastDay: '2025-06-03' },
  { what: '3日 ending in Labour Day 2026', j: 'rongan', expr: '3日', from: '2026-04-28T10:00:00+08:00', due: '2026-05-07T00:00:00+08:00', lastDay: '2026-05-06' },
  // ---- elapsed time
  { what: '48h ignores holidays', j: 'siping', expr: '48h', from: '2026-09-30T15:00:00+08:00', due: '2026-10-02T15:00:00+08:00', skipped: [] },
  { what: '24 小时', j: 'xinhua', expr: '24 小时', from: '2026-02-14T09:30:00+08:00', due: '2026-02-15T09:30:00+08:00' },
  { what: 'PT24H', j: 'xinhua', expr: 'PT24H', from: '2026-10-01T08:00:00+08:00', due: '2026-10-02T08:00:00+08:00' },
  { what: 'PT30M across midnight', j: 'rongan', expr: 'PT30M', from: '2026-03-02T23:45:00+08:00', due: '2026-03-03T00:15:00+08:00' },
  { what: 'P1DT2H', j: 'xishuangbanna', expr: 'P1DT2H', from: '2026-03-02T10:00:00+08:00', due: '2026-03-03T12:00:00+08:00' },
  { what: 'P15D is 360 hours, not 15d', j: 'siping', expr: 'P15D', from: '2026-09-20T10:00:00+08:00', due: '2026-10-05T10:00:00+08:00' },
  { what: 'P1M clamps to the end of February', j: 'xinhua', expr: 'P1M', from: '2026-01-31T10:00:00+08:00', due: '2026-02-28T10:00:00+08:00' },
  { what: 'p1w lower case', j: 'xinhua', expr: 'p1w', from: '2026-03-02T10:00:00+08:00', due: '2026-03-09T10:00:00+08:00' },
  { what: 'PT90S', j: 'liudong', expr: 'PT90S', from: '2026-03-02T10:00:00+08:00', due: '2026-03-02T10:01:30+08:00', office: LIUDONG_HOURS },
  // ---- same day
  { what: 'same day, working day, liudong', j: 'liudong', expr: 'same day', from: '2026-03-02T09:00:00+08:00', due: '2026-03-02T17:30:00+08:00', office: LIUDONG_HOURS, skipped: [] },
  { what: '当日 on a working day', j: 'rongan', expr: '当日', from: '2026-03-02T09:00:00+08:00', due: '2026-03-03T00:00:00+08:00', lastDay: '2026-03-02' },
  { what: 'same day received after close of business: the next working day', j: 'liudong', expr: '当日', from: '2026-03-02T18:00:00+08:00', due: '2026-03-03T17:30:00+08:00', office: LIUDONG_HOURS, lastDay: '2026-03-03' },
  { what: 'same day received after close on a Friday: Monday', j: 'liudong', expr: 'same day', from: '2026-03-06T17:30:00+08:00', due: '2026-03-09T17:30:00+08:00', office: LIUDONG_HOURS, skipped: ['2026-03-07 weekend', '2026-03-08 weekend'] },
  { what: '当日 on a Saturday rolls to Monday', j: 'rongan', expr: '当日', from: '2026-03-07T09:00:00+08:00', due: '2026-03-10T00:00:00+08:00', skipped: ['2026-03-07 weekend', '2026-03-08 weekend'] },
  { what: '0wd on National Day', j: 'xinhua', expr: '0wd', from: '2026-10-01T09:00:00+08:00', due: '2026-10-09T00:00:00+08:00', lastDay: '2026-10-08' },
  { what: 'same day on the make-up Saturday', j: 'liudong', expr: 'Same Day', from: '2026-10-10T09:00:00+08:00', due: '2026-10-10T17:30:00+08:00', office: LIUDONG_HOURS },
  { what: '当日 on 三月三 Monday 2025', j: 'rongan', expr: '当日', from: '2025-03-31T09:00:00+08:00', due: '2025-04-03T00:00:00+08:00', lastDay: '2025-04-02' },
  { what: 'same day: Saturday 01:00 in Shanghai although Friday in UTC', j: 'xinhua', expr: 'same day', from: '2026-03-06T17:00:00Z', due: '2026-03-10T00:00:00+08:00', lastDay: '2026-03-09' },
  // ---- day N of next month (not moved)
  { what: '次月10日 on the make-up Saturday', j: 'xishuangbanna', expr: '次月10日', from: '2026-09-15T10:00:00+08:00', due: '2026-10-11T00:00:00+08:00', lastDay: '2026-10-10' },
  { what: 'day 10 of next month on a Sunday is not moved', j: 'xishuangbanna', expr: 'day 10 of next month', from: '2026-04-30T10:00:00+08:00', due: '2026-05-11T00:00:00+08:00', lastDay: '2026-05-10', skipped: [] },
  { what: '次月10日前 in December', j: 'xishuangbanna', expr: '次月10日前', from: '2026-12-20T10:00:00+08:00', due: '2027-01-11T00:00:00+08:00', provisional: false },
  { what: '下月10日 from the 31st', j: 'xishuangbanna', expr: '下月10日', from: '2026-01-31T23:00:00+08:00', due: '2026-02-11T00:00:00+08:00' },
  // ---- next month-days (half-yearly / yearly bulletins)
  { what: 'next 07-10,01-10 in March', j: 'xishuangbanna', expr: 'next 07-10,01-10', from: '2026-03-15T10:00:00+08:00', due: '2026-07-11T00:00:00+08:00', lastDay: '2026-07-10' },
  { what: '每年…前 on the day itself goes to the next one', j: 'xishuangbanna', expr: '每年7月10日、1月10日前', from: '2026-07-10T10:00:00+08:00', due: '2027-01-11T00:00:00+08:00', lastDay: '2027-01-10' },
  { what: 'next 07-10,01-10 on New Year\'s Eve', j: 'xishuangbanna', expr: 'next 07-10, 01-10', from: '2025-12-31T10:00:00+08:00', due: '2026-01-11T00:00:00+08:00' },
  { what: 'next 01-10 the evening before', j: 'xishuangbanna', expr: 'NEXT 01-10', from: '2026-01-09T23:59:00+08:00', due: '2026-01-11T00:00:00+08:00' },
  // ---- instants
  { what: 'instant with +08:00', j: 'liudong', expr: '2026-10-09T17:00:00+08:00', from: '2026-09-30T10:00:00+08:00', due: '2026-10-09T17:00:00+08:00', office: LIUDONG_HOURS },
  { what: 'instant in UTC', j: 'siping', expr: '2026-10-09T09:00:00Z', from: '2026-09-30T10:00:00+08:00', due: '2026-10-09T17:00:00+08:00' },
  // ---- anchored on a process variable (caller passes the variable's value as from)
  { what: '2wd from receivedAt', j: 'xinhua', expr: '2wd from receivedAt', from: '2026-04-30T10:00:00+08:00', due: '2026-05-08T00:00:00+08:00' },
  { what: '4个工作日 after caseReceivedAt', j: 'rongan', expr: '4个工作日 after caseReceivedAt', from: '2026-04-16T10:00:00+08:00', due: '2026-04-25T00:00:00+08:00', lastDay: '2026-04-24' },
  // ---- years without national data: provisional
  { what: '5wd into 2027 is provisional (weekends only)', j: 'xinhua', expr: '5wd', from: '2026-12-28T10:00:00+08:00', due: '2027-01-05T00:00:00+08:00', provisional: true, lastDay: '2027-01-04',
    skipped: ['2027-01-02 weekend', '2027-01-03 weekend'] },
  { what: '15d ending in 2027 is provisional', j: 'siping', expr: '15d', from: '2026-12-20T10:00:00+08:00', due: '2027-01-05T00:00:00+08:00', provisional: true },
  { what: 'wd staying in 2026 is not provisional', j: 'xinhua', expr: '2wd', from: '2026-12-28T10:00:00+08:00', due: '2026-12-31T00:00:00+08:00', provisional: false },
  { what: 'same day on 2027-01-01 is provisional', j: 'liudong', expr: '当日', from: '2027-01-01T09:00:00+08:00', due: '2027-01-01T17:30:00+08:00', office: LIUDONG_HOURS, provisional: true },
];

const iso = (d: Date) => d.toISOString();

describe('computeDeadline on the five jurisdictions', () => {
  test.each(rows)('$j: $expr from $from — $what', (row) => {
    const parsed = parseDeadline(row.expr);
    const result = computeDeadline(parsed, new Date(row.from), calendars[row.j], row.office);
    expect(iso(result.due)).toBe(iso(new Date(row.due)));
    expect(result.provisional).toBe(row.provisional ?? false);
    if (row.lastDay !== undefined) expect(result.lastDay).toBe(row.lastDay);
    if (row.skipped !== undefined) {
      expect(result.skipped.map((s) => [s.date, s.reason, s.name].filter(Boolean).join(' '))).toEqual(row.skipped);
    }
  });
});

describe('parseDeadline', () => {
  const ok: [string, Partial<Deadline> & Record<string, unknown>][] = [
    ['2 WD', { kind: 'workingDays', days: 2 }],
    ['２个工作日', { kind: 'workingDays', days: 2 }],
    [' 15 个工作日 ', { kind: 'workingDays', days: 15 }],
    ['0个工作日', { kind: 'sameDay' }],
    ['15 日', { kind: 'naturalDays', days: 15 }],
    ['7自然日', { kind: 'naturalDays', days: 7 }],
    ['48H', { kind: 'elapsed', iso: 'PT48H' }],
    ['24个小时', { kind: 'elapsed', iso: 'PT24H' }],
    ['pt24h', { kind: 'elapsed', iso: 'PT24H' }],
    ['P1Y2M3W4DT5H6M7S', { kind: 'elapsed', duration: { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6, seconds: 7 } }],
    ['当天', { kind: 'sameDay' }],
    ['DAY 10 OF NEXT MONTH', { kind: 'dayOfNextMonth', day: 10 }],
    ['每年1月10日前', { kind: 'nextMonthDays', dates: [{ month: 1, day: 10 }] }],
    ['每年7月10日前，1月10日前', { kind: 'nextMonthDays', dates: [{ month: 7, day: 10 }, { month: 1, day: 10 }] }],
    ['2wd from receivedAt', { kind: 'workingDays', days: 2, anchor: 'receivedAt' }],
    ['same day after evaluated_at', { kind: 'sameDay', anchor: 'evaluated_at' }],
    ['PT48H from receivedAt', { kind: 'elapsed', anchor: 'receivedAt' }],
    ['2026-10-09T17:00+08:00', { kind: 'instant' }],
  ];
  test.each(ok)('accepts %j', (text, expected) => {
    const d = parseDeadline(text);
    expect(d).toMatchObject(expected);
    expect(d.source).toBe(text);
  });

  const bad: [string, RegExp][] = [
    ['P2WD', /strict ISO 8601 duration.*write "2wd"/],
    ['2 weeks', /not a recognised form/],
    ['', /empty/],
    ['   ', /empty/],
    ['abc', /not a recognised form/],
    ['-1wd', /negative/],
    ['2.5wd', /whole numbers/],
    ['P', /strict ISO 8601/],
    ['PT', /strict ISO 8601/],
    ['P1H', /strict ISO 8601/],
    ['P1.5D', /strict ISO 8601/],
    ['P 2 D', /spaces/],
    ['0d', /≥ 1/],
    ['0h', /≥ 1/],
    ['1000wd', /more than the allowed/],
    ['wd', /not a recognised form/],
    ['2wdd', /not a recognised form/],
    ['2wd from 1abc', /not a process variable/],
    ['2026-10-09T17:00:00', /explicit offset/],
    ['2026-02-30T17:00:00+08:00', /not a real date/],
    ['2026-10-09T17:00:00+08:00 from receivedAt', /absolute instant/],
    ['next 02-29', /29 February/],
    ['next 13-01', /not a date/],
    ['next 7-10', /not a month-day/],
    ['次月32日', /1 to 31/],
  ];
  test.each(bad)('rejects %j', (text, message) => {
    let error: unknown;
    try {
      parseDeadline(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeadlineSyntaxError);
    expect((error as DeadlineSyntaxError).text).toBe(text);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(JSON.stringify(text));
    expect((error as Error).message).toContain('accepted:');
  });
});

describe('describeDeadline', () => {
  test.each([
    ['2wd', '2 working days (2个工作日)'],
    ['1个工作日', '1 working day (1个工作日)'],
    ['15日', '15 days (15日)'],
    ['48h', '48 hours elapsed (48小时)'],
    ['P1DT2H', '1 day 2 hours elapsed (1天2小时)'],
    ['当日', 'same day (当日)'],
    ['次月10日', 'before the 10th of next month (次月10日前)'],
    ['next 07-10,01-10', 'before the next 07-10 or 01-10 (每年7月10日、1月10日前)'],
    ['2026-10-09T09:00:00Z', 'at 2026-10-09T17:00:00+08:00'],
    ['2wd from receivedAt', '2 working days (2个工作日) from receivedAt (自receivedAt起)'],
  ])('%s → %s', (text, expected) => {
    expect(describeDeadline(parseDeadline(text))).toBe(expected);
  });
});

describe('computeDeadline input checks', () => {
  test('rejects an invalid Date', () => {
    expect(() => computeDeadline(parseDeadline('2wd'), new Date('nope'), calendars.xinhua)).toThrow(RangeError);
  });
  test('rejects malformed office hours', () => {
    expect(() => computeDeadline(parseDeadline('2wd'), new Date('2026-03-02T10:00:00+08:00'), calendars.xinhua, { close: '5pm' })).toThrow(/HH:MM/);
  });
});

// The library must give the same answers whatever the server's zone. A child jest runs this
// folder's library tests and the server scenarios (National Day 2026, the 2026/2027 year boundary)
// with TZ set; the child does not spawn again (CALENDAR_TZ_CHILD).
const inChild = process.env.CALENDAR_TZ_CHILD === '1';
describe('independent of the process time zone', () => {
  const repoRoot = path.resolve(__dirname, '../..');
  const runIn = (tz: string) =>
    spawnSync(
      process.execPath,
      ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', 'node_modules/jest/bin/jest.js', '--runInBand', 'test/calendar/(calendar|deadline|scenario|provisional)\\.test'],
      { cwd: repoRoot, env: { ...process.env, TZ: tz, CALENDAR_TZ_CHILD: '1' }, encoding: 'utf8', timeout: 180000 },
    );
  (inChild ? test.skip : test).each(['UTC', 'America/New_York'])('all calendar tests pass with TZ=%s', (tz) => {
    const r = runIn(tz);
    if (r.status !== 0) throw new Error(`child jest with TZ=${tz} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/Tests:\s+\d+ skipped, \d+ passed/);
  });
  (inChild ? test : test.skip)('the child really runs in the requested zone', () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(process.env.TZ);
  });
});
