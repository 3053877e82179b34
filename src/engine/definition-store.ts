/**
 * Deployed definitions, read from the database and kept in memory per version: the deserialized
 * context is built once and shared by every engine that runs that version (it is read-only).
 */
import type { Knex } from 'knex';
import { deserialize } from 'moddle-context-serializer';
import type { DefinitionRow } from '../database/tables';
import { NotFoundError } from '../errors';
import { hostTypeResolver } from './elements';

export interface LoadedDefinition {
  row: Omit<DefinitionRow, 'source' | 'serialized_context'>;
  /** Deserialized moddle context, shared by engines (passed as sourceContext). */
  context: unknown;
}

export class DefinitionStore {
  private readonly cache = new Map<string, LoadedDefinition>();

  constructor(private readonly knex: Knex) {}

  async get(id: string, trx: Knex | Knex.Transaction = this.knex): Promise<LoadedDefinition> {
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
  async latest(countyId: string, processKey: string, trx: Knex | Knex.Transaction = this.knex): Promise<LoadedDefinition> {
    const row = await trx<DefinitionRow>('process_definitions')
      .where({ county_id: countyId, process_key: processKey })
      .orderBy('version', 'desc')
      .select('id')
      .first();
    if (!row) throw new NotFoundError(`County ${countyId} has no process "${processKey}" deployed`, { county: countyId, processKey });
    return this.get(row.id, trx);
  }
}
