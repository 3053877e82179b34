/**
 * Deploying diagrams: at start every processes/<county>/*.bpmn, and through the API. A version is
 * written only when the content changed.
 *
 * New instances start the current version of a process: the one last deployed, unless an administrator
 * made an earlier one current again (makeCurrent, or deploying the content of an earlier version through
 * the API). A start of the server never moves the pointer back: a file whose content is deployed already
 * is left as it is.
 *
 * Running instances: at start they stay on the version they started with; a deploy of new content
 * through the API moves them to the new version (src/workflow/migrations.service.ts), and is refused when
 * that would strand some, unless a plan maps their elements or they are kept on their version. Making an
 * earlier version current moves no running instance.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { User, assertCounty, assertMay, visibleCounties } from '../auth/access';
import type { Clock } from '../clock';
import type { DefinitionRow } from '../db/tables';
import { DefinitionStore, DefinitionSummary } from '../engine/definition-store';
import { checksumOf, compileDefinition } from '../engine/definitions';
import type { DeadlinePort } from '../engine/elements';
import type { ServiceRegistry } from '../engine/services';
import { NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../ids';
import type { FormSchema, TenantRegistry } from '../tenants';
import { MigrationOutlook, MigrationService, MigrationView, elementTypesOf } from './migrations.service';

export type { DefinitionSummary };

export interface DeployResult {
  definition: DefinitionSummary;
  created: boolean;
  /** New instances start this version. */
  current: boolean;
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
  /**
   * A deploy through the API: running instances move to new content, and the content of an earlier
   * version makes that version current again (at start neither happens).
   */
  fromApi?: boolean;
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
  async deployAs(user: User, countyId: string, xml: string, fileName: string | null, forms: Record<string, FormSchema>, options: Omit<DeployOptions, 'fromApi'> = {}): Promise<DeployResult> {
    if (!this.tenants.get(countyId)) throw new NotFoundError(`Unknown county "${countyId}"`);
    assertMay(user, 'definition.deploy', countyId);
    if (fileName !== null && (fileName.length > 200 || /[\u0000-\u001f]/.test(fileName))) throw new ValidationError('fileName must be at most 200 characters', { field: 'fileName', reason: 'must be at most 200 characters without control characters' });
    for (const [k, f] of Object.entries(forms)) {
      if (!/^[\w.-]{1,100}$/.test(k)) throw new ValidationError(`the form name "${k.slice(0, 40)}" must be letters, digits, _ . - (at most 100)`, { field: `forms.${k.slice(0, 40)}`, reason: 'is not a form name' });
      if (!f || typeof f !== 'object' || Array.isArray(f) || (f as { type?: unknown }).type !== 'object') throw new ValidationError(`the form "${k}" must be a JSON schema of type object`, { field: `forms.${k}`, reason: 'must be a JSON schema {type: "object", properties}' });
      if (Buffer.byteLength(JSON.stringify(f)) > 64 * 1024) throw new ValidationError(`the form "${k}" is larger than 64 KB`, { field: `forms.${k}`, reason: 'is larger than 64 KB' });
    }
    return this.deploy(countyId, xml, fileName, user.id, forms, { ...options, fromApi: true });
  }

  async deploy(countyId: string, xml: string, fileName: string | null, actor: string, extraForms: Record<string, FormSchema> = {}, options: DeployOptions = {}): Promise<DeployResult> {
    const tenant = this.tenants.get(countyId);
    if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
    const forms: Record<string, FormSchema> = { ...tenant.forms, ...extraForms };
    const compiled = await compileDefinition(xml, {
      countyId,
      services: this.services,
      deadlines: this.deadlines,
      hasForm: (k) => Object.prototype.hasOwnProperty.call(forms, k),
    });
    // The forms a version uses are frozen with it.
    const elements = { ...compiled.elements, forms: Object.fromEntries(compiled.formKeys.map((k) => [k, forms[k]])) };
    const same = await this.store.sameContent(this.knex, countyId, compiled.processKey, checksumOf(xml));
    let instances: MigrationOutlook | undefined;
    if (!same && (options.fromApi || options.dryRun)) {
      instances = await this.migrations.outlook(countyId, compiled.processKey, { types: elementTypesOf(compiled.serializedContext) }, options.mapping ?? {}, Boolean(options.keepStranded));
      if (options.fromApi && instances.stranded && !options.keepStranded && !options.dryRun) throw this.migrations.strandedError(instances);
    }
    if (options.dryRun) {
      const version = same?.version ?? (await this.store.lastVersion(this.knex, countyId, compiled.processKey)) + 1;
      const definition = same ?? { id: '', county_id: countyId, process_key: compiled.processKey, version, name: compiled.name, file_name: fileName, checksum: compiled.checksum, deployed_by: actor, deployed_at: this.clock.now() };
      const current = same ? (await this.store.currentId(this.knex, countyId, compiled.processKey)) === same.id || Boolean(options.fromApi) : true;
      return { definition, created: !same, current, dryRun: true, instances };
    }
    let migrationId: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.knex.transaction(async (trx): Promise<DeployResult> => {
          const same = await this.store.sameContent(trx, countyId, compiled.processKey, checksumOf(xml));
          if (same) {
            let current = (await this.store.currentId(trx, countyId, compiled.processKey)) === same.id;
            if (!current && options.fromApi) {
              await this.store.activate(trx, same, 'redeployed', actor, this.clock.now());
              current = true;
            }
            return { definition: same, created: false, current };
          }
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
          await this.store.activate(trx, row, 'deployed', actor, row.deployed_at);
          if (options.fromApi && instances?.running) {
            migrationId = await this.migrations.request(trx, { countyId, processKey: row.process_key, toDefinitionId: row.id, mapping: options.mapping ?? {}, keepStranded: Boolean(options.keepStranded), actor });
          }
          const { source: _s, serialized_context: _c, elements: _e, ...summary } = row;
          return { definition: summary, created: true, current: true, instances };
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

  /** Deployed definitions visible to the user: the current version of each, or every version (each flagged current or not). */
  async list(user: User, filter: { countyId?: string; processKey?: string; allVersions?: boolean }): Promise<Array<DefinitionSummary & { current: boolean }>> {
    if (filter.countyId) assertCounty(user, filter.countyId);
    const [rows, current] = await Promise.all([this.store.list({ counties: visibleCounties(user), countyId: filter.countyId, processKey: filter.processKey }), this.store.currentIds()]);
    const flagged = rows.map((r) => ({ ...r, current: current.has(r.id) }));
    return filter.allVersions ? flagged : flagged.filter((r) => r.current);
  }

  /**
   * PUT /counties/{county}/processes/{processKey}/current {version}: new instances start this version
   * from now on (running instances stay on theirs). Recorded in definition_activations.
   */
  async makeCurrent(user: User, countyId: string, processKey: string, body: unknown): Promise<DefinitionSummary & { current: true; activations: unknown[] }> {
    if (!this.tenants.get(countyId)) throw new NotFoundError(`Unknown county "${countyId}"`);
    assertMay(user, 'definition.make-current', countyId);
    const version = (body as { version?: unknown } | null)?.version;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) throw new ValidationError('send {"version": <a deployed version number>}', { field: 'version', reason: 'must be a whole number ≥ 1' });
    if (typeof processKey !== 'string' || processKey.length > 128) throw new NotFoundError(`No process ${processKey} in ${countyId}`);
    return this.knex.transaction(async (trx) => {
      const def = await this.store.byVersion(trx, countyId, processKey, version);
      if (!def) throw new NotFoundError(`No version ${version} of ${processKey} in ${countyId}`, { field: 'version', reason: 'is not a deployed version' });
      if ((await this.store.currentId(trx, countyId, processKey)) !== def.id) await this.store.activate(trx, def, 'made-current', user.id, this.clock.now());
      const activations = (await this.store.activations(countyId, processKey, trx)).slice(0, 10).map((a) => ({ version: a.version, definitionId: a.definition_id, reason: a.reason, actor: a.actor, at: a.at }));
      return { ...def, current: true as const, activations };
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
