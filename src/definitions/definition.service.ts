/**
 * Deploying diagrams: at start every processes/<county>/*.bpmn, and through the API. A version is
 * written only when the content changed; running instances stay on the version they started with.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Clock } from '../clock/clock';
import type { DefinitionRow } from '../database/tables';
import { compileDefinition, checksumOf } from '../engine/definitions';
import type { DeadlinePort } from '../engine/deadlines';
import type { ServiceRegistry } from '../engine/services';
import { NotFoundError } from '../errors';
import type { FormSchema, TenantRegistry } from '../tenants/tenants';

export type DefinitionSummary = Omit<DefinitionRow, 'source' | 'serialized_context' | 'elements'>;

export interface DeployResult {
  definition: DefinitionSummary;
  created: boolean;
}

const SUMMARY_COLUMNS = ['id', 'county_id', 'process_key', 'version', 'name', 'file_name', 'checksum', 'deployed_by', 'deployed_at'];

export class DefinitionService {
  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly services: ServiceRegistry,
    private readonly deadlines: DeadlinePort,
    private readonly clock: Clock,
  ) {}

  async deploy(countyId: string, xml: string, fileName: string | null, actor: string, extraForms: Record<string, FormSchema> = {}): Promise<DeployResult> {
    const tenant = this.tenants.get(countyId);
    if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
    const forms = { ...tenant.forms, ...extraForms };
    const compiled = await compileDefinition(xml, {
      countyId,
      services: this.services,
      deadlines: this.deadlines,
      hasForm: (k) => k in forms,
    });
    // The forms a version uses are frozen with it.
    const elements = { ...compiled.elements, forms: Object.fromEntries(compiled.formKeys.map((k) => [k, forms[k]])) };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.knex.transaction(async (trx) => {
          const same = await trx('process_definitions')
            .where({ county_id: countyId, process_key: compiled.processKey, checksum: checksumOf(xml) })
            .first(SUMMARY_COLUMNS);
          if (same) return { definition: same, created: false };
          const last = await trx('process_definitions').where({ county_id: countyId, process_key: compiled.processKey }).max<{ max: number | null }>('version as max').first();
          const row = {
            id: randomUUID(),
            county_id: countyId,
            process_key: compiled.processKey,
            version: Number(last?.max ?? 0) + 1,
            name: compiled.name,
            file_name: fileName,
            checksum: compiled.checksum,
            source: xml,
            serialized_context: compiled.serializedContext,
            elements: JSON.stringify(elements),
            deployed_by: actor,
            deployed_at: this.clock.now(),
          };
          await trx('process_definitions').insert(row);
          const { source: _s, serialized_context: _c, elements: _e, ...summary } = row;
          return { definition: summary, created: true };
        });
      } catch (err) {
        // Two processes deploying the same new version at once: the loser reads the winner's row.
        if ((err as { code?: string }).code === '23505' && attempt < 2) continue;
        throw err;
      }
    }
  }

  async list(filter: { counties?: string[] | '*'; countyId?: string; processKey?: string; allVersions?: boolean }): Promise<DefinitionSummary[]> {
    const q = this.knex('process_definitions').select(SUMMARY_COLUMNS).orderBy([{ column: 'county_id' }, { column: 'process_key' }, { column: 'version', order: 'desc' }]);
    if (filter.countyId) q.where({ county_id: filter.countyId });
    if (filter.counties && filter.counties !== '*') q.whereIn('county_id', filter.counties);
    if (filter.processKey) q.where({ process_key: filter.processKey });
    const rows: DefinitionSummary[] = await q;
    if (filter.allVersions) return rows;
    const seen = new Set<string>();
    return rows.filter((r) => {
      const k = `${r.county_id}/${r.process_key}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  async get(id: string): Promise<DefinitionRow> {
    const row = await this.knex<DefinitionRow>('process_definitions').where({ id }).first();
    if (!row) throw new NotFoundError(`No process definition ${id}`);
    return row;
  }
}
