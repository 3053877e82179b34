import type { Knex } from 'knex';

/**
 * Timers fired in batches (src/engine/timer-batch.ts). A reminder or an escalation that only notifies is
 * fired without its engine: the notification and the journal are written at once, and the timer row is
 * marked fired (fired_at) instead of deleted. The engine catches up at the instance's next step, where
 * the row tells the drive that the notification went out already (src/engine/drive.ts).
 *
 * The claim of due timers reads unfired rows only: the index on due_at becomes partial, so fired rows
 * waiting for their catch-up cost the scheduler nothing.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table timers add column fired_at timestamptz null`);
  await knex.raw(
    `comment on column timers.fired_at is 'Fired in a batch without its engine (src/engine/timer-batch.ts): its messages and journal rows are written; the next step of the instance catches the engine up and deletes the row'`,
  );
  await knex.raw(`drop index if exists timers_due_ix`);
  await knex.raw(`create index timers_due_unfired_ix on timers (due_at) where fired_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index if exists timers_due_unfired_ix`);
  await knex.raw(`create index if not exists timers_due_ix on timers (due_at)`);
  await knex.raw(`alter table timers drop column fired_at`);
}
