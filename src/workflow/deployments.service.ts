/**
 * Deploying diagrams: at start every processes/<county>/*.bpmn, and through the API. A version is
 * written only when the content changed. At start running instances stay on the version they started
 * with; a deploy through the API moves them to the new version (src/workflow/migrations.service.ts),
 * and is refused when that would strand some, unless a plan maps their elements or they are kept.
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
import { MigrationOutlook, MigrationService, MigrationView, elementTypesOf } from './migrations.service';

export type { DefinitionSummary };

export interface DeployResult {
  definition: DefinitionSummary;
  created: boolean;
  /** A dry run: nothing was written; `definition` is the version the deploy would write (or the one it would reuse). */
  dryRun?: boolean;
  /** What the deploy does (or would do) to the running instances of the process. */
  instances?: MigrationOutlook;
  /** The migration the deploy started, as it stood when the answer was sent. */
  migration?: MigrationView;
}

export interface DeployOptions {
  /** Check only: answer what would be refused and what would happen to running instances; write nothing. */
  dryRun?: boolean;
  /** Move the running instances to the new version (every API deploy; at start they stay). */
  moveInstances?: boolean;
  /** Old element id → new element id, for the waits the new version renamed. */
  mapping?: Record<string, string>;
  /** Instances that the new version would strand stay on their version instead of the deploy being refused. */
  keepStranded?: boolean;
}

export class DeploymentService {
  constructor(
    private readonly knex: Knex,
    private readonly store: DefinitionStore,
    private readonly tenants: TenantRegistry,
    private readonly services: ServiceRegistry,
    private readonly deadlines: DeadlinePort,
    private readonly clock: Clock,
    private readonly migrations: MigrationService,
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
  async deployAs(user: User, countyId: string, xml: string, fileName: string | null, forms: Record<string, FormSchema>, options: Omit<DeployOptions, 'moveInstances'> = {}): Promise<DeployResult> {
    assertCounty(user, countyId);
    return this.deploy(countyId, xml, fileName, user.id, forms, { ...options, moveInstances: true });
  }

  async deploy(countyId: string, xml: string, fileName: string | null, actor: string, extraForms: Record<string, FormSchema> = {}, options: DeployOptions = {}): Promise<DeployResult> {
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
    const same = await this.store.sameContent(this.knex, countyId, compiled.processKey, checksumOf(xml));
    let instances: MigrationOutlook | undefined;
    if (!same && (options.moveInstances || options.dryRun)) {
      instances = await this.migrations.outlook(countyId, compiled.processKey, { types: elementTypesOf(compiled.serializedContext) }, options.mapping ?? {}, Boolean(options.keepStranded));
      if (options.moveInstances && instances.stranded && !options.keepStranded && !options.dryRun) throw this.migrations.strandedError(instances);
    }
    if (options.dryRun) {
      const version = same?.version ?? (await this.store.lastVersion(this.knex, countyId, compiled.processKey)) + 1;
      const definition = same ?? { id: '', county_id: countyId, process_key: compiled.processKey, version, name: compiled.name, file_name: fileName, checksum: compiled.checksum, deployed_by: actor, deployed_at: this.clock.now() };
      return { definition, created: !same, dryRun: true, instances };
    }
    let migrationId: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.knex.transaction(async (trx): Promise<DeployResult> => {
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
          if (options.moveInstances && instances?.running) {
            migrationId = await this.migrations.request(trx, { countyId, processKey: row.process_key, toDefinitionId: row.id, mapping: options.mapping ?? {}, keepStranded: Boolean(options.keepStranded), actor });
          }
          const { source: _s, serialized_context: _c, elements: _e, ...summary } = row;
          return { definition: summary, created: true, instances };
        });
        if (migrationId) result.migration = await this.migrations.settle(migrationId);
        return result;
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
