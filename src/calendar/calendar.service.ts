/**
 * Calendar years in the database: loading and versioning, the effective calendars the deadline port
 * computes with, the questions administrators ask, and the warnings about missing years.
 *
 * Storage (src/calendar/calendar-store.ts): every version of every (scope, year); the highest version is
 * in force. At start the bundled files (src/calendar/data) are written as version 1 of each (scope, year)
 * the database does not have. A later release whose file differs is written as a new version only while
 * the year has never been loaded by a person (the latest version came from a file) and no stored version
 * has that content; an administrator's version is never replaced by a file.
 *
 * Several server processes: every load increments the calendar revision in the load's transaction
 * (under FOR UPDATE, which also serialises loads). Each process remembers the revision its calendars
 * were built from and compares it with the stored one: inside every runner step (read FOR SHARE by the
 * step's own lock statement, so a load and a step computing deadlines never overlap), before answering
 * the calendar endpoints and /health, and as a scheduler job; when it differs the process reloads the
 * years in force and hands them to CountyDeadlines.setYears().
 */
import type { Knex } from 'knex';
import { User, assertCounty, assertMay, canSeeCounty } from '../auth/access';
import type { Clock } from '../clock';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors';
import type { Logger } from '../log';
import type { TenantRegistry } from '../tenants';
import {
  CalendarOrigin,
  CalendarYearRow,
  contentChecksum,
  effectiveYears,
  hasContent,
  insertVersion,
  lastVersionOf,
  REVISION_FOR_SHARE_SQL,
  readRevision,
  setRecomputedCount,
  storedVersions,
  versionsOf,
  versionsOfScopes,
  writeRevision,
} from './calendar-store';
import { addDays, formatShanghai, shanghaiDate } from './civil-date';
import type { CountyDeadlines } from './county-deadlines';
import { DeadlineSyntaxError, computeDeadline, describeDeadline, parseDeadline } from './deadline';
import { RecomputeResult, ScopeYear, recomputePendingDeadlines } from './recompute';
import type { Progress } from '../progress';
import { CalendarDataError, CalendarYearData, NATIONAL_SCOPE, SourceLevel, isCalendarScope, loadBundledCalendarData, validateCalendarYear } from './working-calendar';

export interface CalendarVersionView {
  scope: string;
  year: number;
  version: number;
  holidays: Array<{ date: string; name?: string }>;
  workdays: Array<{ date: string; name?: string }>;
  source: string;
  level: SourceLevel;
  note: string | null;
  origin: CalendarOrigin;
  loadedBy: string;
  loadedAt: Date;
  recomputedDeadlines: number;
}

export interface LoadResult {
  created: boolean;
  calendar: CalendarVersionView;
  recomputed: { timers: number; tasks: number; changes: Array<{ kind: string; id: string; instanceId: string; old: Date; new: Date; provisional: boolean }> };
}

const YEAR_RE = /^\d{4}$/;

function view(r: CalendarYearRow): CalendarVersionView {
  return {
    scope: r.scope,
    year: Number(r.year),
    version: Number(r.version),
    holidays: r.holidays,
    workdays: r.workdays,
    source: r.source,
    level: r.level,
    note: r.note ?? null,
    origin: r.origin,
    loadedBy: r.loaded_by,
    loadedAt: r.loaded_at,
    recomputedDeadlines: Number(r.recomputed_deadlines),
  };
}

function parseYear(raw: string): number {
  if (!YEAR_RE.test(raw ?? '')) throw new ValidationError(`year must be four digits, e.g. 2027; got ${JSON.stringify(raw)}`, { field: 'year', reason: 'must be four digits' });
  const year = Number(raw);
  if (year < 2000 || year > 2100) throw new ValidationError(`year must be from 2000 to 2100, got ${year}`, { field: 'year', reason: 'must be from 2000 to 2100' });
  return year;
}

export class CalendarService {
  readonly name = 'calendar';
  private revision = -1;
  private refreshing?: Promise<void>;
  private effective: CalendarYearData[] = [];
  private lastWarnedDay?: string;

  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly deadlines: CountyDeadlines,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly bundled: () => CalendarYearData[] = () => loadBundledCalendarData(),
    private readonly progress?: Progress,
  ) {}

  /** At start: bundled files into the database where absent, then the years in force into the deadline port. */
  async start(): Promise<void> {
    await this.seedBundled();
    await this.refresh(true);
    this.logWarnings();
  }

  /**
   * The guard of every runner step (RunnerOptions.stepGuard): the step's lock statement reads the revision
   * FOR SHARE (a calendar load, which takes the row FOR UPDATE, and a step computing deadlines never
   * overlap); when it differs from ours the years in force are read again inside the step's transaction
   * (PGlite has one connection: never leave the transaction), so a step never computes with a calendar
   * older than the one committed.
   */
  readonly stepGuard = {
    sql: REVISION_FOR_SHARE_SQL,
    check: async (trx: Knex.Transaction, value: unknown): Promise<void> => {
      const revision = Number(value ?? 0);
      if (revision === this.revision) return;
      this.apply(await effectiveYears(trx), revision);
    },
  };

  /** A scheduler job: catch up with a year another process loaded, and log missing years once a day. */
  async run(): Promise<void> {
    await this.refresh();
    this.logWarnings();
  }

  /** Reloads the years in force when the calendar revision in the database differs from ours. */
  async refresh(force = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      const revision = await readRevision(this.knex);
      if (!force && revision === this.revision) return;
      const years = await effectiveYears(this.knex);
      this.apply(years, revision);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  get currentRevision(): number {
    return this.revision;
  }

  private apply(years: CalendarYearData[], revision: number) {
    this.effective = years;
    this.deadlines.setYears(years);
    this.revision = revision;
  }

  private async seedBundled(): Promise<void> {
    const files = this.bundled();
    const stored = await storedVersions(this.knex);
    const byKey = new Map<string, typeof stored>();
    for (const r of stored) {
      const k = `${r.scope}/${r.year}`;
      if (!byKey.has(k)) byKey.set(k, []);
      byKey.get(k)!.push(r);
    }
    const toLoad: CalendarYearData[] = [];
    for (const f of files) {
      const versions = (byKey.get(`${f.scope}/${f.year}`) ?? []).sort((a, b) => b.version - a.version);
      if (!versions.length) {
        toLoad.push(f);
        continue;
      }
      const sum = contentChecksum(f);
      if (versions.some((v) => v.checksum === sum)) continue;
      if (versions[0].origin === 'bundled') toLoad.push(f);
      else this.logger.log(`calendar ${f.scope}/${f.year}: the bundled file differs from version ${versions[0].version} loaded by a user; the user's version stays in force`);
    }
    if (!toLoad.length) return;
    const r = await this.write(toLoad, 'bundled', 'bundled', true);
    this.logger.log(
      `calendar: loaded ${r.written.length} bundled year(s) into the database (${r.written.map((w) => `${w.scope}/${w.year} v${w.version}`).join(', ')})` +
        (r.recomputed.timers + r.recomputed.tasks ? `; recomputed ${r.recomputed.timers} timer(s) and ${r.recomputed.tasks} task due date(s)` : ''),
    );
  }

  /**
   * Writes new versions, recomputes the pending deadlines they affect and bumps the calendar revision,
   * all in one transaction; then the deadline port of this process switches to the new years.
   */
  private async write(
    list: CalendarYearData[],
    actor: string,
    origin: CalendarOrigin,
    onlyIfChanged: boolean,
  ): Promise<{ written: CalendarYearRow[]; unchanged: CalendarYearRow[]; recomputed: RecomputeResult }> {
    const now = this.clock.now();
    const out = await this.knex.transaction(async (trx) => {
      const rev = await readRevision(trx, 'update');
      const written: CalendarYearRow[] = [];
      const unchanged: CalendarYearRow[] = [];
      for (const d of list) {
        const sum = contentChecksum(d);
        const last = await lastVersionOf(trx, d.scope, d.year);
        if (onlyIfChanged && last && last.checksum === sum) {
          unchanged.push(last);
          continue;
        }
        if (origin === 'bundled' && last && (last.origin !== 'bundled' || (await hasContent(trx, d.scope, d.year, sum)))) {
          // Another process seeded it meanwhile, or a user loaded it: a file never replaces a user's version.
          unchanged.push(last);
          continue;
        }
        const row = await insertVersion(trx, d, { version: Number(last?.version ?? 0) + 1, origin, checksum: sum, actor, at: now });
        written.push(row);
      }
      if (!written.length) return { written, unchanged, recomputed: { timers: 0, tasks: 0, changes: [] }, years: undefined, revision: rev };
      const years = await effectiveYears(trx);
      const changed: ScopeYear[] = written.map((w) => ({ scope: w.scope, year: Number(w.year) }));
      const recomputed = await recomputePendingDeadlines(trx, {
        tenants: this.tenants,
        years,
        changed,
        now,
        actor,
        label: written.map((w) => `${w.scope}/${w.year} v${w.version}`).join(', '),
        logger: this.logger,
        progress: this.progress,
      });
      if (written.length === 1) {
        await setRecomputedCount(trx, written[0].id, recomputed.timers + recomputed.tasks);
        written[0].recomputed_deadlines = recomputed.timers + recomputed.tasks;
      }
      const revision = rev + 1;
      await writeRevision(trx, revision);
      return { written, unchanged, recomputed, years, revision };
    });
    if (out.years) this.apply(out.years, out.revision);
    return out;
  }

  // ---- API ----------------------------------------------------------------------------------------

  /** PUT /api/v1/calendars/{scope}/{year}: validates and writes a new version (unless identical to the current one). */
  async load(user: User, scopeRaw: string, yearRaw: string, body: unknown): Promise<LoadResult> {
    if (!isCalendarScope(scopeRaw)) throw new ValidationError(`scope must be lower-case letters, digits or "-" (e.g. national, guangxi), got ${JSON.stringify(scopeRaw)}`, { field: 'scope' });
    const year = parseYear(yearRaw);
    this.assertMayLoad(user, scopeRaw);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationError('send a JSON object {holidays: [{date, name}], workdays: [{date, name}], source, level, note?}', { field: 'body' });
    }
    const b = body as Record<string, unknown>;
    if (b.scope !== undefined && b.scope !== scopeRaw) throw new ValidationError(`scope in the body (${JSON.stringify(b.scope)}) differs from the path (${scopeRaw})`, { field: 'scope' });
    if (b.year !== undefined && b.year !== year) throw new ValidationError(`year in the body (${JSON.stringify(b.year)}) differs from the path (${year})`, { field: 'year' });
    let data: CalendarYearData;
    try {
      data = validateCalendarYear({ ...b, scope: scopeRaw, year });
    } catch (err) {
      if (err instanceof CalendarDataError) throw new ValidationError(err.message, { field: err.field ?? 'body' });
      throw err;
    }
    const weekday = data.workdays.findIndex((d) => {
      const wd = new Date(`${d.date}T00:00:00Z`).getUTCDay();
      return wd !== 0 && wd !== 6;
    });
    if (weekday >= 0) {
      throw new ValidationError(`workdays[${weekday}].date ${data.workdays[weekday].date} is a weekday; a make-up workday (调休上班日) is a Saturday or Sunday that is worked`, {
        field: `workdays[${weekday}].date`,
      });
    }
    const r = await this.write([data], user.id, 'api', true);
    const row = r.written[0] ?? r.unchanged[0];
    if (r.written.length) {
      this.logger.log(
        `calendar ${row.scope}/${row.year} v${row.version} loaded by ${user.id}; recomputed ${r.recomputed.timers} timer(s) and ${r.recomputed.tasks} task due date(s)`,
      );
    }
    return {
      created: r.written.length > 0,
      calendar: view(row),
      recomputed: {
        timers: r.recomputed.timers,
        tasks: r.recomputed.tasks,
        changes: r.recomputed.changes.map((c) => ({ kind: c.kind, id: c.id, instanceId: c.instanceId, old: c.old, new: c.new, provisional: c.newProvisional })),
      },
    };
  }

  /**
   * Loading a scope changes the deadlines of every county whose calendar uses it. The national calendar
   * is every county's: installation administrators only. A regional scope: an administrator or process
   * administrator who sees every county using it (a scope no county uses yet needs all counties).
   */
  private assertMayLoad(user: User, scope: string) {
    if (scope === NATIONAL_SCOPE) return assertMay(user, 'calendar.load-national');
    assertMay(user, 'calendar.load');
    const users = this.tenants.list().filter((t) => t.calendar.includes(scope));
    const hidden = users.filter((t) => !canSeeCounty(user, t.id));
    if (hidden.length) throw new ForbiddenError(`The calendar scope "${scope}" is also used by counties you cannot administer; ask an administrator`, [{ field: 'scope', reason: 'is used by counties that are not yours' }]);
    if (!users.length && !user.counties.includes('*')) throw new ForbiddenError(`No county uses the calendar scope "${scope}" yet; only an administrator of all counties may create it`, [{ field: 'scope', reason: 'is used by no county yet' }]);
  }

  /** GET /api/v1/calendars/{scope}/{year}: the version in force and every stored version, newest first. */
  async versions(scopeRaw: string, yearRaw: string) {
    if (!isCalendarScope(scopeRaw)) throw new ValidationError(`scope must be lower-case letters, digits or "-", got ${JSON.stringify(scopeRaw)}`, { field: 'scope' });
    const year = parseYear(yearRaw);
    const rows = await versionsOf(this.knex, scopeRaw, year);
    if (!rows.length) throw new NotFoundError(`No calendar data for ${scopeRaw} ${year}; load it with PUT /api/v1/calendars/${scopeRaw}/${year}`);
    return { scope: scopeRaw, year, current: view(rows[0]), versions: rows.map(view) };
  }

  /** GET /api/v1/counties/{county}/calendar/{year}: the county's effective calendar for a year. */
  async countyCalendar(user: User, countyId: string, yearRaw: string) {
    assertCounty(user, countyId);
    const tenant = this.tenants.get(countyId);
    if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
    const year = parseYear(yearRaw);
    await this.refresh();
    const cal = this.deadlines.calendarOf(countyId);
    const inForce = this.effective.filter((y) => y.year === year && tenant.calendar.includes(y.scope));
    const rows: CalendarYearRow[] = inForce.length
      ? await versionsOfScopes(this.knex, tenant.calendar, year)
      : [];
    const sources = tenant.calendar.flatMap((scope) => {
      const r = rows.find((x) => x.scope === scope);
      return r ? [{ scope, version: Number(r.version), source: r.source, level: r.level, note: r.note ?? null, loadedBy: r.loaded_by, loadedAt: r.loaded_at }] : [];
    });
    const nonWorkingDays: Array<{ date: string; reason: string; name?: string; scope?: string }> = [];
    const makeUpWorkdays: Array<{ date: string; name?: string; scope?: string }> = [];
    let workingDays = 0;
    for (let date = `${year}-01-01`; date.startsWith(`${year}-`); date = addDays(date, 1)) {
      const info = cal.dayInfo(date);
      if (info.working) workingDays++;
      if (!info.working) nonWorkingDays.push(strip({ date, reason: info.reason, name: info.name, scope: info.scope }));
      else if (info.reason === 'makeup-workday') makeUpWorkdays.push(strip({ date, name: info.name, scope: info.scope }));
    }
    const missingScopes = tenant.calendar.filter((s) => !inForce.some((y) => y.scope === s));
    return {
      county: countyId,
      year,
      scopes: tenant.calendar,
      officeHours: tenant.officeHours ?? null,
      provisional: !cal.isComplete(year),
      missingScopes,
      sources,
      workingDays,
      nonWorkingDays,
      makeUpWorkdays,
    };
  }

  /** GET /api/v1/calendars/{county}/add?from=&expr=: when a deadline expression falls due, and what it skipped. */
  async add(user: User, countyId: string, fromRaw: unknown, exprRaw: unknown) {
    assertCounty(user, countyId);
    const tenant = this.tenants.get(countyId);
    if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
    if (typeof exprRaw !== 'string' || exprRaw.trim() === '') {
      throw new ValidationError('expr is required: a deadline expression such as 2wd, 15d, 当日, 次月10日', { field: 'expr' });
    }
    let from = this.clock.now();
    if (fromRaw !== undefined && fromRaw !== '') {
      let ok = false;
      if (typeof fromRaw === 'string') {
        // An unencoded "+08:00" in a query string arrives as " 08:00".
        const text = /T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)? \d{2}:\d{2}$/.test(fromRaw) ? fromRaw.replace(/ (\d{2}:\d{2})$/, '+$1') : fromRaw;
        try {
          const p = parseDeadline(text);
          if (p.kind === 'instant') {
            from = new Date(p.epochMs);
            ok = true;
          }
        } catch {
          /* answered below */
        }
      }
      if (!ok) throw new ValidationError(`from must be an ISO 8601 instant with an offset, e.g. 2026-09-30T15:00:00+08:00; got ${JSON.stringify(fromRaw)}`, { field: 'from' });
    }
    let parsed;
    try {
      parsed = parseDeadline(exprRaw);
    } catch (err) {
      if (err instanceof DeadlineSyntaxError) throw new ValidationError(err.message, { field: 'expr' }, 'invalid_deadline');
      throw err;
    }
    await this.refresh();
    const r = computeDeadline(parsed, from, this.deadlines.calendarOf(countyId), tenant.officeHours ? { close: tenant.officeHours.close } : undefined);
    return {
      county: countyId,
      expression: exprRaw,
      meaning: describeDeadline(parsed),
      ...(parsed.anchor ? { anchor: parsed.anchor, anchorNote: `counted from "from", standing for the process variable ${parsed.anchor}` } : {}),
      from: formatShanghai(from),
      due: formatShanghai(r.due),
      dueUtc: r.due.toISOString(),
      lastDay: r.lastDay ?? shanghaiDate(r.due),
      provisional: r.provisional,
      skipped: r.skipped,
      officeHoursClose: tenant.officeHours?.close ?? null,
    };
  }

  // ---- warnings -----------------------------------------------------------------------------------

  /**
   * Years that should be loaded by now (clock time, Asia/Shanghai), for every calendar scope a county
   * uses (national and regional): the current year always, and from 1 December the next one (the State
   * Council publishes it in November; regional notices follow).
   */
  warnings(): string[] {
    const today = shanghaiDate(this.clock.now());
    const year = Number(today.slice(0, 4));
    const users = new Map<string, string[]>([[NATIONAL_SCOPE, []]]);
    for (const t of this.tenants.list()) for (const s of t.calendar) if (s !== NATIONAL_SCOPE) users.set(s, [...(users.get(s) ?? []), t.id]);
    const out: string[] = [];
    for (const [scope, counties] of users) {
      const loaded = new Set(this.effective.filter((y) => y.scope === scope).map((y) => y.year));
      const who = counties.length ? ` (${counties.join(', ')})` : '';
      if (!loaded.has(year)) out.push(`${scope} ${year} not loaded${who}`);
      if (today >= `${year}-12-01` && !loaded.has(year + 1)) out.push(`${scope} ${year + 1} not loaded${who}`);
    }
    return out;
  }

  /** For /health. */
  async health(): Promise<{ revision: number; warnings: string[] }> {
    await this.refresh();
    return { revision: this.revision, warnings: this.warnings() };
  }

  /** Logs the warnings at most once per Shanghai day (at start and from the poll). Returns whether it logged. */
  logWarnings(): boolean {
    const w = this.warnings();
    const today = shanghaiDate(this.clock.now());
    if (!w.length || this.lastWarnedDay === today) return false;
    this.lastWarnedDay = today;
    for (const line of w) {
      const scopeYear = /^(\S+) (\d{4})/.exec(line);
      const hint = scopeYear ? `: load it with PUT /api/v1/calendars/${scopeYear[1]}/${scopeYear[2]}; until then deadlines running into it skip only the days that are loaded and are marked provisional` : '';
      this.logger.warn(`calendar: ${line}${hint}`);
    }
    return true;
  }
}

function strip<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
