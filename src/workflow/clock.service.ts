/**
 * Simulated time for tests, demos and scenario scripts (CLOCK_CONTROL=true, never in production):
 * setting the clock keeps the instant for every server process and fires every timer due then.
 */
import { parseInstant } from '../calendar/civil-date';
import { Clock, SimulatedTime } from '../clock';
import type { TimerJob } from '../engine/timers';
import { ValidationError } from '../errors';

export class ClockService {
  constructor(
    private readonly clock: Clock,
    private readonly time: SimulatedTime,
    private readonly timers: TimerJob,
  ) {}

  read() {
    return { now: this.clock.now(), simulated: this.clock.isSimulated, controllable: this.clock.isControllable };
  }

  async set(raw: unknown): Promise<{ now: Date; timersFired: number }> {
    if (!this.clock.isControllable) throw new ValidationError('The clock cannot be set: start the server with CLOCK_CONTROL=true (never in production)', undefined, 'clock_not_controllable');
    // Any real instant, earlier ones too (tests and demos replay dates out of order); never a rolled-over date.
    const at = typeof raw === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? parseInstant(raw) : undefined;
    if (!at || at.getUTCFullYear() < 2000 || at.getUTCFullYear() > 2100) {
      throw new ValidationError('now must be an ISO 8601 instant from 2000 to 2100, e.g. 2026-10-09T09:00:00+08:00', { field: 'now', reason: 'is not an ISO 8601 instant from 2000 to 2100' });
    }
    await this.time.set(at);
    const timersFired = await this.timers.drain();
    return { now: this.clock.now(), timersFired };
  }
}
