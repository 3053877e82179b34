/**
 * The 7-day default (002 第七条, 004 §6.4): a 办件 completed and not rated within 7 natural days counts as
 * 基本满意. Set-based, not a timer per 办件: each 办件 carries the instant its window closes
 * (service_cases.default_at, see src/intake/rating-window.ts) and a flag default_pending; a run takes a batch
 * of due rows (FOR UPDATE SKIP LOCKED, so several server processes share the work), inserts one default
 * rating for each that has no rating in force, and clears the flag, all in one statement per batch.
 *
 * Exactly once: the unique index "one rating in force per 办件" (evaluations_current_uq) makes a second
 * default impossible whatever races; the flag only keeps the scan small. A crash before commit leaves
 * the batch as it was; the next run takes it again. The default is flagged is_default, channel 7, level
 * 3, rated_at = the instant the window closed.
 *
 * It runs from the scheduler poll of every server process (at most every RUN_EVERY_MS of wall time, or at
 * once when the simulated clock moved) and from POST /api/v1/admin/default-ratings/run.
 */
import type { Knex } from 'knex';
import type { Clock } from '../clock';
import type { Logger } from '../log';

const RUN_EVERY_MS = 10_000;
const TICK_BATCHES = 10;

const APPLY = `
  with due as (
    select id from service_cases
    where default_pending and default_at <= ?
    order by default_at
    limit ?
    for update skip locked
  ), applied as (
    insert into evaluations (id, county_id, service_case_id, case_no, level, channel, options, rated_at, received_at, is_default, is_current, created_by)
    select gen_random_uuid(), sc.county_id, sc.id, sc.case_no, 3, '7', '[]'::jsonb, sc.default_at, ?, true, true, 'system'
    from service_cases sc join due on due.id = sc.id
    where not exists (select 1 from evaluations e where e.service_case_id = sc.id and e.is_current)
    on conflict do nothing
    returning 1
  ), checked as (
    update service_cases set default_pending = false where id in (select id from due) returning 1
  )
  select (select count(*) from applied) as applied, (select count(*) from checked) as checked`;

export class DefaultRatings {
  readonly name = 'default-ratings';
  private lastWall = 0;
  private lastClock = 0;
  private running?: Promise<{ applied: number; checked: number; more?: boolean }>;

  constructor(
    private readonly knex: Knex,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly batchSize = 5000,
  ) {}

  /**
   * Applies the defaults due now (by the injected clock), every one of them or at most `maxBatches`
   * batches. Returns how many were applied, looked at, and whether some due ones are left.
   */
  async run(maxBatches = Infinity): Promise<{ applied: number; checked: number; more?: boolean }> {
    const now = this.clock.now();
    let applied = 0;
    let checked = 0;
    let more = false;
    for (let batch = 0; ; batch++) {
      if (batch >= maxBatches) {
        more = true;
        break;
      }
      const res = await this.knex.raw(APPLY, [now, this.batchSize, now]);
      const row = res.rows[0];
      applied += Number(row.applied);
      checked += Number(row.checked);
      if (Number(row.checked) < this.batchSize) break;
    }
    if (applied) this.logger.log(`default ratings: ${applied} 办件 not rated within 7 days rated 基本满意 (channel 7)`);
    return more ? { applied, checked, more } : { applied, checked };
  }

  /** The scheduler job: not more often than every RUN_EVERY_MS, unless the simulated clock moved. */
  async tick(): Promise<void> {
    const wall = Date.now();
    const clock = this.clock.nowMs();
    const clockJumped = this.clock.isSimulated && clock !== this.lastClock;
    if (!clockJumped && wall - this.lastWall < RUN_EVERY_MS) return;
    if (this.running) return;
    this.lastWall = wall;
    this.lastClock = clock;
    // Every default of a day lands at 00:00: a tick takes a bounded share, so timers keep firing
    // meanwhile, and comes back at the next poll for the rest.
    this.running = this.run(TICK_BATCHES);
    try {
      if ((await this.running).more) this.lastWall = 0;
    } finally {
      this.running = undefined;
    }
  }
}
