/**
 * The one clock of the application. Every "now" of the domain (deadlines, timers, task times, journal)
 * comes from here. In production it is the system clock. With CLOCK_CONTROL it can be set: from then on it
 * stands still at the instant set (simulated time) until set again, so tests and scenario scripts are exact.
 * Leases between server processes use wall time, never this clock.
 */
export class Clock {
  private fixed: number | undefined;
  private listeners: Array<(now: Date) => void> = [];

  constructor(private readonly controllable = false) {}

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return this.fixed ?? Date.now();
  }

  get isControllable(): boolean {
    return this.controllable;
  }

  get isSimulated(): boolean {
    return this.fixed !== undefined;
  }

  /** Sets simulated time. Only when the clock was built controllable. */
  set(instant: Date): void {
    if (!this.controllable) throw new Error('This clock cannot be set (CLOCK_CONTROL is off)');
    this.fixed = instant.getTime();
    for (const l of this.listeners) l(this.now());
  }

  onSet(listener: (now: Date) => void): void {
    this.listeners.push(listener);
  }
}
