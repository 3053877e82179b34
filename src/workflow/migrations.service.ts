/**
 * Running instances and new versions of their diagram. A deploy through the API moves the running
 * instances of the process to the new version; before it does, the outlook says for each one where it
 * waits and whether the new version still has those elements. An instance waiting at an element the new
 * version lacks (removed or renamed) would be stranded: the deploy is refused naming it, unless the plan
 * maps the old element to the new one, or the administrator keeps such instances on their version.
 *
 * A migration is a row (version_migrations, this module is its only writer); each instance moves in a
 * step of its own (the runner's `migrate` action, journaled instance.migrated with the plan), so a crash
 * leaves every instance on one version or the other, and the scheduler finishes what was left.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { deserialize } from 'moddle-context-serializer';
import { User, assertCounty } from '../auth/access';
import type { Clock } from '../clock';
import type { InstanceRow, VersionMigrationRow } from '../db/tables';
import type { DefinitionStore } from '../engine/definition-store';
import { hostTypeResolver } from '../engine/elements';
import { runningElements } from '../engine/migrate-state';
import type { Runner } from '../engine/runner';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../ids';
import type { Logger } from '../log';
import type { TenantRegistry } from '../tenants';

/** Where one running instance waits, and what a new version would do to it. */
export interface InstanceOutlook {
  instanceId: string;
  businessKey: string | null;
  version: number;
  waitingAt: string[];
  /** move: every wait is in the new version (after the plan); stranded: some are not (listed); keep: stranded and kept on its version. */
  outcome: 'move' | 'stranded' | 'keep';
  stranded: Array<{ element: string; reason: string }>;
}

export interface MigrationOutlook {
  running: number;
  move: number;
  keep: number;
  stranded: number;
  /** The instances (the first 200), stranded ones first. */
  instances: InstanceOutlook[];
}

export interface MigrationView {
  id: string;
  county: string;
  processKey: string;
  toDefinitionId: string;
  mapping: Record<string, string>;
  keepStranded: boolean;
  status: string;
  moved: number;
  leftBehind: Array<{ instanceId: string; reason: string; kept: boolean }>;
  requestedBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}

/** Element id → BPMN type of a version (from its serialized or deserialized context). */
export type ElementTypes = Record<string, string>;

export function elementTypesOf(context: unknown): ElementTypes {
  const ctx = (typeof context === 'string' ? deserialize(JSON.parse(context), hostTypeResolver) : context) as { getActivities(): Array<{ id: string; type: string }> };
  return Object.fromEntries(ctx.getActivities().map((a) => [a.id, a.type]));
}

/** A plan as sent: an object of old element id → new element id. */
export function parseMapping(value: unknown, field = 'migration'): Record<string, string> {
  if (value === undefined || value === null || value === '') return {};
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new ValidationError(`${field} must be a JSON object of old element id → new element id`, { field, reason: 'is not JSON' });
    }
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ValidationError(`${field} must be an object of old element id → new element id`, { field, reason: 'must be an object' });
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 500) throw new ValidationError(`${field} may map at most 500 elements`, { field, reason: 'maps more than 500 elements' });
  const out: Record<string, string> = {};
  for (const [from, to] of entries) {
    if (!/^[A-Za-z_][\w.-]{0,199}$/.test(from) || typeof to !== 'string' || !/^[A-Za-z_][\w.-]{0,199}$/.test(to)) {
      throw new ValidationError(`${field}.${from.slice(0, 200)} must map an element id to an element id`, { field: `${field}.${from.slice(0, 200)}`, reason: 'must map an element id to an element id' });
    }
    out[from] = to;
  }
  return out;
}

const BATCH = 100;

export class MigrationService {
  private running?: Promise<void>;

  constructor(
    private readonly knex: Knex,
    private readonly runner: Runner,
    private readonly definitions: DefinitionStore,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * What a version with these elements would do to the running instances of the process (those on any
   * other version). A plan entry whose target is not in the new version, or is of another type than the
   * element it replaces, answers 400 naming it.
   */
  async outlook(countyId: string, processKey: string, target: { definitionId?: string; types: ElementTypes }, mapping: Record<string, string>, keepStranded: boolean): Promise<MigrationOutlook> {
    for (const [from, to] of Object.entries(mapping)) {
      if (!target.types[to]) throw new ValidationError(`migration.${from}: the new version has no element "${to}"`, { field: `migration.${from}`, reason: `"${to}" is not an element of the new version` });
    }
    const out: MigrationOutlook = { running: 0, move: 0, keep: 0, stranded: 0, instances: [] };
    const versions = new Map<string, number>();
    let after = '';
    for (;;) {
      const batch: Array<Pick<InstanceRow, 'id' | 'business_key' | 'definition_id' | 'state'>> = await this.candidates(countyId, processKey, target.definitionId)
        .where('id', '>', after || '00000000-0000-0000-0000-000000000000')
        .orderBy('id')
        .limit(BATCH)
        .select('id', 'business_key', 'definition_id', 'state');
      if (!batch.length) break;
      after = batch[batch.length - 1].id;
      for (const row of batch) {
        if (!versions.has(row.definition_id)) versions.set(row.definition_id, (await this.definitions.get(row.definition_id)).row.version);
        const o = judge(row, versions.get(row.definition_id)!, target.types, mapping, keepStranded);
        out.running++;
        if (o.outcome === 'move') out.move++;
        else if (o.outcome === 'keep') out.keep++;
        else out.stranded++;
        out.instances.push(o);
      }
    }
    out.instances.sort((a, b) => rank(a) - rank(b));
    out.instances = out.instances.slice(0, 200);
    return out;
  }

  /** The refusal of a deploy (or migration) that would strand instances, naming them and saying what to do. */
  strandedError(outlook: MigrationOutlook): ConflictError {
    const stranded = outlook.instances.filter((i) => i.outcome === 'stranded');
    const names = stranded.slice(0, 10).map((i) => `${i.instanceId}${i.businessKey ? ` (${i.businessKey})` : ''} v${i.version} at ${i.stranded.map((s) => s.element).join(', ')}`);
    return new ConflictError(
      `${outlook.stranded} running instance${outlook.stranded > 1 ? 's' : ''} would be stranded: ${names.join('; ')}${outlook.stranded > names.length ? '; …' : ''}. Map each old element to its new one in the migration plan (migration: {"old": "new"}), or keep these instances on their version (keepStranded: true)`,
      stranded.slice(0, 50).flatMap((i) => i.stranded.map((s) => ({ field: `migration.${s.element}`, reason: s.reason, instanceId: i.instanceId, businessKey: i.businessKey, element: s.element }))),
      'migration_required',
    );
  }

  /** Records a migration to a version (in the caller's transaction: the deploy's); an earlier running one of the process is superseded. */
  async request(trx: Knex.Transaction, m: { countyId: string; processKey: string; toDefinitionId: string; mapping: Record<string, string>; keepStranded: boolean; actor: string }): Promise<string> {
    const id = randomUUID();
    await trx('version_migrations').where({ county_id: m.countyId, process_key: m.processKey, status: 'running' }).update({ status: 'superseded', finished_at: this.clock.now() });
    await trx('version_migrations').insert({
      id,
      county_id: m.countyId,
      process_key: m.processKey,
      to_definition_id: m.toDefinitionId,
      mapping: JSON.stringify(m.mapping),
      keep_stranded: m.keepStranded,
      status: 'running',
      moved: 0,
      left_behind: '[]',
      requested_by: m.actor,
      created_at: this.clock.now(),
    });
    return id;
  }

  /**
   * POST /counties/{county}/migrations: moves the running instances of a process to a deployed version
   * (any version, older ones too), with a plan. dryRun answers the outlook only.
   */
  async migrateTo(user: User, countyId: string, body: unknown): Promise<{ outlook: MigrationOutlook; migration?: MigrationView }> {
    if (!this.tenants.get(countyId)) throw new NotFoundError(`Unknown county "${countyId}"`);
    assertCounty(user, countyId);
    const b = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    if (typeof b.processKey !== 'string' || !b.processKey || b.processKey.length > 128) throw new ValidationError('processKey is required: the id of a deployed process', { field: 'processKey', reason: 'is required' });
    const version = b.toVersion;
    if (!Number.isSafeInteger(version) || (version as number) < 1) throw new ValidationError('toVersion must be the number of a deployed version', { field: 'toVersion', reason: 'must be a whole number ≥ 1' });
    const row = await this.knex('process_definitions').where({ county_id: countyId, process_key: b.processKey, version }).first('id', 'serialized_context');
    if (!row) throw new NotFoundError(`County ${countyId} has no version ${version} of "${b.processKey}"`, { field: 'toVersion', reason: 'is not deployed' });
    const mapping = parseMapping(b.migration);
    const keepStranded = b.keepStranded === true;
    const outlook = await this.outlook(countyId, b.processKey, { definitionId: row.id, types: elementTypesOf(row.serialized_context) }, mapping, keepStranded);
    if (b.dryRun === true) return { outlook };
    if (outlook.stranded && !keepStranded) throw this.strandedError(outlook);
    const id = await this.knex.transaction((trx) => this.request(trx, { countyId, processKey: b.processKey as string, toDefinitionId: row.id, mapping, keepStranded, actor: user.id }));
    return { outlook, migration: await this.settle(id) };
  }

  async get(user: User, id: string): Promise<MigrationView> {
    const row = isUuid(id) ? await this.knex<VersionMigrationRow>('version_migrations').where({ id }).first() : undefined;
    if (!row) throw new NotFoundError(`No migration ${id}`);
    try {
      assertCounty(user, row.county_id, 'migration');
    } catch {
      throw new NotFoundError(`No migration ${id}`);
    }
    return view(row);
  }

  /** Runs the pending migrations now and waits up to `ms` for them; answers the migration as it then stands. */
  async settle(id: string, ms = 2000): Promise<MigrationView> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.kick(), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    return view((await this.knex<VersionMigrationRow>('version_migrations').where({ id }).first())!);
  }

  /** Starts a pass over the pending migrations unless one is under way; resolves when it ends. */
  kick(): Promise<void> {
    if (!this.running) {
      this.running = (async () => {
        try {
          while (await this.pass()) {
            /* until nothing is left */
          }
        } catch (err) {
          this.logger.error(`migrations: ${(err as Error).message}`);
        } finally {
          this.running = undefined;
        }
      })();
    }
    return this.running;
  }

  /** A scheduler job: continues migrations a restart interrupted. */
  readonly job = { name: 'migrations', run: () => this.kick() };

  /** Moves up to one batch of instances of the oldest running migration; answers whether there may be more. */
  private async pass(): Promise<boolean> {
    const m = await this.knex<VersionMigrationRow>('version_migrations').where({ status: 'running' }).orderBy('created_at').first();
    if (!m) return false;
    const target = await this.definitions.get(m.to_definition_id);
    const types = elementTypesOf(target.context);
    const left = [...m.left_behind];
    const skip = left.map((l) => l.instanceId);
    const q = this.candidates(m.county_id, m.process_key, m.to_definition_id).orderBy('id').limit(BATCH).select('id', 'business_key', 'definition_id', 'state');
    if (skip.length) q.whereNotIn('id', skip);
    const batch: Array<Pick<InstanceRow, 'id' | 'business_key' | 'definition_id' | 'state'>> = await q;
    for (const row of batch) {
      const o = judge(row, 0, types, m.mapping, m.keep_stranded);
      if (o.outcome !== 'move') {
        left.push({ instanceId: row.id, kept: o.outcome === 'keep', reason: o.stranded.map((s) => `${s.element}: ${s.reason}`).join('; ') });
        continue;
      }
      try {
        await this.moveOne(row.id, m);
      } catch (err) {
        if (err instanceof DomainError && (err.code === 'conflict' || err.code === 'instance_not_running')) continue; // moved or ended meanwhile
        if (!(err instanceof DomainError)) this.logger.error(`migration ${m.id}: instance ${row.id}: ${(err as Error).message}`);
        left.push({ instanceId: row.id, kept: false, reason: (err as Error).message });
      }
    }
    const [{ count }] = await this.knex('journal').where({ type: 'instance.migrated' }).whereRaw("data->>'migrationId' = ?", [m.id]).count<{ count: string | number }[]>('id as count');
    const finished = batch.length < BATCH;
    await this.knex('version_migrations')
      .where({ id: m.id, status: 'running' })
      .update({ moved: Number(count), left_behind: JSON.stringify(left), ...(finished ? { status: 'done', finished_at: this.clock.now() } : {}) });
    return true;
  }

  private async moveOne(instanceId: string, m: VersionMigrationRow): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.runner.migrate(instanceId, m.requested_by, m.to_definition_id, m.mapping, m.id);
        return;
      } catch (err) {
        // A step of the instance committed between our read and our lock: take the step again.
        if (err instanceof DomainError && err.code === 'concurrent_step' && attempt < 2) continue;
        throw err;
      }
    }
  }

  private candidates(countyId: string, processKey: string, excludeDefinitionId?: string) {
    const q = this.knex('process_instances').where({ county_id: countyId, process_key: processKey, status: 'running' });
    if (excludeDefinitionId) q.whereNot('definition_id', excludeDefinitionId);
    return q;
  }
}

function judge(row: Pick<InstanceRow, 'id' | 'business_key' | 'state'>, version: number, types: ElementTypes, mapping: Record<string, string>, keepStranded: boolean): InstanceOutlook {
  const waiting = runningElements(row.state);
  const stranded: InstanceOutlook['stranded'] = [];
  for (const w of waiting) {
    const to = mapping[w.id] ?? w.id;
    if (!types[to]) stranded.push({ element: w.id, reason: mapping[w.id] ? `is mapped to "${to}", which the new version lacks` : 'waits here and the new version has no such element' });
    else if (w.type && types[to] !== w.type) stranded.push({ element: w.id, reason: `is a ${w.type.replace('bpmn:', '')} and "${to}" in the new version a ${types[to].replace('bpmn:', '')}` });
  }
  return {
    instanceId: row.id,
    businessKey: row.business_key,
    version,
    waitingAt: waiting.map((w) => w.id),
    outcome: stranded.length ? (keepStranded ? 'keep' : 'stranded') : 'move',
    stranded,
  };
}

function rank(o: InstanceOutlook): number {
  return o.outcome === 'stranded' ? 0 : o.outcome === 'keep' ? 1 : 2;
}

function view(r: VersionMigrationRow): MigrationView {
  return {
    id: r.id,
    county: r.county_id,
    processKey: r.process_key,
    toDefinitionId: r.to_definition_id,
    mapping: r.mapping,
    keepStranded: r.keep_stranded,
    status: r.status,
    moved: r.moved,
    leftBehind: r.left_behind,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}
