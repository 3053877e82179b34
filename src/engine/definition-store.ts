/**
 * The process_definitions table and the definition_activations table: their only writer, and the
 * deployed versions kept in memory: the deserialized context is built once per version and shared by
 * every engine that runs it (read-only).
 *
 * Which version new instances start is a pointer per (county, process): the newest row of
 * definition_activations. A deploy moves it to the new version; an administrator may move it back to
 * any earlier version (a version that turned out not to run); every move is a row, never changed.
 */
import type { Knex } from 'knex';
import { deserialize } from 'moddle-context-serializer';
import type { DefinitionActivationRow, DefinitionRow } from '../db/tables';
import { NotFoundError } from '../errors';
import { hostTypeResolver } from './elements';
import { NotifyChain, notifyOnlyTimers } from './notify-timers';

export interface LoadedDefinition {
  row: Omit<DefinitionRow, 'source' | 'serialized_context'>;
  /** Deserialized moddle context, shared by engines (passed as sourceContext). */
  context: unknown;
  /** Its timers that only notify, by boundary event id: they may fire in a batch (src/engine/notify-timers.ts). */
  notifyTimers?: Record<string, NotifyChain>;
}

export type DefinitionSummary = Omit<DefinitionRow, 'source' | 'serialized_context' | 'elements'>;

export const SUMMARY_COLUMNS = ['id', 'county_id', 'process_key', 'version', 'name', 'file_name', 'checksum', 'deployed_by', 'deployed_at'];

type Db = Knex | Knex.Transaction;

export class DefinitionStore {
  private readonly cache = new Map<string, LoadedDefinition>();

  constructor(private readonly knex: Knex) {}

  async get(id: string, trx: Db = this.knex): Promise<LoadedDefinition> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const row = await trx<DefinitionRow>('process_definitions').where({ id }).first();
    if (!row) throw new NotFoundError(`No process definition ${id}`);
    const { source: _source, serialized_context, ...rest } = row;
    const context = deserialize(JSON.parse(serialized_context), hostTypeResolver);
    const loaded = { row: rest, context, notifyTimers: notifyOnlyTimers(context, rest.elements?.serviceTasks ?? {}) };
    this.cache.set(id, loaded);
    return loaded;
  }

  /** The version of a process that new instances start (the current one). */
  async current(countyId: string, processKey: string, trx: Db = this.knex): Promise<LoadedDefinition> {
    const id = await this.currentId(trx, countyId, processKey);
    if (!id) throw new NotFoundError(`County ${countyId} has no process "${processKey}" deployed`, { field: 'processKey', reason: 'is not deployed in this county' });
    return this.get(id, trx);
  }

  /** The version new instances start; kept for callers that knew it as the latest. */
  latest(countyId: string, processKey: string, trx: Db = this.knex): Promise<LoadedDefinition> {
    return this.current(countyId, processKey, trx);
  }

  /** Id of the current version: the newest activation, or (none recorded) the highest version. */
  async currentId(db: Db, countyId: string, processKey: string): Promise<string | undefined> {
    const act = await db<DefinitionActivationRow>('definition_activations').where({ county_id: countyId, process_key: processKey }).orderBy('id', 'desc').first('definition_id');
    if (act) return act.definition_id;
    const row = await db<DefinitionRow>('process_definitions').where({ county_id: countyId, process_key: processKey }).orderBy('version', 'desc').first('id');
    return row?.id;
  }

  /** Current version ids of every process of the counties asked for. */
  async currentIds(db: Db = this.knex): Promise<Set<string>> {
    const rows: Array<{ definition_id: string }> = await db
      .select('a.definition_id')
      .from('definition_activations as a')
      .whereRaw('a.id = (select max(b.id) from definition_activations b where b.county_id = a.county_id and b.process_key = a.process_key)');
    const out = new Set(rows.map((r) => r.definition_id));
    const without = await db('process_definitions as d')
      .whereNotExists((q) => q.select(db.raw('1')).from('definition_activations as a').whereRaw('a.county_id = d.county_id and a.process_key = d.process_key'))
      .whereRaw('d.version = (select max(x.version) from process_definitions x where x.county_id = d.county_id and x.process_key = d.process_key)')
      .select('d.id');
    for (const r of without) out.add(r.id);
    return out;
  }

  /** Moves the pointer: from now on new instances start this version. */
  async activate(trx: Db, def: Pick<DefinitionRow, 'id' | 'county_id' | 'process_key' | 'version'>, reason: DefinitionActivationRow['reason'], actor: string, at: Date): Promise<void> {
    await trx('definition_activations').insert({ county_id: def.county_id, process_key: def.process_key, definition_id: def.id, version: def.version, reason, actor, at });
  }

  /** Every move of the pointer of a process, newest first. */
  async activations(countyId: string, processKey: string, db: Db = this.knex): Promise<DefinitionActivationRow[]> {
    return db<DefinitionActivationRow>('definition_activations').where({ county_id: countyId, process_key: processKey }).orderBy('id', 'desc');
  }

  /** One version by number. */
  async byVersion(db: Db, countyId: string, processKey: string, version: number): Promise<DefinitionSummary | undefined> {
    return db('process_definitions').where({ county_id: countyId, process_key: processKey, version }).first(SUMMARY_COLUMNS);
  }

  /** A whole row with its XML. */
  async row(id: string, db: Db = this.knex): Promise<DefinitionRow | undefined> {
    return db<DefinitionRow>('process_definitions').where({ id }).first();
  }

  /** The version of a process with exactly this content, if deployed. */
  async sameContent(trx: Db, countyId: string, processKey: string, checksum: string): Promise<DefinitionSummary | undefined> {
    return trx('process_definitions').where({ county_id: countyId, process_key: processKey, checksum }).first(SUMMARY_COLUMNS);
  }

  async lastVersion(trx: Db, countyId: string, processKey: string): Promise<number> {
    const last = await trx('process_definitions').where({ county_id: countyId, process_key: processKey }).max<{ max: number | null }>('version as max').first();
    return Number(last?.max ?? 0);
  }

  async insert(trx: Db, row: DefinitionRow): Promise<void> {
    await trx('process_definitions').insert({ ...row, elements: JSON.stringify(row.elements) });
  }

  async list(filter: { counties?: string[] | '*'; countyId?: string; processKey?: string }): Promise<DefinitionSummary[]> {
    const q = this.knex('process_definitions').select(SUMMARY_COLUMNS).orderBy([{ column: 'county_id' }, { column: 'process_key' }, { column: 'version', order: 'desc' }]);
    if (filter.countyId) q.where({ county_id: filter.countyId });
    if (filter.counties && filter.counties !== '*') q.whereIn('county_id', filter.counties);
    if (filter.processKey) q.where({ process_key: filter.processKey });
    return q;
  }

  /** Is any version of this process deployed in the county? */
  async exists(db: Db, countyId: string, processKey: string): Promise<boolean> {
    return Boolean(await db('process_definitions').where({ county_id: countyId, process_key: processKey }).first('id'));
  }
}
