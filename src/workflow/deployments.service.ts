/**
 * Deploying diagrams: at start every processes/<county>/*.bpmn, and through the API. A version is
 * written only when the content changed; running instances stay on the version they started with.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { User, assertCounty, visibleCounties } from '../auth/access';
import type { Clock } from '../clock';
import type { DefinitionRow } from '../db/tables';
import { DefinitionStore, DefinitionSummary } from '../engine/definition-store';
import { checksumOf, compileDefinition } from '../engine/definitions';
import type { DeadlinePort } from '../engine/elements';
import type { ServiceRegistry } from '../engine/services';
import { NotFoundError } from '../errors';
import { isUuid } from '../ids';
import type { FormSchema, TenantRegistry } from '../tenants';

export type { DefinitionSummary };

export interface DeployResult {
  definition: DefinitionSummary;
  created: boolean;
}

export class DeploymentService {
  constructor(
    private readonly knex: Knex,
    private readonly store: DefinitionStore,
    private readonly tenants: TenantRegistry,
    private readonly services: ServiceRegistry,
    private readonly deadlines: DeadlinePort,
    private readonly clock: Clock,
  ) {}

  /** Deploys every diagram of processes/<county>/ (at boot); answers one line per new version. */
  async deployTenants(actor: string): Promise<string[]> {
    const lines: string[] = [];
    for (const t of this.tenants.list()) {
      for (const d of t.diagrams) {
        try {
          const r = await this.deploy(t.id, d.xml, d.file, actor);
          if (r.created) lines.push(`deployed ${t.id}/${d.file} as ${r.definition.process_key} v${r.definition.version}`);
        } catch (err) {
          throw new Error(`processes/${t.id}/${d.file}: ${(err as Error).message}`);
        }
      }
    }
    return lines;
  }

  /** POST /counties/{county}/deployments. */
  async deployAs(user: User, countyId: string, xml: string, fileName: string | null, forms: Record<string, FormSchema>): Promise<DeployResult> {
    assertCounty(user, countyId);
    return this.deploy(countyId, xml, fileName, user.id, forms);
  }

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
          const same = await this.store.sameContent(trx, countyId, compiled.processKey, checksumOf(xml));
          if (same) return { definition: same, created: false };
          const row: DefinitionRow = {
            id: randomUUID(),
            county_id: countyId,
            process_key: compiled.processKey,
            version: (await this.store.lastVersion(trx, countyId, compiled.processKey)) + 1,
            name: compiled.name,
            file_name: fileName,
            checksum: compiled.checksum,
            source: xml,
            serialized_context: compiled.serializedContext,
            elements,
            deployed_by: actor,
            deployed_at: this.clock.now(),
          };
          await this.store.insert(trx, row);
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

  /** Deployed definitions visible to the user: the latest version of each, or every version. */
  async list(user: User, filter: { countyId?: string; processKey?: string; allVersions?: boolean }): Promise<DefinitionSummary[]> {
    if (filter.countyId) assertCounty(user, filter.countyId);
    const rows = await this.store.list({ counties: visibleCounties(user), countyId: filter.countyId, processKey: filter.processKey });
    if (filter.allVersions) return rows;
    const seen = new Set<string>();
    return rows.filter((r) => {
      const k = `${r.county_id}/${r.process_key}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  /** One version with its BPMN XML. */
  async get(user: User, id: string): Promise<Omit<DefinitionRow, 'serialized_context'>> {
    const row = isUuid(id) ? await this.store.row(id) : undefined;
    if (!row) throw new NotFoundError(`No process definition ${id}`);
    assertCounty(user, row.county_id, 'definition');
    const { serialized_context: _c, ...rest } = row;
    return rest;
  }
}
