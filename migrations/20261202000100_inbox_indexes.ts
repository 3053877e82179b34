import type { Knex } from 'knex';

/**
 * The task inbox at a million open tasks: partial indexes on open tasks only (completed and cancelled
 * rows, the great majority over time, are not in them), each in the inbox's order (due instant, no due
 * instant last, then created, then id), so a page of a filter is a range scan that stops after `limit`
 * rows and a deep page continues from a key (keyset paging, `after`) instead of counting an offset.
 *
 * - by county: the inbox of a county's staff;
 * - by first candidate group and county: 处理中心 or a unit's inbox (almost every task has one group;
 *   a task with several is found through the second index below, few rows);
 * - by assignee: "my tasks";
 * - the open tasks with more than one candidate group (few), by county in the same order, for the
 *   groups after the first (a GIN index would find them but not in order: every page would sort).
 *
 * The columns the filters read are included, so the capped count is an index-only scan (no heap
 * fetch per counted row; an expression alone does not allow one).
 *
 * The sort key coalesce(due_at, 'infinity') is the order "due_at asc nulls last" as one value, so
 * keyset conditions are a row comparison the index answers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index tasks_open_county_ix on tasks (county_id, (coalesce(due_at, 'infinity'::timestamptz)), created_at, id) include (due_at, status) where status = 'open'`);
  await knex.raw(`create index tasks_open_group_ix on tasks ((candidate_groups ->> 0), county_id, (coalesce(due_at, 'infinity'::timestamptz)), created_at, id) include (candidate_groups, due_at, status) where status = 'open'`);
  await knex.raw(`create index tasks_open_assignee_ix on tasks (assignee, (coalesce(due_at, 'infinity'::timestamptz)), created_at, id) include (due_at, status) where status = 'open' and assignee is not null`);
  await knex.raw(
    `create index tasks_open_multi_group_ix on tasks (county_id, (coalesce(due_at, 'infinity'::timestamptz)), created_at, id) include (candidate_groups, due_at, status) where status = 'open' and jsonb_array_length(candidate_groups) > 1`,
  );
  // The old (county_id, status) index served the inbox's filter and the exact count; the partial ones replace it for open tasks.
}

export async function down(knex: Knex): Promise<void> {
  for (const ix of ['tasks_open_county_ix', 'tasks_open_group_ix', 'tasks_open_assignee_ix', 'tasks_open_multi_group_ix']) await knex.raw(`drop index if exists ${ix}`);
}
