/** Starting instances, reading them, and their history (the journal) for auditors. */
import type { Knex } from 'knex';
import { User, assertCounty, canSeeCounty, visibleCounties } from '../auth/access';
import type { InstanceRow, JournalRow } from '../db/tables';
import type { Runner } from '../engine/runner';
import { NotFoundError, ValidationError } from '../errors';
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
    assertCounty(user, countyId);
    if (typeof body?.processKey !== 'string' || !body.processKey) throw new ValidationError('processKey is required: the id of a deployed process', { field: 'processKey' });
    if (body.businessKey !== undefined && body.businessKey !== null && (typeof body.businessKey !== 'string' || body.businessKey.length > 200)) {
      throw new ValidationError('businessKey must be a text of at most 200 characters', { field: 'businessKey' });
    }
    if (body.variables !== undefined && (typeof body.variables !== 'object' || body.variables === null || Array.isArray(body.variables))) {
      throw new ValidationError('variables must be a JSON object', { field: 'variables' });
    }
    const row = await this.runner.start({
      countyId,
      processKey: body.processKey,
      businessKey: (body.businessKey as string | undefined) ?? null,
      variables: (body.variables as Record<string, unknown>) ?? {},
      actor: user.id,
    });
    return view(row);
  }

  async get(user: User, id: string): Promise<InstanceView> {
    return view(await this.load(user, id));
  }

  async list(user: User, f: { county?: string; processKey?: string; businessKey?: string; status?: string; limit?: number; offset?: number }) {
    const { limit, offset } = page(f.limit, f.offset);
    const q = this.knex<InstanceRow>('process_instances');
    const counties = visibleCounties(user);
    if (counties !== '*') q.whereIn('county_id', counties);
    if (f.county) q.where('county_id', f.county);
    if (f.processKey) q.where('process_key', f.processKey);
    if (f.businessKey) q.where('business_key', f.businessKey);
    if (f.status) q.where('status', f.status);
    const [{ count }] = await q.clone().count<{ count: string | number }[]>('id as count');
    const rows = await q.select('*').orderBy([{ column: 'started_at', order: 'desc' }, { column: 'id' }]).limit(limit).offset(offset);
    return { items: rows.map(view), total: Number(count), limit, offset };
  }

  async history(user: User, id: string) {
    const inst = await this.load(user, id);
    const rows: JournalRow[] = await this.knex('journal').where({ instance_id: id }).orderBy('id');
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
    startedBy: r.started_by,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
  };
}
