/**
 * Deadline expressions of the diagrams, computed on the county's working-day calendar (national days
 * plus its region's) and its office hours. This is the DeadlinePort the engine host uses.
 */
import type { DeadlinePort, DeadlineResolution } from '../engine/elements';
import type { TenantRegistry } from '../tenants';
import { computeDeadline, parseDeadline } from './deadline';
import { CalendarYearData, WorkingCalendar } from './working-calendar';

/** A deadline further away than this is refused: at deploy, and when a step computes it from a variable. */
export const MAX_DEADLINE_YEARS = 10;

export class CountyDeadlines implements DeadlinePort {
  private readonly calendars = new Map<string, WorkingCalendar>();

  constructor(
    private readonly tenants: TenantRegistry,
    private years: CalendarYearData[],
  ) {}

  /** Replace the calendar data (a year was loaded or corrected). */
  setYears(years: CalendarYearData[]): void {
    this.years = years;
    this.calendars.clear();
  }

  calendarOf(countyId: string): WorkingCalendar {
    let cal = this.calendars.get(countyId);
    if (!cal) {
      const tenant = this.tenants.get(countyId);
      if (!tenant) throw new Error(`unknown county "${countyId}"`);
      cal = new WorkingCalendar(tenant.calendar, this.years);
      this.calendars.set(countyId, cal);
    }
    return cal;
  }

  /** Parses; with a county, also computes it once (from now, an anchor standing for now) so that a deadline too far away is refused. */
  validate(expression: string, countyId?: string): void {
    const parsed = parseDeadline(expression);
    if (!countyId || !this.tenants.get(countyId)) return;
    const now = new Date();
    this.compute(countyId, expression, now, parsed.anchor ? { [parsed.anchor]: now.toISOString() } : {});
  }

  compute(countyId: string, expression: string, from: Date, variables: Record<string, unknown>): DeadlineResolution {
    const parsed = parseDeadline(expression);
    let start = from;
    if (parsed.anchor) {
      const raw = variables[parsed.anchor];
      const at = raw instanceof Date ? raw : typeof raw === 'string' || typeof raw === 'number' ? new Date(raw) : undefined;
      if (!at || Number.isNaN(at.getTime())) throw new Error(`deadline "${expression}": process variable "${parsed.anchor}" is not an instant`);
      start = at;
    }
    const tenant = this.tenants.get(countyId);
    const r = computeDeadline(parsed, start, this.calendarOf(countyId), tenant?.officeHours ? { close: tenant.officeHours.close } : undefined);
    const horizon = new Date(start.getTime());
    horizon.setUTCFullYear(horizon.getUTCFullYear() + MAX_DEADLINE_YEARS);
    if (!(r.due instanceof Date) || Number.isNaN(r.due.getTime()) || r.due.getTime() > horizon.getTime()) {
      throw new Error(`deadline "${expression}" falls more than ${MAX_DEADLINE_YEARS} years after it starts`);
    }
    return { due: r.due, provisional: r.provisional };
  }
}
