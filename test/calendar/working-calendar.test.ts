import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CalendarDataError,
  CalendarYearData,
  WorkingCalendar,
  bundledDataDir,
  loadBundledCalendarData,
  validateCalendarYear,
} from '../../src/calendar/working-calendar';

const data = loadBundledCalendarData();
const find = (scope: string, year: number) => data.find((d) => d.scope === scope && d.year === year);
const range = (from: string, to: string) => {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86400000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};

describe('bundled calendar data', () => {
  test('has national 2020–2026, guangxi 2020–2026 and only the sourced xishuangbanna years', () => {
    expect(data.map((d) => `${d.scope}/${d.year}`).sort()).toEqual(
      [
        ...[2020, 2021, 2022, 2023, 2024, 2025, 2026].map((y) => `national/${y}`),
        ...[2020, 2021, 2022, 2023, 2024, 2025, 2026].map((y) => `guangxi/${y}`),
        ...[2022, 2023, 2024, 2025].map((y) => `xishuangbanna/${y}`),
      ].sort(),
    );
  });

  test('national 2026 matches 国办发明电〔2025〕7号 as recorded in CALENDAR-FACTS.md', () => {
    const y = find('national', 2026)!;
    expect(y.level).toBe('official');
    expect(y.source).toContain('国办发明电〔2025〕7号');
    const off = [
      ...range('2026-01-01', '2026-01-03'),
      ...range('2026-02-15', '2026-02-23'),
      ...range('2026-04-04', '2026-04-06'),
      ...range('2026-05-01', '2026-05-05'),
      ...range('2026-06-19', '2026-06-21'),
      ...range('2026-09-25', '2026-09-27'),
      ...range('2026-10-01', '2026-10-07'),
    ];
    expect(y.holidays.map((d) => d.date)).toEqual(off);
    expect(y.workdays.map((d) => d.date)).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
    expect(y.holidays.every((d) => d.name)).toBe(true);
  });

  test('national 2025 has the 13-day schedule with 除夕 and the combined 国庆节、中秋节', () => {
    const y = find('national', 2025)!;
    const dates = y.holidays.map((d) => d.date);
    expect(dates).toEqual(expect.arrayContaining(range('2025-01-28', '2025-02-04')));
    expect(dates).toEqual(expect.arrayContaining(range('2025-10-01', '2025-10-08')));
    expect(y.holidays.find((d) => d.date === '2025-10-06')!.name).toBe('国庆节、中秋节');
    expect(y.workdays.map((d) => d.date)).toEqual(['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11']);
  });

  test('national data agrees with the chinese-days package it was generated from', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const cd = require('chinese-days/dist/chinese-days.json') as { holidays: Record<string, string>; workdays: Record<string, string> };
    for (let year = 2020; year <= 2026; year++) {
      const y = find('national', year)!;
      const pick = (t: Record<string, string>) => Object.keys(t).filter((d) => d.startsWith(`${year}-`)).sort();
      expect(y.holidays.map((d) => d.date)).toEqual(pick(cd.holidays));
      expect(y.workdays.map((d) => d.date)).toEqual(pick(cd.workdays));
    }
  });

  test('guangxi 2020 is an empty year that says 三月三 was cancelled', () => {
    const y = find('guangxi', 2020)!;
    expect(y.holidays).toEqual([]);
    expect(y.workdays).toEqual([]);
    expect(y.note).toMatch(/cancel/);
  });

  test('guangxi 三月三 days and levels follow CALENDAR-FACTS.md', () => {
    const off = (year: number) => find('guangxi', year)!.holidays.map((d) => d.date);
    expect(off(2021)).toEqual(expect.arrayContaining(range('2021-04-14', '2021-04-16')));
    expect(find('guangxi', 2021)!.workdays.map((d) => d.date)).toEqual(['2021-04-18']);
    expect(off(2022)).toEqual(range('2022-04-02', '2022-04-06'));
    expect(off(2023)).toEqual(range('2023-04-21', '2023-04-23'));
    expect(off(2024)).toEqual(expect.arrayContaining(range('2024-04-11', '2024-04-12')));
    expect(off(2025)).toEqual(expect.arrayContaining(range('2025-03-31', '2025-04-01')));
    expect(off(2026)).toEqual(range('2026-04-17', '2026-04-20'));
    expect([2020, 2021, 2022, 2023, 2024, 2025, 2026].map((y) => find('guangxi', y)!.level)).toEqual([
      'official', 'secondary', 'secondary', 'press', 'press', 'secondary', 'press',
    ]);
  });

  test('xishuangbanna 泼水节 days follow CALENDAR-FACTS.md', () => {
    expect(find('xishuangbanna', 2022)!.holidays.map((d) => d.date)).toEqual(range('2022-04-11', '2022-04-17'));
    expect(find('xishuangbanna', 2022)!.workdays.map((d) => d.date)).toEqual(['2022-04-09', '2022-04-10']);
    expect(find('xishuangbanna', 2023)!.holidays.map((d) => d.date)).toEqual(range('2023-04-12', '2023-04-16'));
    expect(find('xishuangbanna', 2024)!.holidays.map((d) => d.date)).toEqual(range('2024-04-15', '2024-04-17'));
    expect(find('xishuangbanna', 2025)!.holidays.map((d) => d.date)).toEqual(range('2025-04-14', '2025-04-16'));
    expect(find('xishuangbanna', 2023)!.level).toBe('official');
  });

  test('bundledDataDir finds the data folder', () => {
    expect(fs.existsSync(path.join(bundledDataDir(), 'national', '2026.json'))).toBe(true);
  });
});

describe('WorkingCalendar', () => {
  const guangxi = new WorkingCalendar(['national', 'guangxi'], data);
  const national = new WorkingCalendar(['national'], data);
  const banna = new WorkingCalendar(['national', 'xishuangbanna'], data);

  test.each([
    ['weekday', national, '2026-03-09', { working: true, reason: 'weekday', provisional: false }],
    ['Saturday', national, '2026-03-07', { working: false, reason: 'weekend', provisional: false }],
    ['national holiday', national, '2026-10-01', { working: false, reason: 'holiday', name: '国庆节', scope: 'national' }],
    ['national holiday on a weekend', national, '2026-10-03', { working: false, reason: 'holiday', name: '国庆节' }],
    ['make-up Saturday', national, '2026-10-10', { working: true, reason: 'makeup-workday', name: '国庆节调休', scope: 'national' }],
    ['三月三 weekday in Guangxi', guangxi, '2026-04-17', { working: false, reason: 'holiday', name: '壮族三月三', scope: 'guangxi' }],
    ['same day elsewhere', national, '2026-04-17', { working: true, reason: 'weekday' }],
    ['Guangxi holiday beats a national make-up Saturday (2022-04-02)', guangxi, '2022-04-02', { working: false, reason: 'holiday', scope: 'guangxi' }],
    ['same Saturday worked nationally', national, '2022-04-02', { working: true, reason: 'makeup-workday', scope: 'national' }],
    ['national holiday named first where both scopes mark it', guangxi, '2022-04-04', { working: false, name: '清明节', scope: 'national' }],
    ['Guangxi make-up Sunday 2021-04-18', guangxi, '2021-04-18', { working: true, reason: 'makeup-workday', scope: 'guangxi' }],
    ['2021-04-18 nationally a Sunday', national, '2021-04-18', { working: false, reason: 'weekend' }],
    ['Guangxi 2023-04-23 off although a national make-up day', guangxi, '2023-04-23', { working: false, reason: 'holiday', scope: 'guangxi' }],
    ['泼水节 2025', banna, '2025-04-15', { working: false, reason: 'holiday', scope: 'xishuangbanna' }],
    ['泼水节 2022 make-up Saturday', banna, '2022-04-09', { working: true, reason: 'makeup-workday', scope: 'xishuangbanna' }],
    ['2027 weekday is provisional', national, '2027-01-01', { working: true, reason: 'weekday', provisional: true }],
    ['2027 weekend is provisional', guangxi, '2027-01-02', { working: false, reason: 'weekend', provisional: true }],
    ['2019 is provisional too', national, '2019-10-01', { working: true, reason: 'weekday', provisional: true }],
  ])('%s: %s', (_what, cal, date, expected) => {
    expect((cal as WorkingCalendar).dayInfo(date as string)).toMatchObject({ date, ...(expected as object) });
    expect((cal as WorkingCalendar).isWorkingDay(date as string)).toBe((expected as { working: boolean }).working);
  });

  test('hasNationalYear and missingYears', () => {
    expect(banna.hasNationalYear(2026)).toBe(true);
    expect(banna.hasNationalYear(2027)).toBe(false);
    expect(banna.missingYears(2020, 2027)).toEqual([
      { scope: 'national', year: 2027 },
      { scope: 'xishuangbanna', year: 2020 },
      { scope: 'xishuangbanna', year: 2021 },
      { scope: 'xishuangbanna', year: 2026 },
      { scope: 'xishuangbanna', year: 2027 },
    ]);
    expect(guangxi.missingYears(2020, 2026)).toEqual([]);
  });

  test('a year loaded later (as an administrator would) is used and no longer provisional', () => {
    const y2027: CalendarYearData = validateCalendarYear({
      scope: 'national', year: 2027, holidays: [{ date: '2027-01-01', name: '元旦' }], workdays: [], source: 'test', level: 'official',
    });
    const cal = new WorkingCalendar(['national'], [...data, y2027]);
    expect(cal.dayInfo('2027-01-01')).toMatchObject({ working: false, reason: 'holiday', provisional: false });
  });

  test('rejects bad dates and bad scopes', () => {
    expect(() => national.dayInfo('2026-13-01')).toThrow(RangeError);
    expect(() => national.isWorkingDay('2026/10/01')).toThrow(RangeError);
    expect(() => new WorkingCalendar([], data)).toThrow(CalendarDataError);
    expect(() => new WorkingCalendar(['National'], data)).toThrow(CalendarDataError);
    expect(() => new WorkingCalendar(['national', 'national'], data)).toThrow(/twice/);
    expect(() => new WorkingCalendar(['national'], [...data, find('national', 2026)!])).toThrow(/national\/2026 given twice/);
  });
});

describe('validateCalendarYear', () => {
  const good = () => ({
    scope: 'guangxi',
    year: 2027,
    holidays: [{ date: '2027-04-09', name: '壮族三月三' }],
    workdays: [{ date: '2027-04-11' }],
    source: '广西壮族自治区人民政府办公厅通知',
    level: 'official',
  });

  test('accepts a good year and sorts its days', () => {
    const input = good();
    input.holidays.push({ date: '2027-04-08', name: '壮族三月三' });
    const out = validateCalendarYear(input);
    expect(out.holidays.map((d) => d.date)).toEqual(['2027-04-08', '2027-04-09']);
  });

  test.each<[string, (x: Record<string, unknown>) => void, RegExp]>([
    ['not an object', () => undefined, /JSON object/],
    ['bad scope', (x) => (x.scope = 'Guang Xi'), /"scope" must be lower-case/],
    ['year too early', (x) => (x.year = 1999), /"year" must be an integer from 2000 to 2100/],
    ['year not an integer', (x) => (x.year = '2027'), /"year"/],
    ['date format', (x) => (x.holidays = [{ date: '2027-4-9' }]), /holidays\[0\]\.date must be a real calendar date written YYYY-MM-DD/],
    ['impossible date', (x) => (x.workdays = [{ date: '2027-02-29' }]), /workdays\[0\]\.date must be a real calendar date/],
    ['date in another year', (x) => (x.holidays = [{ date: '2026-04-09' }]), /holidays\[0\]\.date 2026-04-09 is not in the year 2027/],
    ['both holiday and workday', (x) => (x.workdays = [{ date: '2027-04-09' }]), /2027-04-09 is listed both as a holiday and as a make-up workday/],
    ['duplicate date', (x) => (x.holidays = [{ date: '2027-04-09' }, { date: '2027-04-09' }]), /listed twice/],
    ['bad level', (x) => (x.level = 'rumour'), /"level" must be one of official, press, secondary/],
    ['missing source', (x) => delete x.source, /"source"/],
    ['unknown field', (x) => (x.holiday = []), /unknown field "holiday"/],
    ['holidays not an array', (x) => (x.holidays = {}), /"holidays" must be an array/],
    ['empty name', (x) => (x.holidays = [{ date: '2027-04-09', name: '' }]), /name must be a non-empty string/],
    ['unknown day field', (x) => (x.holidays = [{ date: '2027-04-09', off: true }]), /unknown field "off"/],
  ])('rejects %s', (_what, mutate, message) => {
    const input = good() as unknown as Record<string, unknown>;
    const arg = _what === 'not an object' ? 'guangxi 2027' : input;
    mutate(input);
    expect(() => validateCalendarYear(arg)).toThrow(CalendarDataError);
    expect(() => validateCalendarYear(arg)).toThrow(message);
  });

  test('the loader names the file and checks that the name matches the content', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calendar-'));
    try {
      fs.mkdirSync(path.join(dir, 'guangxi'));
      fs.writeFileSync(path.join(dir, 'guangxi', '2028.json'), JSON.stringify(good()));
      expect(() => loadBundledCalendarData(dir)).toThrow(/guangxi\/2028\.json: contains scope "guangxi" year 2027/);
      fs.writeFileSync(path.join(dir, 'guangxi', '2028.json'), '{ not json');
      expect(() => loadBundledCalendarData(dir)).toThrow(/2028\.json: not valid JSON/);
      fs.writeFileSync(path.join(dir, 'guangxi', '2028.json'), JSON.stringify({ ...good(), level: 'x' }));
      expect(() => loadBundledCalendarData(dir)).toThrow(/2028\.json: guangxi\/2027: "level"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no local-time Date methods in src/calendar', () => {
  // The library must never read the host's zone: only getUTC*/setUTC*/Date.UTC with a fixed +8 h.
  const forbidden =
    /\.(?:get|set)(?:FullYear|Month|Date|Day|Hours|Minutes|Seconds|Milliseconds)\(|\.toLocale\w*\(|getTimezoneOffset|\.toDateString\(|\.toTimeString\(|Date\.parse\(|new Date\(\s*[\w.]+\s*,/;
  const dir = path.resolve(__dirname, '../../src/calendar');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  test('there are sources to check', () => expect(files.length).toBeGreaterThanOrEqual(3));
  test.each(files)('%s', (file) => {
    const offending = fs
      .readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .map((line, i) => `${file}:${i + 1}: ${line.trim()}`)
      .filter((line) => forbidden.test(line));
    expect(offending).toEqual([]);
  });
});
