/**
 * The calendar API: loading a year (validation, roles, versions), reading a scope's
 * versions and a county's effective calendar, the add question, county isolation, and the /health
 * warning about next year's national calendar from 1 December.
 */
import { CalendarService } from '../../src/calendar/calendar.service';
import { CountyDeadlines } from '../../src/calendar/county-deadlines';
import { client, TestApp, useApp } from '../support/harness';
import { createUser, setClock } from './api-support';

const NATIONAL_2027 = {
  holidays: [
    { date: '2027-01-01', name: '元旦' },
    { date: '2027-01-02', name: '元旦' },
    { date: '2027-01-03', name: '元旦' },
  ],
  workdays: [{ date: '2027-01-09', name: '元旦调休' }],
  source: 'test data standing for the 2027 notice',
  level: 'official',
};

describe('calendar API', () => {
  let app: TestApp;
  useApp((a) => (app = a));
  beforeAll(() => setClock(app, '2026-11-20T10:00:00+08:00'));

  test('the bundled files are in the database as version 1, with their source and level', async () => {
    const res = await app.api.get('/api/v1/calendars/national/2026');
    expect(res.status).toBe(200);
    expect(res.body.current).toMatchObject({ scope: 'national', year: 2026, version: 1, origin: 'bundled', loadedBy: 'bundled', level: 'official' });
    expect(res.body.current.source).toContain('国办发明电〔2025〕7号');
    expect(res.body.current.holidays).toContainEqual({ date: '2026-10-01', name: expect.any(String) });
    expect(res.body.current.workdays.map((d: { date: string }) => d.date)).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
    const xsbn = await app.api.get('/api/v1/calendars/xishuangbanna/2023');
    expect(xsbn.body.current.level).toBe('official');
    // Years CALENDAR-FACTS.md marks as not found are not made up.
    expect((await app.api.get('/api/v1/calendars/xishuangbanna/2026')).status).toBe(404);
    expect((await app.api.get('/api/v1/calendars/national/2027')).status).toBe(404);
  });

  test.each([
    ['level', { ...NATIONAL_2027, level: 'rumour' }, 'level'],
    ['a date that does not exist', { ...NATIONAL_2027, holidays: [{ date: '2027-01-01' }, { date: '2027-02-30' }] }, 'holidays[1].date'],
    ['a date of another year', { ...NATIONAL_2027, holidays: [{ date: '2026-12-31' }] }, 'holidays[0].date'],
    ['a make-up workday on a weekday', { ...NATIONAL_2027, workdays: [{ date: '2027-01-04' }] }, 'workdays[0].date'],
    ['a day in both lists', { ...NATIONAL_2027, workdays: [{ date: '2027-01-02' }] }, 'workdays'],
    ['no source', { ...NATIONAL_2027, source: ' ' }, 'source'],
    ['holidays not a list', { ...NATIONAL_2027, holidays: '2027-01-01' }, 'holidays'],
    ['an unknown field', { ...NATIONAL_2027, holiday: [] }, 'holiday'],
    ['an unknown field in a day', { ...NATIONAL_2027, holidays: [{ date: '2027-01-01', label: '元旦' }] }, 'holidays[0].label'],
    ['another year in the body', { ...NATIONAL_2027, year: 2028 }, 'year'],
    ['another scope in the body', { ...NATIONAL_2027, scope: 'guangxi' }, 'scope'],
    ['no body', [], 'body'],
  ])('PUT refuses %s with 400 naming the field', async (_what, body, field) => {
    const res = await app.api.put('/api/v1/calendars/national/2027', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('validation_failed');
    expect(res.body.details).toEqual([{ field, reason: expect.any(String) }]);
    expect(typeof res.body.message).toBe('string');
    expect((await app.api.get('/api/v1/calendars/national/2027')).status).toBe(404);
  });

  test('PUT refuses a bad scope or year in the path', async () => {
    const bad1 = await app.api.put('/api/v1/calendars/Guangxi/2027', NATIONAL_2027);
    expect([bad1.status, bad1.body.details[0].field]).toEqual([400, 'scope']);
    const bad2 = await app.api.put('/api/v1/calendars/national/27', NATIONAL_2027);
    expect([bad2.status, bad2.body.details[0].field]).toEqual([400, 'year']);
    expect((await app.api.get('/api/v1/calendars/national/abcd')).status).toBe(400);
  });

  test('PUT / GET round trip: a new version per change, none for the same data', async () => {
    const first = await app.api.put('/api/v1/calendars/national/2027', NATIONAL_2027);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ created: true, calendar: { scope: 'national', year: 2027, version: 1, origin: 'api', loadedBy: 'test-admin', level: 'official' } });
    const got = await app.api.get('/api/v1/calendars/national/2027');
    expect(got.status).toBe(200);
    expect(got.body.current).toMatchObject({ version: 1, holidays: NATIONAL_2027.holidays, workdays: NATIONAL_2027.workdays, source: NATIONAL_2027.source, level: 'official', note: null });
    expect(new Date(got.body.current.loadedAt).toISOString()).toBe('2026-11-20T02:00:00.000Z');

    const same = await app.api.put('/api/v1/calendars/national/2027', { ...NATIONAL_2027, holidays: [...NATIONAL_2027.holidays].reverse() });
    expect(same.body).toMatchObject({ created: false, calendar: { version: 1 } });

    const corrected = await app.api.put('/api/v1/calendars/national/2027', { ...NATIONAL_2027, workdays: [], note: 'no make-up day after all' });
    expect(corrected.body).toMatchObject({ created: true, calendar: { version: 2, workdays: [], note: 'no make-up day after all' } });
    const versions = await app.api.get('/api/v1/calendars/national/2027');
    expect(versions.body.current.version).toBe(2);
    expect(versions.body.versions.map((v: { version: number; workdays: unknown[] }) => [v.version, v.workdays.length])).toEqual([
      [2, 0],
      [1, 1],
    ]);
  });

  test('only admin and process-admin load years, and a process-admin only for counties they administer', async () => {
    const staff = await createUser(app, 'cal-staff', ['staff'], ['*']);
    const localAdmin = await createUser(app, 'cal-padmin-test', ['process-admin'], ['testshire']);
    const calAdmin = await createUser(app, 'cal-padmin-cal', ['process-admin'], ['calshire']);
    const body = { ...NATIONAL_2027, holidays: [{ date: '2027-04-10', name: '壮族三月三' }], source: 'test' };
    expect((await staff.put('/api/v1/calendars/guangxi/2027', body)).status).toBe(403);
    // guangxi is used by calshire only; national by every county.
    expect((await localAdmin.put('/api/v1/calendars/guangxi/2027', body)).status).toBe(403);
    expect((await calAdmin.put('/api/v1/calendars/national/2028', { ...body, holidays: [] })).status).toBe(403);
    const ok = await calAdmin.put('/api/v1/calendars/guangxi/2027', body);
    expect(ok.status).toBe(200);
    expect(ok.body.calendar).toMatchObject({ version: 1, loadedBy: 'cal-padmin-cal' });
    expect((await client(app.url).put('/api/v1/calendars/guangxi/2027', body)).status).toBe(401);
    // Reading a scope's data is open to every user.
    expect((await staff.get('/api/v1/calendars/guangxi/2027')).status).toBe(200);
  });

  test("a county's effective calendar: national plus regional days, with name and scope, and what is missing", async () => {
    const res = await app.api.get('/api/v1/counties/calshire/calendar/2026');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ county: 'calshire', year: 2026, scopes: ['national', 'guangxi'], officeHours: { close: '17:30' }, provisional: false, missingScopes: [] });
    const off = res.body.nonWorkingDays;
    expect(off).toContainEqual({ date: '2026-04-17', reason: 'holiday', name: '壮族三月三', scope: 'guangxi' });
    expect(off).toContainEqual({ date: '2026-10-01', reason: 'holiday', name: expect.any(String), scope: 'national' });
    expect(off).toContainEqual({ date: '2026-03-07', reason: 'weekend' });
    expect(off.find((d: { date: string }) => d.date === '2026-10-10')).toBeUndefined();
    expect(res.body.makeUpWorkdays).toContainEqual({ date: '2026-10-10', name: expect.any(String), scope: 'national' });
    expect(res.body.makeUpWorkdays).toHaveLength(6);
    expect(res.body.sources.map((s: { scope: string; version: number }) => `${s.scope} v${s.version}`)).toEqual(['national v1', 'guangxi v1']);
    // 365 days = working days + days off.
    expect(res.body.workingDays + off.length).toBe(365);

    const national = await app.api.get('/api/v1/counties/testshire/calendar/2026');
    expect(national.body.nonWorkingDays.find((d: { date: string }) => d.date === '2026-04-17')).toBeUndefined();
    expect(national.body.workingDays).toBe(res.body.workingDays + 2); // 4/17 and 4/20 are weekdays

    const future = await app.api.get('/api/v1/counties/calshire/calendar/2029');
    expect(future.body).toMatchObject({ provisional: true, missingScopes: ['national', 'guangxi'], makeUpWorkdays: [] });
    expect(future.body.nonWorkingDays.every((d: { reason: string }) => d.reason === 'weekend')).toBe(true);
  });

  test('county isolation: another county is not visible, in the calendar or in the add question', async () => {
    const staff = await createUser(app, 'cal-staff-test', ['staff'], ['testshire']);
    expect((await staff.get('/api/v1/counties/testshire/calendar/2026')).status).toBe(200);
    expect((await staff.get('/api/v1/counties/calshire/calendar/2026')).status).toBe(404);
    expect((await staff.get('/api/v1/calendars/testshire/add?expr=2wd&from=2026-09-30T15:00:00%2B08:00')).status).toBe(200);
    const hidden = await staff.get('/api/v1/calendars/calshire/add?expr=2wd&from=2026-09-30T15:00:00%2B08:00');
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('17:30');
    expect((await app.api.get('/api/v1/counties/nowhere/calendar/2026')).status).toBe(404);
    expect((await app.api.get('/api/v1/calendars/nowhere/add?expr=2wd')).status).toBe(404);
  });

  test('the add question: due instant, days skipped, provisional; a bad expression is refused with the parser message', async () => {
    const q = (county: string, from: string, expr: string) => app.api.get(`/api/v1/calendars/${county}/add?from=${encodeURIComponent(from)}&expr=${encodeURIComponent(expr)}`);
    // Spring Festival 2026 (2/15–2/23 off, Sat 2/14 and Sat 2/28 worked): Fri 2/13 + 2wd = Sat 2/14, Tue 2/24.
    const sf = await q('testshire', '2026-02-13T10:00:00+08:00', '2wd');
    expect(sf.status).toBe(200);
    expect(sf.body).toMatchObject({ due: '2026-02-25T00:00:00+08:00', lastDay: '2026-02-24', provisional: false, meaning: '2 working days (2个工作日)' });
    expect(sf.body.skipped.map((d: { date: string }) => d.date)).toEqual(['2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23']);
    expect(sf.body.skipped[0]).toMatchObject({ reason: 'holiday', name: expect.any(String) });
    // A natural-day period ending on a holiday: 10/1 + 3日 = 10/4 (off) → the next working day, Thu 10/8.
    expect((await q('calshire', '2026-10-01T09:00:00+08:00', '3日')).body.due).toBe('2026-10-08T17:30:00+08:00');
    // An anchored expression is counted from "from".
    expect((await q('calshire', '2026-09-30T15:00:00+08:00', '2wd from receivedAt')).body).toMatchObject({ due: '2026-10-09T17:30:00+08:00', anchor: 'receivedAt' });
    // Into a year with no national data: weekends only, provisional. (Loaded above: 2027; 2029 is not.)
    expect((await q('testshire', '2029-12-28T10:00:00+08:00', '3wd')).body).toMatchObject({ due: '2030-01-03T00:00:00+08:00', provisional: true });
    // Without from: the clock's now (2026-11-20 10:00, a Friday).
    expect((await app.api.get('/api/v1/calendars/testshire/add?expr=1wd')).body).toMatchObject({ from: '2026-11-20T10:00:00+08:00', due: '2026-11-24T00:00:00+08:00' });

    const bad = await q('testshire', '2026-09-30T15:00:00+08:00', 'P2WD');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_deadline');
    expect(bad.body.details).toEqual([{ field: 'expr', reason: expect.any(String) }]);
    expect(bad.body.message).toContain('invalid deadline "P2WD"');
    expect(bad.body.message).toContain('2wd');
    const words = await q('testshire', '2026-09-30T15:00:00+08:00', 'two weeks');
    expect([words.status, words.body.message]).toEqual([400, expect.stringContaining('not a recognised form')]);
    const noExpr = await app.api.get('/api/v1/calendars/testshire/add?from=2026-09-30T15:00:00%2B08:00');
    expect([noExpr.status, noExpr.body.details[0].field]).toEqual([400, 'expr']);
    // "+08:00" written into a URL unencoded arrives as " 08:00": still read as the offset.
    expect((await app.api.get('/api/v1/calendars/testshire/add?from=2026-09-30T15:00:00+08:00&expr=2wd')).body).toMatchObject({ from: '2026-09-30T15:00:00+08:00', due: '2026-10-10T00:00:00+08:00' });
    const badFrom = await q('testshire', '2026-09-30 15:00', '2wd');
    expect([badFrom.status, badFrom.body.details[0].field]).toEqual([400, 'from']);
  });
});

describe('next year missing: /health and the log from 1 December', () => {
  let app: TestApp;
  useApp((a) => (app = a));

  test('no warning in November; from 1 December (Asia/Shanghai) until the year is loaded', async () => {
    const health = async () => {
      const res = await client(app.url).get('/health');
      expect(res.status).toBe(200);
      return res.body.calendar.warnings;
    };
    await setClock(app, '2026-11-30T23:59:59+08:00');
    expect(await health()).toEqual([]);
    // 2026-11-30T16:00Z is already 1 December in Shanghai.
    await setClock(app, '2026-11-30T16:00:00Z');
    // Every scope a county uses: the national year and Guangxi's own (三月三), naming the counties.
    expect(await health()).toEqual(['national 2027 not loaded', 'guangxi 2027 not loaded (calshire)']);
    await setClock(app, '2026-12-15T10:00:00+08:00');
    expect(await health()).toEqual(['national 2027 not loaded', 'guangxi 2027 not loaded (calshire)']);
    const put = await app.api.put('/api/v1/calendars/national/2027', NATIONAL_2027);
    expect(put.status).toBe(200);
    expect(await health()).toEqual(['guangxi 2027 not loaded (calshire)']);
    const regional = await app.api.put('/api/v1/calendars/guangxi/2027', { scope: 'guangxi', year: 2027, holidays: [{ date: '2027-04-09', name: '壮族三月三（test data）' }], workdays: [], source: 'test data', level: 'secondary' });
    expect(regional.status).toBe(200);
    expect(await health()).toEqual([]);
  });

  test('the warning is logged once a day', async () => {
    const lines: string[] = [];
    const logger = { log: () => undefined, warn: (m: string) => lines.push(m), error: () => undefined };
    const core = app.core;
    // A second service on the same database, as another server process would have.
    const other = new CalendarService(core.db.knex, core.tenants, new CountyDeadlines(core.tenants, []), core.clock, logger);
    await setClock(app, '2027-12-01T09:00:00+08:00');
    await other.start(); // logs at start, one line a missing year
    expect(lines.some((l) => l.includes('national 2028 not loaded') && l.includes('PUT /api/v1/calendars/national/2028'))).toBe(true);
    expect(lines.some((l) => l.includes('guangxi 2028 not loaded (calshire)'))).toBe(true);
    const first = lines.length;
    expect(other.logWarnings()).toBe(false);
    await setClock(app, '2027-12-01T23:00:00+08:00');
    expect(other.logWarnings()).toBe(false);
    await setClock(app, '2027-12-02T08:00:00+08:00');
    expect(other.logWarnings()).toBe(true);
    expect(lines).toHaveLength(2 * first);
  });
});
