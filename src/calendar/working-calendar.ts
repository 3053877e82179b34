/**
 * Working-day calendars per jurisdiction: the national State Council holidays plus regional ones
 * (壮族三月三 in Guangxi, 泼水节 in 西双版纳). Pure: the only I/O is loadBundledCalendarData(),
 * which reads the JSON files shipped in src/calendar/data once at start-up.
 *
 * Rules (State Council holiday notices; 民法典 第二百零一条 for counting):
 * - Saturday and Sunday are rest days unless a scope in the calendar lists them as a make-up
 *   workday (调休上班日).
 * - A holiday of any scope makes the day a rest day, and wins over a make-up workday of another
 *   scope (Guangxi 2022-04-02: a national make-up Saturday that Guangxi rests for 三月三).
 * - A day in a year that any scope of the calendar lacks is judged on what is loaded (weekends
 *   and the scopes that have the year) and reported as provisional until every scope has it: a
 *   西双版纳 day in a year whose 泼水节 is not loaded is as uncertain as one without the national notice.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCivilDate, weekday } from './civil-date';

export interface CalendarDay {
  date: string;
  name?: string;
}

export type SourceLevel = 'official' | 'press' | 'secondary';

export interface CalendarYearData {
  scope: string;
  year: number;
  /** Every day off of each holiday period, weekdays and weekend days alike. */
  holidays: CalendarDay[];
  /** Make-up working days (调休上班日), usually a Saturday or Sunday. */
  workdays: CalendarDay[];
  /** Where the data comes from, e.g. "国办发明电〔2025〕7号 (2025-11-04)". */
  source: string;
  level: SourceLevel;
  note?: string;
}

export type DayReason = 'weekday' | 'weekend' | 'holiday' | 'makeup-workday';

export interface DayInfo {
  date: string;
  working: boolean;
  reason: DayReason;
  name?: string;
  scope?: string;
  provisional: boolean;
}

export class CalendarDataError extends Error {
  /** The field the message is about, e.g. "level" or "holidays[2].date", when there is one. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'CalendarDataError';
    if (field !== undefined) this.field = field;
  }
}

export const NATIONAL_SCOPE = 'national';
const SCOPE_RE = /^[a-z0-9-]+$/;
const LEVELS: readonly SourceLevel[] = ['official', 'press', 'secondary'];
const KNOWN_KEYS = new Set(['scope', 'year', 'holidays', 'workdays', 'source', 'level', 'note']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateDays(value: unknown, field: 'holidays' | 'workdays', year: number, where: string): CalendarDay[] {
  if (!Array.isArray(value)) throw new CalendarDataError(`${where}: "${field}" must be an array of {date, name?}`, field);
  const seen = new Set<string>();
  const out: CalendarDay[] = [];
  value.forEach((entry, i) => {
    const path = `${field}[${i}]`;
    const at = `${where}: ${path}`;
    if (!isRecord(entry)) throw new CalendarDataError(`${at} must be an object like {"date":"${year}-10-01","name":"国庆节"}`, path);
    for (const k of Object.keys(entry)) {
      if (k !== 'date' && k !== 'name') throw new CalendarDataError(`${at} has unknown field "${k}" (allowed: date, name)`, `${path}.${k}`);
    }
    const date = entry.date;
    if (typeof date !== 'string' || !parseCivilDate(date)) {
      throw new CalendarDataError(`${at}.date must be a real calendar date written YYYY-MM-DD, got ${JSON.stringify(date)}`, `${path}.date`);
    }
    if (!date.startsWith(`${year}-`)) throw new CalendarDataError(`${at}.date ${date} is not in the year ${year} of this file`, `${path}.date`);
    if (seen.has(date)) throw new CalendarDataError(`${at}.date ${date} is listed twice in ${field}`, `${path}.date`);
    seen.add(date);
    const day: CalendarDay = { date };
    if (entry.name !== undefined) {
      if (typeof entry.name !== 'string' || entry.name.trim() === '') {
        throw new CalendarDataError(`${at}.name must be a non-empty string when present`, `${path}.name`);
      }
      day.name = entry.name;
    }
    out.push(day);
  });
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/**
 * Checks one year of calendar data (as loaded from a file or received through the API) and
 * returns a normalised copy (days sorted by date). Throws CalendarDataError naming the field and
 * the reason.
 */
export function validateCalendarYear(input: unknown): CalendarYearData {
  if (!isRecord(input)) throw new CalendarDataError('calendar year must be a JSON object with scope, year, holidays, workdays, source, level');
  for (const k of Object.keys(input)) {
    if (!KNOWN_KEYS.has(k)) throw new CalendarDataError(`unknown field "${k}" (allowed: ${[...KNOWN_KEYS].join(', ')})`, k);
  }
  const { scope, year, source, level, note } = input;
  if (typeof scope !== 'string' || !SCOPE_RE.test(scope)) {
    throw new CalendarDataError(`"scope" must be lower-case letters, digits or "-" (e.g. "national", "guangxi"), got ${JSON.stringify(scope)}`, 'scope');
  }
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 2000 || year > 2100) {
    throw new CalendarDataError(`"year" must be an integer from 2000 to 2100, got ${JSON.stringify(year)}`, 'year');
  }
  const where = `${scope}/${year}`;
  if (typeof source !== 'string' || source.trim() === '') {
    throw new CalendarDataError(`${where}: "source" must name the notice or report the data comes from`, 'source');
  }
  if (typeof level !== 'string' || !(LEVELS as readonly string[]).includes(level)) {
    throw new CalendarDataError(`${where}: "level" must be one of ${LEVELS.join(', ')}, got ${JSON.stringify(level)}`, 'level');
  }
  if (note !== undefined && typeof note !== 'string') throw new CalendarDataError(`${where}: "note" must be a string when present`, 'note');
  const holidays = validateDays(input.holidays, 'holidays', year, where);
  const workdays = validateDays(input.workdays, 'workdays', year, where);
  const off = new Set(holidays.map((d) => d.date));
  const both = workdays.find((d) => off.has(d.date));
  if (both) {
    throw new CalendarDataError(`${where}: ${both.date} is listed both as a holiday and as a make-up workday; keep it in one list only`, 'workdays');
  }
  const out: CalendarYearData = { scope, year, holidays, workdays, source, level: level as SourceLevel };
  if (note !== undefined) out.note = note;
  return out;
}

/** The folder with the bundled data, whether running from src (jest) or from dist/src (tsc output). */
export function bundledDataDir(): string {
  const candidates = [path.resolve(__dirname, 'data'), path.resolve(__dirname, '../../../src/calendar/data')];
  const found = candidates.find((dir) => fs.existsSync(dir) && fs.statSync(dir).isDirectory());
  if (!found) throw new CalendarDataError(`calendar data folder not found; looked in ${candidates.join(' and ')}`);
  return found;
}

/** Reads and validates every data/<scope>/<year>.json file. Synchronous; call once at start-up. */
export function loadBundledCalendarData(dir: string = bundledDataDir()): CalendarYearData[] {
  const out: CalendarYearData[] = [];
  for (const scope of fs.readdirSync(dir).sort()) {
    const scopeDir = path.join(dir, scope);
    if (!fs.statSync(scopeDir).isDirectory()) continue;
    for (const file of fs.readdirSync(scopeDir).sort()) {
      const m = /^(\d{4})\.json$/.exec(file);
      if (!m) continue;
      const full = path.join(scopeDir, file);
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(full, 'utf8'));
      } catch (e) {
        throw new CalendarDataError(`${full}: not valid JSON (${(e as Error).message})`);
      }
      let data: CalendarYearData;
      try {
        data = validateCalendarYear(parsed);
      } catch (e) {
        throw new CalendarDataError(`${full}: ${(e as Error).message}`);
      }
      if (data.scope !== scope || data.year !== Number(m[1])) {
        throw new CalendarDataError(`${full}: contains scope "${data.scope}" year ${data.year}; the file must be named ${data.scope}/${data.year}.json`);
      }
      out.push(data);
    }
  }
  return out;
}

interface Mark {
  scope: string;
  name?: string;
}

/**
 * One jurisdiction's working-day calendar: an ordered list of scopes (national first, then the
 * regional ones) over the loaded years. Immutable; build a new one when data changes.
 */
export class WorkingCalendar {
  readonly scopes: readonly string[];
  private readonly holidays = new Map<string, Mark>();
  private readonly workdays = new Map<string, Mark>();
  private readonly loaded = new Map<string, Set<number>>();

  constructor(scopes: string[], years: CalendarYearData[]) {
    if (!Array.isArray(scopes) || scopes.length === 0) throw new CalendarDataError('a calendar needs at least one scope, e.g. ["national"]');
    for (const s of scopes) {
      if (typeof s !== 'string' || !SCOPE_RE.test(s)) throw new CalendarDataError(`invalid scope ${JSON.stringify(s)}: use lower-case letters, digits or "-"`);
    }
    if (new Set(scopes).size !== scopes.length) throw new CalendarDataError(`scope listed twice in ${JSON.stringify(scopes)}`);
    this.scopes = [...scopes];
    for (const s of scopes) this.loaded.set(s, new Set());
    // Earlier scopes name a day first (national before regional) when two scopes mark the same date.
    for (const scope of scopes) {
      for (const y of years) {
        if (y.scope !== scope) continue;
        const seen = this.loaded.get(scope)!;
        if (seen.has(y.year)) throw new CalendarDataError(`${scope}/${y.year} given twice`);
        seen.add(y.year);
        for (const d of y.holidays) if (!this.holidays.has(d.date)) this.holidays.set(d.date, { scope, name: d.name });
        for (const d of y.workdays) if (!this.workdays.has(d.date)) this.workdays.set(d.date, { scope, name: d.name });
      }
    }
  }

  hasNationalYear(year: number): boolean {
    return this.loaded.get(NATIONAL_SCOPE)?.has(year) ?? false;
  }

  /** Every scope of this calendar has the year loaded; otherwise its days are provisional (a regional holiday may be missing). */
  isComplete(year: number): boolean {
    return this.scopes.every((s) => this.loaded.get(s)!.has(year));
  }

  /** Scope-years of this calendar with no data loaded, e.g. to warn an administrator. */
  missingYears(fromYear: number, toYear: number): { scope: string; year: number }[] {
    const out: { scope: string; year: number }[] = [];
    for (const scope of this.scopes) {
      for (let y = fromYear; y <= toYear; y++) if (!this.loaded.get(scope)!.has(y)) out.push({ scope, year: y });
    }
    return out;
  }

  isWorkingDay(date: string): boolean {
    return this.dayInfo(date).working;
  }

  dayInfo(date: string): DayInfo {
    const ymd = parseCivilDate(date);
    if (!ymd) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
    const provisional = !this.isComplete(ymd.year);
    const holiday = this.holidays.get(date);
    if (holiday) return { date, working: false, reason: 'holiday', name: holiday.name, scope: holiday.scope, provisional };
    const wd = weekday(date);
    const weekend = wd === 0 || wd === 6;
    const makeup = this.workdays.get(date);
    if (makeup && weekend) return { date, working: true, reason: 'makeup-workday', name: makeup.name, scope: makeup.scope, provisional };
    if (weekend) return { date, working: false, reason: 'weekend', provisional };
    return { date, working: true, reason: 'weekday', provisional };
  }
}

/** True for a scope name a calendar year may be stored under (lower-case letters, digits, "-"). */
export function isCalendarScope(scope: unknown): scope is string {
  return typeof scope === 'string' && scope.length <= 64 && SCOPE_RE.test(scope);
}
