/**
 * Every table of the database, counted and fingerprinted in one statement: rows, and the sum of the
 * transaction ids that wrote them (xmin), so that an update shows as well as an insert or a delete.
 * "Nothing was written" is: the same answer before and after.
 */
import type { Knex } from 'knex';

export type TableCounts = () => Promise<Record<string, string>>;

/** A function that answers {table: "rows/xmin-sum"} for every table of the database (as migrated when asked for it). */
export async function countRows(knex: Knex): Promise<TableCounts> {
  const tables: string[] = (await knex.raw(`select tablename from pg_tables where schemaname = current_schema() and tablename not like 'knex_%' order by tablename`)).rows.map((r: { tablename: string }) => r.tablename);
  const sql = tables.map((t) => `select '${t}' as t, count(*)::text || '/' || coalesce(sum(xmin::text::bigint), 0)::text as v from "${t}"`).join(' union all ');
  return async () => {
    const rows: Array<{ t: string; v: string }> = (await knex.raw(sql)).rows;
    return Object.fromEntries(rows.map((r) => [r.t, r.v]));
  };
}

/** Every table's rows as text (for scanning what the database holds). */
export async function tableTexts(knex: Knex): Promise<Record<string, string>> {
  const tables: string[] = (await knex.raw(`select tablename from pg_tables where schemaname = current_schema() and tablename not like 'knex_%' order by tablename`)).rows.map((r: { tablename: string }) => r.tablename);
  const out: Record<string, string> = {};
  for (const t of tables) out[t] = (await knex.raw(`select coalesce(string_agg(x::text, E'\\n'), '') as v from "${t}" x`)).rows[0].v;
  return out;
}
