/**
 * The 办件 register. A 办件 is registered once (办件编号 unique per county); sending it again is answered
 * `duplicate`; a later row may fill in what was empty (typically completedAt, when the 办件 is completed
 * after it was registered at acceptance): `updated`. A registered value is never changed: a row that
 * differs from it is refused naming the fields.
 */
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import { iso } from '../calendar/civil-date';
import { LEVEL_NAMES } from '../cases/catalogue';
import type { Clock } from '../clock';
import { ConflictError, NotFoundError } from '../errors';
import { uuidv7 } from '../ids';
import { page } from '../paging';
import { type Progress, type ProgressHandle, noProgress, withProgress } from '../progress';
import type { Tenant, TenantRegistry } from '../tenants';
import { RowAnswer, assertBatchSize, batchProgress, invalid, refusal, summarise } from './batch';
import { defaultRatingAt } from './rating-window';
import { ServiceCaseInput, checkServiceCase } from './validate';

type Row = Record<string, any>;

/** Field name → column, for comparing a row with what is registered. */
const FIELDS: Array<[keyof ServiceCaseInput, string]> = [
  ['serviceCode', 'service_code'],
  ['serviceName', 'service_name'],
  ['unitId', 'unit_id'],
  ['unitName', 'unit_name'],
  ['window', 'window_name'],
  ['staffId', 'staff_id'],
  ['staffName', 'staff_name'],
  ['mode', 'mode'],
  ['acceptedAt', 'accepted_at'],
  ['completedAt', 'completed_at'],
];

/** What became of one stored row. */
type Answer = { status: 'stored' | 'updated' | 'duplicate'; id: string } | { status: 'refused'; error: unknown };

const same = (a: unknown, b: unknown) => (a instanceof Date || b instanceof Date ? iso(a as Date) === iso(b as Date) : (a ?? null) === (b ?? null));

export class ServiceCaseService {
  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    /** Where a large batch reports its progress (/health `jobs`, log lines). */
    private readonly progress?: Progress,
  ) {}

  /** One 办件: 201 stored, 200 duplicate or updated; refusals as errors. */
  async registerOne(user: User, countyId: string, body: unknown): Promise<{ status: 'stored' | 'updated' | 'duplicate'; serviceCase: ReturnType<typeof view> }> {
    const tenant = countyAllowing(this.tenants, user, countyId, 'intake.send');
    const now = this.clock.now();
    const checked = checkServiceCase(body, tenant.units, now);
    if (!checked.ok) throw invalid('办件', checked.errors);
    const [answer] = await this.store(user, tenant, [{ index: 0, input: checked.value }], now);
    if (answer.status === 'refused') throw answer.error;
    const row = await this.knex('service_cases').where({ id: answer.id }).first();
    return { status: answer.status, serviceCase: view(row, null) };
  }

  /** Many 办件 (a JSON array or the records of a CSV): every row answered. */
  async registerBatch(user: User, countyId: string, rows: unknown[], csv = false) {
    const tenant = countyAllowing(this.tenants, user, countyId, 'intake.send');
    assertBatchSize(rows.length);
    const now = this.clock.now();
    const answers: RowAnswer[] = new Array(rows.length);
    const valid: Array<{ index: number; input: ServiceCaseInput }> = [];
    rows.forEach((row, index) => {
      const checked = checkServiceCase(row, tenant.units, now);
      if (checked.ok) valid.push({ index, input: checked.value });
      else {
        const caseNo = (row as { caseNo?: unknown } | null)?.caseNo;
        answers[index] = { ...refusal(index, invalid('办件', checked.errors)), ...(typeof caseNo === 'string' ? { caseNo } : {}) };
      }
    });
    const stored = await withProgress(batchProgress(this.progress, `办件 import ${tenant.id}${csv ? ' (CSV)' : ''}`, rows.length), (job) => {
      job.advance(rows.length - valid.length);
      return this.store(user, tenant, valid, now, job);
    });
    valid.forEach((v, i) => {
      const a = stored[i];
      answers[v.index] = a.status === 'refused' ? { ...refusal(v.index, a.error), caseNo: v.input.caseNo } : { index: v.index, status: a.status, id: a.id, caseNo: v.input.caseNo };
    });
    if (csv) for (const a of answers) a.line = a.index + 2;
    return summarise(answers, true);
  }

  private async store(user: User, tenant: Tenant, rows: Array<{ index: number; input: ServiceCaseInput }>, now: Date, job: ProgressHandle = noProgress): Promise<Answer[]> {
    const out: Answer[] = new Array(rows.length);
    const ids = rows.map(() => uuidv7());
    const inserted = new Set<string>();
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000).map((r, j) => this.columns(ids[i + j], tenant.id, r.input, user, now));
      const res = await this.knex('service_cases').insert(chunk).onConflict(['county_id', 'case_no']).ignore().returning('id');
      for (const r of res) inserted.add(r.id);
      job.advance(res.length);
    }
    for (let i = 0; i < rows.length; i++) {
      if (inserted.has(ids[i])) out[i] = { status: 'stored', id: ids[i] };
      else {
        out[i] = await this.meetRegistered(tenant, rows[i].input, now);
        job.advance(1);
      }
    }
    return out;
  }

  /** A row that met a registered 办件: duplicate, fill in, or refuse. */
  private async meetRegistered(tenant: Tenant, input: ServiceCaseInput, now: Date): Promise<Answer> {
    const existing: Row | undefined = await this.knex('service_cases').where({ county_id: tenant.id, case_no: input.caseNo }).first();
    if (!existing) {
      return { status: 'refused', error: new ConflictError(`办件 ${input.caseNo} could not be registered; send it again`, [{ field: 'caseNo', reason: 'concurrent registration' }]) };
    }
    const differs: string[] = [];
    const fill: Row = {};
    for (const [field, column] of FIELDS) {
      const mine = input[field];
      const theirs = existing[column];
      if (same(mine, theirs)) continue;
      if ((theirs === null || theirs === undefined) && mine !== null && mine !== undefined) fill[column] = mine;
      else if (mine !== null && mine !== undefined) differs.push(field);
    }
    if (differs.length) {
      return {
        status: 'refused',
        error: new ConflictError(
          `办件 ${input.caseNo} is registered already with other ${differs.join(', ')}; a registered value is not changed`,
          differs.map((f) => ({ field: f, reason: 'differs from the registered value' })),
          'service_case_conflict',
        ),
      };
    }
    if (!Object.keys(fill).length) return { status: 'duplicate', id: existing.id };
    if (fill.completed_at) {
      if (new Date(fill.completed_at).getTime() < new Date(existing.accepted_at).getTime()) {
        return { status: 'refused', error: invalid('办件', [{ field: 'completedAt', reason: 'is before acceptedAt' }]) };
      }
      fill.default_at = defaultRatingAt(fill.completed_at);
      fill.default_pending = true;
    }
    // Only what is still empty is filled: a concurrent fill-in of the same field wins once.
    const q = this.knex('service_cases').where({ id: existing.id });
    for (const c of Object.keys(fill)) if (c !== 'default_at' && c !== 'default_pending') q.whereNull(c);
    const n = await q.update({ ...fill, updated_at: now });
    return n ? { status: 'updated', id: existing.id } : { status: 'duplicate', id: existing.id };
  }

  private columns(id: string, countyId: string, r: ServiceCaseInput, user: User, now: Date) {
    return {
      id,
      county_id: countyId,
      case_no: r.caseNo,
      service_code: r.serviceCode,
      service_name: r.serviceName,
      unit_id: r.unitId,
      unit_name: r.unitName,
      window_name: r.window,
      staff_id: r.staffId,
      staff_name: r.staffName,
      mode: r.mode,
      accepted_at: r.acceptedAt,
      completed_at: r.completedAt,
      default_at: r.completedAt ? defaultRatingAt(r.completedAt) : null,
      default_pending: Boolean(r.completedAt),
      registered_by: user.id,
      registered_at: now,
      updated_at: now,
    };
  }

  async get(user: User, countyId: string, caseNo: string) {
    countyAllowing(this.tenants, user, countyId);
    const row = await this.knex('service_cases').where({ county_id: countyId, case_no: caseNo }).first();
    if (!row) throw new NotFoundError(`No 办件 ${caseNo} in ${countyId}`);
    const rating = await this.knex('evaluations').where({ service_case_id: row.id, is_current: true }).first('id', 'level', 'channel', 'is_default', 'rated_at', 'case_id');
    return view(row, rating ?? null);
  }

  async list(user: User, countyId: string, f: { rated?: boolean; unit?: string; mode?: string; completedFrom?: Date; completedTo?: Date; limit?: number; offset?: number }) {
    countyAllowing(this.tenants, user, countyId);
    const { limit, offset } = page(f.limit, f.offset);
    const q = this.knex('service_cases as s')
      .leftJoin('evaluations as e', (j) => j.on('e.service_case_id', 's.id').andOn('e.is_current', this.knex.raw('true')))
      .where('s.county_id', countyId);
    if (f.rated !== undefined) q.where((w) => (f.rated ? w.whereNotNull('e.id') : w.whereNull('e.id')));
    if (f.unit) q.where('s.unit_id', f.unit);
    if (f.mode) q.where('s.mode', f.mode);
    if (f.completedFrom) q.where('s.completed_at', '>=', f.completedFrom);
    if (f.completedTo) q.where('s.completed_at', '<', f.completedTo);
    const [{ count }] = await q.clone().count<{ count: string | number }[]>('s.id as count');
    const rows = await q
      .select('s.*', 'e.id as e_id', 'e.level as e_level', 'e.channel as e_channel', 'e.is_default as e_is_default', 'e.rated_at as e_rated_at', 'e.case_id as e_case_id')
      .orderBy([{ column: 's.accepted_at', order: 'desc' }, { column: 's.id' }])
      .limit(limit)
      .offset(offset);
    return {
      items: rows.map((r: Row) => view(r, r.e_id ? { id: r.e_id, level: r.e_level, channel: r.e_channel, is_default: r.e_is_default, rated_at: r.e_rated_at, case_id: r.e_case_id } : null)),
      total: Number(count),
      limit,
      offset,
    };
  }
}

function view(r: Row, rating: Row | null) {
  return {
    id: r.id,
    county: r.county_id,
    caseNo: r.case_no,
    serviceCode: r.service_code,
    serviceName: r.service_name,
    unit: { id: r.unit_id, name: r.unit_name },
    window: r.window_name ?? null,
    staff: r.staff_id || r.staff_name ? { id: r.staff_id ?? null, name: r.staff_name ?? null } : null,
    mode: r.mode,
    acceptedAt: iso(r.accepted_at),
    completedAt: iso(r.completed_at),
    /** The 7-day default lands at this instant unless the 办件 is rated before. */
    ratingWindowEndsAt: iso(r.default_at),
    rating: rating
      ? { id: rating.id, level: Number(rating.level), levelName: LEVEL_NAMES[Number(rating.level)], channel: rating.channel, isDefault: Boolean(rating.is_default), ratedAt: iso(rating.rated_at), caseId: rating.case_id ?? null }
      : null,
    registeredBy: r.registered_by,
    registeredAt: iso(r.registered_at),
  };
}
