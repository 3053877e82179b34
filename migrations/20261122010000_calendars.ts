import type { Knex } from 'knex';

/**
 * Working-day calendar data in the database, versioned. Every load of a (scope, year) — the
 * bundled files at start, or an administrator through PUT /api/v1/calendars/{scope}/{year} — writes a
 * new version; the latest version of each (scope, year) is the one in force. calendar_revision is one
 * row that every load increments, so each server process can tell cheaply that it must reload.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('calendar_years', (t) => {
    t.comment('One version of the holidays and make-up workdays of a calendar scope (national, guangxi, …) for one year; rows are never changed');
    t.bigIncrements('id').comment('Row id');
    t.string('scope', 64).notNullable().comment('Calendar scope: national, or a regional scope named in tenant.yaml calendar');
    t.integer('year').notNullable().comment('Calendar year');
    t.integer('version').notNullable().comment('1, 2, … per (scope, year); the highest is in force');
    t.jsonb('holidays').notNullable().comment('Every day off: [{date: YYYY-MM-DD, name}]');
    t.jsonb('workdays').notNullable().comment('Make-up workdays (调休上班日): [{date, name}]');
    t.text('source').notNullable().comment('Notice or report the data comes from');
    t.string('level', 16).notNullable().comment('How well sourced: official | press | secondary');
    t.text('note').comment('Free remark');
    t.string('origin', 16).notNullable().comment('bundled (src/calendar/data file at start) | api (loaded by a user)');
    t.string('checksum', 64).notNullable().comment('sha256 of holidays, workdays, source, level and note');
    t.string('loaded_by', 100).notNullable().comment('User id, or "bundled"');
    t.timestamp('loaded_at', { useTz: true }).notNullable().comment('Clock time of the load');
    t.integer('recomputed_deadlines').notNullable().defaultTo(0).comment('Pending timers and task due dates this load moved or re-flagged');
    t.unique(['scope', 'year', 'version'], { indexName: 'calendar_years_version_uq' });
  });

  await knex.schema.createTable('calendar_revision', (t) => {
    t.comment('A single row: incremented by every calendar load; each process reloads its calendars when it differs from what it holds');
    t.integer('id').primary().comment('Always 1');
    t.bigInteger('revision').notNullable().comment('Number of calendar loads so far');
    t.timestamp('updated_at', { useTz: true }).notNullable().comment('Wall time of the last load');
  });
  await knex('calendar_revision').insert({ id: 1, revision: 0, updated_at: new Date() });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('calendar_revision');
  await knex.schema.dropTableIfExists('calendar_years');
}
