/**
 * What auditors (审计 / 监察) read: the verification of the journal's hash chains, the state of a case at
 * any instant by re-execution, the re-execution proof, and the case file (dossier) that gathers them. The
 * role `auditor` (and administrators) of a county may; another county's instance answers 404. Every read
 * of a dossier is itself journaled (audit.dossier-read), in the instance's own chain.
 */
import type { Knex } from 'knex';
import { User, assertMay, canSeeCounty } from '../auth/access';
import type { Clock } from '../clock';
import { appendJournal, currentRevision, STEP_INPUT } from '../db/journal';
import type { InstanceRow, JournalRow } from '../db/tables';
import { NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../ids';
import { type Progress, noProgress, withProgress } from '../progress';
import type { TenantRegistry } from '../tenants';
import { AnchorJob } from './anchors';
import { renderDossier } from './dossier-html';
import { CheckResult, ReplayDeps, checkReplay, replaySteps, replayTo } from './replay';
import { VerifyResult, verifyJournal } from './verify';

export class AuditService {
  constructor(
    private readonly knex: Knex,
    readonly deps: ReplayDeps,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    readonly anchors: AnchorJob,
    /** Where a county's replay check reports its progress (/health `jobs`, log lines). */
    private readonly progress?: Progress,
  ) {}

  /** `GET /audit/verify?county=&from=&to=`: the chains of a county (those with rows in [from, to) when given) and its anchors. */
  async verifyCounty(user: User, county: string | undefined, from?: Date, to?: Date): Promise<VerifyResult & { county: string }> {
    if (!county) throw new ValidationError('county is required: GET /api/v1/audit/verify?county=<county id>[&from=YYYY-MM-DD][&to=YYYY-MM-DD]', { field: 'county', reason: 'is required' });
    this.county(user, county);
    if (from && to && from.getTime() >= to.getTime()) throw new ValidationError('from must be before to', { field: 'from', reason: 'must be before to' });
    return { county, ...(await verifyJournal(this.knex, { county, from, to })) };
  }

  async verifyInstance(user: User, id: string): Promise<VerifyResult & { instance: string }> {
    await this.load(user, id);
    return { instance: id, ...(await verifyJournal(this.knex, { instanceId: id })) };
  }

  /** The state at an instant or a revision (the latest when neither). */
  async replay(user: User, id: string, target: { at?: Date; revision?: number }) {
    if (target.at && target.revision !== undefined) throw new ValidationError('Give at or revision, not both', { field: 'at', reason: 'give at or revision, not both' });
    const inst = await this.load(user, id);
    if (target.at && target.at.getTime() < new Date(inst.started_at).getTime()) {
      throw new ValidationError(`at is before the instance started (${new Date(inst.started_at).toISOString()})`, { field: 'at', reason: 'is before the instance started', startedAt: inst.started_at });
    }
    if (target.revision !== undefined && target.revision > inst.revision) {
      throw new ValidationError(`revision ${target.revision} is past the instance's last revision ${inst.revision}`, { field: 'revision', reason: `is past the last revision ${inst.revision}` });
    }
    const state = await replayTo(this.deps, inst, await this.rows(id), target);
    return { instanceId: id, county: inst.county_id, requested: { at: target.at?.toISOString() ?? null, revision: target.revision ?? null }, ...state };
  }

  async check(user: User, id: string): Promise<CheckResult> {
    const inst = await this.load(user, id);
    return checkReplay({ ...this.deps, knex: this.knex }, inst, await this.rows(id));
  }

  /**
   * The re-execution proof over a county, in pages for long runs: `done` of `total` instances checked so
   * far (`after` continues after the last instance id answered as `next`).
   */
  async checkCounty(user: User, county: string | undefined, opts: { limit?: number; after?: string }) {
    if (!county) throw new ValidationError('county is required: GET /api/v1/audit/replay-check?county=<county id>', { field: 'county', reason: 'is required' });
    this.county(user, county);
    if (opts.after !== undefined && !isUuid(opts.after)) throw new ValidationError('after must be an instance id (the next of the previous answer)', { field: 'after', reason: 'is not an instance id' });
    const limit = Math.min(opts.limit ?? 100, 1000);
    const base = this.knex<InstanceRow>('process_instances').where({ county_id: county });
    const [{ count }] = await base.clone().count<{ count: string | number }[]>('id as count');
    const [{ count: before }] = opts.after ? await base.clone().where('id', '<=', opts.after).count<{ count: string | number }[]>('id as count') : [{ count: 0 }];
    const q = base.clone().orderBy('id').limit(limit);
    if (opts.after) q.where('id', '>', opts.after);
    const list: InstanceRow[] = await q;
    const results: Array<CheckResult | { instanceId: string; status: 'not replayable'; message: string }> = [];
    // A page re-executes up to 1,000 instances (≈ 0.1 s each for a 柳东 case): a long job.
    await withProgress(this.progress?.begin(`replay check ${county}`, list.length) ?? noProgress, async (job) => {
      for (const inst of list) {
        try {
          results.push(await checkReplay({ ...this.deps, knex: this.knex }, inst, await this.rows(inst.id)));
        } catch (err) {
          results.push({ instanceId: inst.id, status: 'not replayable', message: (err as Error).message });
        }
        job.advance(1);
      }
    });
    const done = Number(before) + list.length;
    const total = Number(count);
    return {
      county,
      status: results.every((r) => r.status !== 'divergent') ? 'consistent' : 'divergent',
      progress: { done, total },
      next: done < total && list.length ? list[list.length - 1].id : null,
      consistent: results.filter((r) => r.status === 'consistent').length,
      divergent: results.filter((r) => r.status === 'divergent'),
      notReplayable: results.filter((r) => r.status === 'not replayable'),
    };
  }

  /** The case file: the case, the diagram XML, the journal with its hashes, the verification, the replayed state of every step. Journaled. */
  async dossier(user: User, id: string) {
    const inst = await this.load(user, id);
    const at = this.clock.now();
    await this.knex.transaction(async (trx) => {
      await appendJournal(trx, [{ instanceId: id, countyId: inst.county_id, revision: await currentRevision(trx, id), type: 'audit.dossier-read', actor: user.id, data: { roles: user.roles }, at }]);
    });
    const [rows, definition, kase, verification] = await Promise.all([
      this.rows(id),
      this.knex('process_definitions').where({ id: inst.definition_id }).first('id', 'process_key', 'version', 'name', 'checksum', 'source', 'deployed_at'),
      this.knex('cases').where({ instance_id: id }).first('id', 'kind', 'case_no', 'service_name', 'unit_name', 'window_name', 'level', 'channel', 'options', 'status', 'outcome', 'received_at', 'status_at'),
      verifyJournal(this.knex, { instanceId: id }),
    ]);
    let steps: Awaited<ReturnType<typeof replaySteps>> = [];
    let replayError: string | null = null;
    try {
      steps = await replaySteps(this.deps, inst, rows);
    } catch (err) {
      replayError = (err as Error).message;
    }
    let check: CheckResult | { status: 'not replayable'; message: string };
    try {
      check = await checkReplay({ ...this.deps, knex: this.knex }, inst, rows);
    } catch (err) {
      check = { status: 'not replayable', message: (err as Error).message };
    }
    return {
      generatedAt: at.toISOString(),
      generatedBy: user.id,
      instance: {
        id: inst.id,
        county: inst.county_id,
        countyName: this.tenants.get(inst.county_id)?.name ?? inst.county_id,
        processKey: inst.process_key,
        businessKey: inst.business_key,
        status: inst.status,
        revision: inst.revision,
        startedAt: inst.started_at,
        endedAt: inst.ended_at,
        variables: inst.variables,
      },
      case: kase ?? null,
      diagram: definition ? { id: definition.id, processKey: definition.process_key, version: definition.version, name: definition.name, checksum: definition.checksum, deployedAt: definition.deployed_at, xml: definition.source } : null,
      journal: rows.map(journalView),
      verification,
      replayCheck: check,
      steps,
      replayError,
    };
  }

  async dossierHtml(user: User, id: string): Promise<string> {
    return renderDossier(await this.dossier(user, id));
  }

  /** What the diagram page draws: the diagram XML, the executed path, and the replayed state of each step. */
  async path(user: User, id: string) {
    const inst = await this.load(user, id);
    const rows = await this.rows(id);
    const definition = await this.knex('process_definitions').where({ id: inst.definition_id }).first('id', 'process_key', 'version', 'source');
    const steps = await replaySteps(this.deps, inst, rows);
    const count = (type: string) => {
      const out: Record<string, number> = {};
      for (const r of rows) if (r.type === type && r.element_id) out[r.element_id] = (out[r.element_id] ?? 0) + 1;
      return out;
    };
    // Per step (by revision), which elements it entered and which flows it took: the slider draws the path up to a step.
    const perStep = new Map<number, { activities: string[]; flows: string[] }>();
    for (const r of rows) {
      if ((r.type !== 'flow.take' && r.type !== 'activity.enter') || !r.element_id) continue;
      const s = perStep.get(r.revision) ?? { activities: [], flows: [] };
      if (r.type === 'flow.take') s.flows.push(r.element_id);
      else s.activities.push(r.element_id);
      perStep.set(r.revision, s);
    }
    return {
      instance: { id: inst.id, county: inst.county_id, processKey: inst.process_key, businessKey: inst.business_key, status: inst.status, revision: inst.revision },
      diagram: definition ? { id: definition.id, version: definition.version, xml: definition.source } : null,
      now: this.clock.now().toISOString(),
      entered: count('activity.enter'),
      taken: count('flow.take'),
      steps: steps.map((s) => ({ ...s, path: perStep.get(s.revision) ?? { activities: [], flows: [] } })),
    };
  }

  private county(user: User, county: string): void {
    if (!this.tenants.get(county)) throw new NotFoundError(`Unknown county "${county}"`);
    assertMay(user, 'audit.read', county);
  }

  private async load(user: User, id: string): Promise<InstanceRow> {
    if (!isUuid(id)) throw new NotFoundError(`No process instance ${id} (an instance id is a UUID)`);
    const row = await this.knex<InstanceRow>('process_instances').where({ id }).first();
    if (!row || !canSeeCounty(user, row.county_id)) throw new NotFoundError(`No process instance ${id}`);
    assertMay(user, 'audit.read', row.county_id);
    return row;
  }

  private async rows(id: string): Promise<JournalRow[]> {
    return this.knex<JournalRow>('journal').where({ instance_id: id }).orderBy('seq');
  }
}

function journalView(r: JournalRow) {
  return {
    id: Number(r.id),
    seq: Number(r.seq),
    revision: r.revision,
    at: r.at,
    type: r.type,
    elementId: r.element_id,
    elementType: r.element_type,
    actor: r.actor,
    data: r.data,
    prevHash: r.prev_hash,
    hash: r.hash,
    stepInput: r.type === STEP_INPUT,
  };
}
