/**
 * The process_definitions table: its only writer, and the deployed versions kept in memory: the
 * deserialized context is built once per version and shared by every engine that runs it (read-only).
 */
import type { Knex } from 'knex';
import { deserialize } from 'moddle-context-serializer';
import type { DefinitionRow } from '../db/tables';
import { NotFoundError } from '../errors';
import { hostTypeResolver } from './elements';

export interface LoadedDefinition {
  row: Omit<DefinitionRow, 'source' | 'serialized_context'>;
  /** Deserialized moddle context, shared by engines (passed as sourceContext). */
  context: unknown;
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
    const loaded = { row: rest, context: deserialize(JSON.parse(serialized_context), hostTypeResolver) };
    this.cache.set(id, loaded);
    return loaded;
  }

  /** Latest version of a process of a county. */
  async latest(countyId: string, processKey: string, trx: Db = this.knex): Promise<LoadedDefinition> {
    const row = await trx<DefinitionRow>('process_definitions')
      .where({ county_id: countyId, process_key: processKey })
      .orderBy('version', 'desc')
      .select('id')
      .first();
    if (!row) throw new NotFoundError(`County ${countyId} has no process "${processKey}" deployed`, { field: 'processKey', reason: 'is not deployed in this county' });
    return this.get(row.id, trx);
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
