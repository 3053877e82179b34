/**
 * Stored calendar years: the tables calendar_years (every version of every (scope, year); the highest
 * version is in force) and calendar_revision (one row, bumped by every load). This module is their only
 * writer.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { CalendarYearRow } from '../db/tables';
import type { CalendarYearData } from './working-calendar';

export type { CalendarYearRow };
export type CalendarOrigin = CalendarYearRow['origin'];

type Db = Knex | Knex.Transaction;

export function contentChecksum(d: CalendarYearData): string {
  const content = { holidays: d.holidays, workdays: d.workdays, source: d.source, level: d.level, note: d.note ?? null };
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

export function toData(r: Pick<CalendarYearRow, 'scope' | 'year' | 'holidays' | 'workdays' | 'source' | 'level' | 'note'>): CalendarYearData {
  const d: CalendarYearData = { scope: r.scope, year: Number(r.year), holidays: r.holidays, workdays: r.workdays, source: r.source, level: r.level };
  if (r.note !== null && r.note !== undefined) d.note = r.note;
  return d;
}

/** The latest version of every (scope, year). */
export async function effectiveYears(db: Db): Promise<CalendarYearData[]> {
  const res = await db.raw('select distinct on (scope, year) scope, year, version, holidays, workdays, source, level, note from calendar_years order by scope, year, version desc');
  const rows: CalendarYearRow[] = res.rows ?? res;
  return rows.map(toData);
}

/** The calendar revision; `lock` takes it FOR UPDATE (a load, which serialises loads; a step reads it with REVISION_FOR_SHARE_SQL). */
export async function readRevision(db: Db, lock?: 'update'): Promise<number> {
  const q = db('calendar_revision').where({ id: 1 });
  if (lock === 'update') q.forUpdate();
  const row = await q.first('revision');
  return Number(row?.revision ?? 0);
}

/**
 * The revision as a scalar sub-select taken FOR SHARE, for a runner step to read in its own lock statement
 * (RunnerOptions.stepGuard): a load, which takes the row FOR UPDATE, waits for it, and it for a load.
 */
export const REVISION_FOR_SHARE_SQL = 'select c.revision from calendar_revision c where c.id = 1 for share';

export async function writeRevision(trx: Knex.Transaction, revision: number): Promise<void> {
  await trx('calendar_revision').where({ id: 1 }).update({ revision, updated_at: new Date() });
}

/** scope, year, version, origin and checksum of every stored version (to seed the bundled files). */
export async function storedVersions(db: Db): Promise<Array<Pick<CalendarYearRow, 'scope' | 'year' | 'version' | 'origin' | 'checksum'>>> {
  return db('calendar_years').select('scope', 'year', 'version', 'origin', 'checksum');
}

export async function lastVersionOf(db: Db, scope: string, year: number): Promise<CalendarYearRow | undefined> {
  return db('calendar_years').where({ scope, year }).orderBy('version', 'desc').first();
}

export async function hasContent(db: Db, scope: string, year: number, checksum: string): Promise<boolean> {
  return Boolean(await db('calendar_years').where({ scope, year, checksum }).first('id'));
}

export async function insertVersion(trx: Knex.Transaction, d: CalendarYearData, v: { version: number; origin: CalendarOrigin; checksum: string; actor: string; at: Date }): Promise<CalendarYearRow> {
  const [row] = await trx('calendar_years')
    .insert({
      scope: d.scope,
      year: d.year,
      version: v.version,
      holidays: JSON.stringify(d.holidays),
      workdays: JSON.stringify(d.workdays),
      source: d.source,
      level: d.level,
      note: d.note ?? null,
      origin: v.origin,
      checksum: v.checksum,
      loaded_by: v.actor,
      loaded_at: v.at,
    })
    .returning('*');
  return row;
}

export async function setRecomputedCount(trx: Knex.Transaction, id: CalendarYearRow['id'], n: number): Promise<void> {
  await trx('calendar_years').where({ id }).update({ recomputed_deadlines: n });
}

/** Every version of a (scope, year), newest first. */
export async function versionsOf(db: Db, scope: string, year: number): Promise<CalendarYearRow[]> {
  return db('calendar_years').where({ scope, year }).orderBy('version', 'desc');
}

/** The versions of a year of several scopes, newest first per scope. */
export async function versionsOfScopes(db: Db, scopes: string[], year: number): Promise<CalendarYearRow[]> {
  return db('calendar_years')
    .where({ year })
    .whereIn('scope', scopes)
    .orderBy([{ column: 'scope' }, { column: 'version', order: 'desc' }]);
}
