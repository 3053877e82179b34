/**
 * Deadline expressions of the diagrams, computed on the county's working-day calendar (national days
 * plus its region's) and its office hours. This is the DeadlinePort the engine host uses.
 */
import type { DeadlinePort, DeadlineResolution } from '../engine/elements';
import type { TenantRegistry } from '../tenants';
import { computeDeadline, parseDeadline } from './deadline';
import { CalendarYearData, WorkingCalendar } from './working-calendar';

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

  validate(expression: string): void {
    parseDeadline(expression);
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
    return { due: r.due, provisional: r.provisional };
  }
}
