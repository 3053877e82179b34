/**
 * Starting instances by hand (administrators: cases start from ratings and complaints), reading them,
 * their history (the journal) for auditors, and the incidents: instances whose last step was aborted,
 * which an administrator retries after a fix.
 */
import type { Knex } from 'knex';
import { User, assertCounty, assertMay, canSeeCounty, visibleCounties } from '../auth/access';
import { STEP_INPUT } from '../db/journal';
import type { InstanceRow, JournalRow } from '../db/tables';
import type { Runner } from '../engine/runner';
import { NotFoundError, ValidationError } from '../errors';
import { checkVariables } from './variables';
import { isUuid } from '../ids';
import { page } from '../paging';
import type { TenantRegistry } from '../tenants';

export interface InstanceView {
  id: string;
  county: string;
  definitionId: string;
  processKey: string;
  businessKey: string | null;
  status: string;
  revision: number;
  variables: Record<string, unknown>;
  incident: string | null;
  /** Set while the instance is stopped by an incident (its last step aborted), until an administrator retries it. */
  incidentAt: Date | null;
  /** The step that was aborted: start, complete (with the task), fire (a timer), message. */
  incidentStep: { kind: string; actor: string; taskId?: string; timerId?: string } | null;
  startedBy: string;
  startedAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
}

export class InstanceService {
  constructor(
    private readonly knex: Knex,
    private readonly runner: Runner,
    private readonly tenants: TenantRegistry,
  ) {}

  async start(user: User, countyId: string, body: { processKey?: unknown; businessKey?: unknown; variables?: unknown }): Promise<InstanceView> {
    if (!this.tenants.get(countyId)) throw new NotFoundError(`Unknown county "${countyId}"`);
    assertMay(user, 'instance.start', countyId);
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('send a JSON object {processKey, businessKey?, variables?}', { field: 'body', reason: 'must be a JSON object' });
    if (typeof body.processKey !== 'string' || !/^[A-Za-z_][\w.-]{0,127}$/.test(body.processKey)) throw new ValidationError('processKey is required: the id of a deployed process', { field: 'processKey', reason: 'must be the id of a deployed process' });
    if (body.businessKey !== undefined && body.businessKey !== null && (typeof body.businessKey !== 'string' || !body.businessKey || body.businessKey.length > 200)) {
      throw new ValidationError('businessKey must be a text of 1–200 characters', { field: 'businessKey', reason: 'must be a text of 1–200 characters' });
    }
    // Variables started by hand are masked like any outside text (personal data never enters an instance in clear).
    const variables = checkVariables(body.variables, 'variables').masked;
    const row = await this.runner.start({
      countyId,
      processKey: body.processKey,
      businessKey: (body.businessKey as string | undefined) ?? null,
      variables,
      actor: user.id,
    });
    return view(row);
  }

  /** POST /process-instances/{id}/retry: an administrator runs the aborted step again (a start with corrected variables). */
  async retry(user: User, id: string, body: unknown): Promise<InstanceView> {
    const row = await this.load(user, id);
    assertMay(user, 'instance.retry', row.county_id);
    const b = body === undefined || body === null ? {} : body;
    if (typeof b !== 'object' || Array.isArray(b)) throw new ValidationError('send a JSON object {variables?}', { field: 'body', reason: 'must be a JSON object' });
    for (const k of Object.keys(b)) if (k !== 'variables') throw new ValidationError(`${k} is not a field of a retry`, { field: k, reason: 'is not a field of a retry {variables?}' });
    const corrections = checkVariables((b as { variables?: unknown }).variables, 'variables').masked;
    return view(await this.runner.retry(id, user.id, corrections));
  }

  async get(user: User, id: string): Promise<InstanceView> {
    return view(await this.load(user, id));
  }

  async list(user: User, f: { county?: string; processKey?: string; businessKey?: string; status?: string; incident?: boolean; limit?: number; offset?: number }) {
    const { limit, offset } = page(f.limit, f.offset);
    if (f.county) assertCounty(user, f.county);
    if (f.incident !== undefined) assertMay(user, 'instance.incidents', f.county);
    if (f.status && !['running', 'completed', 'failed', 'terminated'].includes(f.status)) {
      throw new ValidationError('status must be running, completed, failed or terminated', { field: 'status', reason: 'must be running, completed, failed or terminated' });
    }
    const q = this.knex<InstanceRow>('process_instances');
    const counties = visibleCounties(user);
    if (counties !== '*') q.whereIn('county_id', counties);
    if (f.county) q.where('county_id', f.county);
    // An incident: stopped and retryable (incident_at), or failed for good (status failed, incident text).
    if (f.incident === true) q.whereNotNull('incident');
    if (f.incident === false) q.whereNull('incident');
    if (f.processKey) q.where('process_key', f.processKey);
    if (f.businessKey) q.where('business_key', f.businessKey);
    if (f.status) q.where('status', f.status);
    const [{ count }] = await q.clone().count<{ count: string | number }[]>('id as count');
    const rows = await q.select('*').orderBy([{ column: 'started_at', order: 'desc' }, { column: 'id' }]).limit(limit).offset(offset);
    return { items: rows.map(view), total: Number(count), limit, offset };
  }

  async history(user: User, id: string) {
    const inst = await this.load(user, id);
    const rows: JournalRow[] = await this.knex('journal').where({ instance_id: id }).whereNot({ type: STEP_INPUT }).orderBy('id');
    return {
      instance: view(inst),
      events: rows.map((r) => ({
        seq: Number(r.id),
        at: r.at,
        revision: r.revision,
        type: r.type,
        elementId: r.element_id,
        elementType: r.element_type,
        actor: r.actor,
        data: r.data,
      })),
    };
  }

  private async load(user: User, id: string): Promise<InstanceRow> {
    if (!isUuid(id)) throw new NotFoundError(`No process instance ${id}`);
    const row = await this.knex<InstanceRow>('process_instances').where({ id }).first();
    if (!row || !canSeeCounty(user, row.county_id)) throw new NotFoundError(`No process instance ${id}`);
    return row;
  }
}

function view(r: InstanceRow): InstanceView {
  return {
    id: r.id,
    county: r.county_id,
    definitionId: r.definition_id,
    processKey: r.process_key,
    businessKey: r.business_key,
    status: r.status,
    revision: r.revision,
    variables: r.variables,
    incident: r.incident,
    incidentAt: r.incident_at ?? null,
    incidentStep: r.incident_action ? { kind: r.incident_action.kind, actor: r.incident_action.actor, ...(r.incident_action.taskId ? { taskId: r.incident_action.taskId } : {}), ...(r.incident_action.timerId ? { timerId: r.incident_action.timerId } : {}) } : null,
    startedBy: r.started_by,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
  };
}
