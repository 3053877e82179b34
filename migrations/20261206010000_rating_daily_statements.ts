import type { Knex } from 'knex';

/**
 * The rating rollup (20261205020000_rating_daily) kept by statement triggers instead of row triggers: one
 * insert … select over the statement's transition tables (the rows it inserted, changed or deleted),
 * joined once to the 办件 register and the cases, instead of a plpgsql call with two lookups per rating.
 * A batch of 500 ratings writes its deltas in one statement; the deltas are the same rows as before.
 */
const ROWS = (table: string, n: number) => `
      select r.county_id, (r.rated_at at time zone 'Asia/Shanghai')::date, coalesce(sc.unit_id, ''), r.channel, r.level, r.is_default, coalesce(c.status = 'revoked', false), ${n}
        from ${table} r left join service_cases sc on sc.id = r.service_case_id left join cases c on c.id = r.case_id
       where r.is_current`;

const FUNCTION = `
  create or replace function rating_daily_evaluation_rows() returns trigger language plpgsql as $$
  begin
    if tg_op in ('UPDATE', 'DELETE') then
      insert into rating_daily_delta (county_id, day, unit_id, channel, level, is_default, revoked, n) ${ROWS('old_rows', -1)};
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
      insert into rating_daily_delta (county_id, day, unit_id, channel, level, is_default, revoked, n) ${ROWS('new_rows', 1)};
    end if;
    return null;
  end $$;`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists rating_daily_evaluations on evaluations');
  await knex.raw(FUNCTION);
  // A trigger with transition tables has one event: three of them, one function.
  await knex.raw('create trigger rating_daily_evaluations_ins after insert on evaluations referencing new table as new_rows for each statement execute function rating_daily_evaluation_rows()');
  await knex.raw('create trigger rating_daily_evaluations_upd after update on evaluations referencing old table as old_rows new table as new_rows for each statement execute function rating_daily_evaluation_rows()');
  await knex.raw('create trigger rating_daily_evaluations_del after delete on evaluations referencing old table as old_rows for each statement execute function rating_daily_evaluation_rows()');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['ins', 'upd', 'del']) await knex.raw(`drop trigger if exists rating_daily_evaluations_${t} on evaluations`);
  await knex.raw('drop function if exists rating_daily_evaluation_rows()');
  await knex.raw('create trigger rating_daily_evaluations after insert or update or delete on evaluations for each row execute function rating_daily_evaluations()');
}
