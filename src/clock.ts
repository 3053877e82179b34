/**
 * The one clock of the application. Every "now" of the domain (deadlines, timers, task times, journal)
 * comes from here. In production it is the system clock. With CLOCK_CONTROL it can be set: from then on it
 * stands still at the instant set (simulated time) until set again, so tests and scenario scripts are exact.
 * Leases between server processes use wall time, never this clock.
 */
export class Clock {
  private fixed: number | undefined;

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
  }
}

/** Where simulated time is kept so that every server process (and a restart) sees the same instant. */
export interface ClockStore {
  read(): Promise<Date | undefined>;
  write(now: Date): Promise<void>;
}

/**
 * Simulated time shared by the server processes of one database: set it (and keep it), restore it at
 * boot, and follow it when another process set it. Only with CLOCK_CONTROL; production never gets here.
 */
export class SimulatedTime {
  constructor(
    private readonly clock: Clock,
    private readonly store: ClockStore,
  ) {}

  /** At boot: continue from the instant kept in the database, if any. */
  async restore(): Promise<void> {
    if (!this.clock.isControllable) return;
    const saved = await this.store.read();
    if (saved) this.clock.set(saved);
  }

  async set(now: Date): Promise<void> {
    this.clock.set(now);
    await this.store.write(now);
  }

  /** A scheduler job: follow the instant another process set. */
  async follow(): Promise<void> {
    if (!this.clock.isControllable) return;
    const at = await this.store.read();
    if (at && at.getTime() !== this.clock.nowMs()) this.clock.set(at);
  }
}
