import type { Knex } from 'knex';

/**
 * rating_daily: the ratings in force per county, Shanghai day, unit, channel, level, default and
 * revoked, so that a bulletin reads days, not ratings (a month of 10 million ratings in milliseconds).
 *
 * Triggers on evaluations (a rating in force added, superseded or removed) and on cases (revoked or
 * not) append +1 / -1 rows to rating_daily_delta in the transaction of the change: an insert, never an
 * update of a shared row, so ratings arriving together never wait on one counter. rating_daily_compact()
 * (the bulletins job of the scheduler) moves the deltas into rating_daily; a reader adds both. The
 * triggers and the compaction are the only writers; the migration fills rating_daily from the ratings
 * already there.
 */
const FUNCTIONS = [
`
  create or replace function rating_daily_add(p_county text, p_at timestamptz, p_sc uuid, p_channel text, p_level smallint, p_default boolean, p_case uuid, p_n integer)
  returns void language plpgsql as $$
  declare v_unit text; v_revoked boolean;
  begin
    select coalesce(unit_id, '') into v_unit from service_cases where id = p_sc;
    select coalesce(status = 'revoked', false) into v_revoked from cases where id = p_case;
    insert into rating_daily_delta (county_id, day, unit_id, channel, level, is_default, revoked, n)
    values (p_county, (p_at at time zone 'Asia/Shanghai')::date, coalesce(v_unit, ''), p_channel, p_level, p_default, coalesce(v_revoked, false), p_n);
  end $$;`,
  `
  create or replace function rating_daily_evaluations() returns trigger language plpgsql as $$
  begin
    if tg_op in ('UPDATE', 'DELETE') and old.is_current then
      perform rating_daily_add(old.county_id, old.rated_at, old.service_case_id, old.channel, old.level, old.is_default, old.case_id, -1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.is_current then
      perform rating_daily_add(new.county_id, new.rated_at, new.service_case_id, new.channel, new.level, new.is_default, new.case_id, 1);
    end if;
    return null;
  end $$;`,
  `
  create or replace function rating_daily_cases() returns trigger language plpgsql as $$
  declare e record;
  begin
    if (old.status = 'revoked') is distinct from (new.status = 'revoked') then
      for e in select * from evaluations where case_id = new.id and is_current loop
        -- Out of the bucket of the old state, into the new one.
        insert into rating_daily_delta (county_id, day, unit_id, channel, level, is_default, revoked, n)
        select e.county_id, (e.rated_at at time zone 'Asia/Shanghai')::date, coalesce(sc.unit_id, ''), e.channel, e.level, e.is_default, b.revoked, b.n
          from (values (old.status = 'revoked', -1), (new.status = 'revoked', 1)) as b(revoked, n)
          left join service_cases sc on sc.id = e.service_case_id;
      end loop;
    end if;
    return null;
  end $$;`,
  `
  create or replace function rating_daily_compact() returns integer language plpgsql as $$
  declare moved integer;
  begin
    -- Deletes the deltas this statement sees (later ones stay for the next run) and adds them up.
    with d as (delete from rating_daily_delta returning *)
    insert into rating_daily (county_id, day, unit_id, channel, level, is_default, revoked, n)
    select county_id, day, unit_id, channel, level, is_default, revoked, sum(n) from d group by 1, 2, 3, 4, 5, 6, 7
    on conflict (county_id, day, unit_id, channel, level, is_default, revoked) do update set n = rating_daily.n + excluded.n;
    get diagnostics moved = row_count;
    return moved;
  end $$;`,
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rating_daily', (t) => {
    t.comment('Ratings in force per county, Shanghai day, unit, channel, level, default and revoked; kept by the triggers rating_daily_evaluations and rating_daily_cases (their only writer)');
    t.string('county_id', 64).notNullable().comment('County');
    t.date('day').notNullable().comment('Day of rated_at in Asia/Shanghai');
    t.string('unit_id', 64).notNullable().comment("Unit of the 办件 ('' when none)");
    t.string('channel', 16).notNullable().comment('Channel code');
    t.smallint('level').notNullable().comment('1–5');
    t.boolean('is_default').notNullable().comment('The 7-day default');
    t.boolean('revoked').notNullable().comment('Its case was revoked (appeal upheld)');
    t.bigInteger('n').notNullable().comment('Ratings in the bucket');
    t.primary(['county_id', 'day', 'unit_id', 'channel', 'level', 'is_default', 'revoked']);
  });
  await knex.schema.createTable('rating_daily_delta', (t) => {
    t.comment('Changes of rating_daily not yet compacted (+1 / -1 per rating in force added or removed, revoked or not); appended by the triggers, moved by rating_daily_compact()');
    t.string('county_id', 64).notNullable().comment('County');
    t.date('day').notNullable().comment('Day of rated_at in Asia/Shanghai');
    t.string('unit_id', 64).notNullable().comment("Unit of the 办件 ('' when none)");
    t.string('channel', 16).notNullable().comment('Channel code');
    t.smallint('level').notNullable().comment('1–5');
    t.boolean('is_default').notNullable().comment('The 7-day default');
    t.boolean('revoked').notNullable().comment('Its case was revoked');
    t.integer('n').notNullable().comment('+1 or -1');
    t.index(['county_id', 'day'], 'rating_daily_delta_ix');
  });
  for (const f of FUNCTIONS) await knex.raw(f);
  await knex.raw('create trigger rating_daily_evaluations after insert or update or delete on evaluations for each row execute function rating_daily_evaluations()');
  await knex.raw('create trigger rating_daily_cases after update of status on cases for each row execute function rating_daily_cases()');
  await knex.raw(`
    insert into rating_daily (county_id, day, unit_id, channel, level, is_default, revoked, n)
    select e.county_id, (e.rated_at at time zone 'Asia/Shanghai')::date, coalesce(sc.unit_id, ''), e.channel, e.level, e.is_default, coalesce(c.status = 'revoked', false), count(*)
      from evaluations e join service_cases sc on sc.id = e.service_case_id left join cases c on c.id = e.case_id
     where e.is_current
     group by 1, 2, 3, 4, 5, 6, 7`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists rating_daily_cases on cases');
  await knex.raw('drop trigger if exists rating_daily_evaluations on evaluations');
  await knex.raw('drop function if exists rating_daily_compact()');
  await knex.raw('drop function if exists rating_daily_cases()');
  await knex.raw('drop function if exists rating_daily_evaluations()');
  await knex.raw('drop function if exists rating_daily_add(text, timestamptz, uuid, text, smallint, boolean, uuid, integer)');
  await knex.schema.dropTableIfExists('rating_daily_delta');
  await knex.schema.dropTableIfExists('rating_daily');
}
