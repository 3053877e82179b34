/**
 * 双归零 (新华 第十条): shared problems (共性问题) and their cases. A problem groups cases that share a
 * cause (the same service, unit and 附件1 option, or the same staff member); it has its own
 * rectification (owner, deadline, measures) and closes only when every one of its cases is closed
 * (archived or revoked) and its own rectification is done. The only writer of shared_problems and
 * shared_problem_cases.
 */
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import { iso, parseDayOrInstant } from '../calendar/civil-date';
import type { Clock } from '../clock';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isUuid, uuidv7 } from '../ids';
import type { TenantRegistry } from '../tenants';

type Row = Record<string, any>;

/** Case statuses that count as closed for 双归零. */
export const CLOSED_CASE = ['archived', 'revoked'];

const text = (v: unknown, field: string, max: number, required = true): string | undefined => {
  if (v === undefined || v === null || v === '') {
    if (required) throw new ValidationError(`${field} is required`, { field, reason: 'is required' });
    return undefined;
  }
  if (typeof v !== 'string' || v.length > max) throw new ValidationError(`${field} must be a text of at most ${max} characters`, { field, reason: `must be a text of at most ${max} characters` });
  return v.trim();
};

export class SharedProblemService {
  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
  ) {}

  /** Groups of ≥ 2 cases not yet in a problem that share service, unit and a 附件1 option (suggestions). */
  async candidates(user: User, countyId: string) {
    countyAllowing(this.tenants, user, countyId);
    const rows: Row[] = await this.knex.raw(
      `select c.service_code, c.unit_id, max(c.unit_name) as unit_name, max(c.service_name) as service_name, o.code as option, json_agg(c.id order by c.received_at) as case_ids
         from cases c cross join lateral jsonb_array_elements_text(c.options) as o(code)
        where c.county_id = ? and c.status <> 'revoked' and not exists (select 1 from shared_problem_cases p where p.case_id = c.id)
        group by c.service_code, c.unit_id, o.code having count(*) >= 2 order by count(*) desc`,
      [countyId],
    ).then((r: { rows: Row[] }) => r.rows);
    return { items: rows.map((r) => ({ cause: { serviceCode: r.service_code, unitId: r.unit_id, option: r.option }, unitName: r.unit_name, serviceName: r.service_name, caseIds: typeof r.case_ids === 'string' ? JSON.parse(r.case_ids) : r.case_ids })) };
  }

  async create(user: User, countyId: string, body: Record<string, unknown>) {
    countyAllowing(this.tenants, user, countyId, 'problem.manage');
    const title = text(body.title, 'title', 200)!;
    const owner = text(body.owner, 'owner', 200)!;
    const deadlineText = text(body.deadline, 'deadline', 40)!;
    const deadline = parseDayOrInstant(deadlineText, true);
    if (!deadline) throw new ValidationError('deadline must be a day YYYY-MM-DD or an instant', { field: 'deadline', reason: 'is not a day or an instant' });
    const ids = body.caseIds;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 500 || !ids.every(isUuid)) throw new ValidationError('caseIds must list 1 to 500 case ids', { field: 'caseIds', reason: 'must list 1 to 500 case ids (UUIDs)' });
    const cause = (body.cause && typeof body.cause === 'object' && !Array.isArray(body.cause) ? body.cause : {}) as Record<string, unknown>;
    const cases: Row[] = await this.knex('cases').where({ county_id: countyId }).whereIn('id', ids as string[]).select('id');
    const unknown = (ids as string[]).filter((id) => !cases.some((c) => c.id === id));
    if (unknown.length) throw new ValidationError(`No such cases in ${countyId}: ${unknown.join(', ')}`, unknown.map((id) => ({ field: 'caseIds', reason: `no case ${id}` })));
    const taken: Row[] = await this.knex('shared_problem_cases').whereIn('case_id', ids as string[]).select('case_id', 'problem_id');
    if (taken.length) throw new ConflictError(`Cases already in a shared problem: ${taken.map((t) => `${t.case_id} (${t.problem_id})`).join(', ')}`, taken.map((t) => ({ field: 'caseIds', reason: `case ${t.case_id} is in problem ${t.problem_id}` })));
    const id = uuidv7();
    await this.knex.transaction(async (trx) => {
      await trx('shared_problems').insert({
        id,
        county_id: countyId,
        title,
        cause: JSON.stringify({ serviceCode: cause.serviceCode ?? null, unitId: cause.unitId ?? null, option: cause.option ?? null, staffName: cause.staffName ?? null }),
        owner,
        deadline,
        status: 'open',
        created_by: user.id,
        created_at: this.clock.now(),
      });
      await trx('shared_problem_cases').insert((ids as string[]).map((c) => ({ problem_id: id, case_id: c })));
    });
    return this.get(user, countyId, id);
  }

  async list(user: User, countyId: string) {
    countyAllowing(this.tenants, user, countyId);
    const rows: Row[] = await this.knex('shared_problems').where({ county_id: countyId }).orderBy('created_at', 'desc');
    const items = await Promise.all(rows.map((r) => this.view(r)));
    return { items, counts: await sharedCounts(this.knex, countyId) };
  }

  async get(user: User, countyId: string, id: string) {
    countyAllowing(this.tenants, user, countyId);
    return this.view(await this.row(countyId, id));
  }

  /** The problem's own rectification is done. */
  async rectify(user: User, countyId: string, id: string, body: Record<string, unknown>) {
    countyAllowing(this.tenants, user, countyId, 'problem.manage');
    const measures = text(body.measures, 'measures', 4000)!;
    const row = await this.row(countyId, id);
    if (row.status !== 'open') throw new ConflictError(`Shared problem ${id} is ${row.status}`, { field: 'status', reason: `is ${row.status}` });
    await this.knex('shared_problems').where({ id, status: 'open' }).update({ status: 'rectified', measures, rectified_at: this.clock.now(), rectified_by: user.id });
    return this.get(user, countyId, id);
  }

  /** 双归零: closes when every case is closed and the problem rectified; otherwise 409 naming what is open. */
  async close(user: User, countyId: string, id: string) {
    countyAllowing(this.tenants, user, countyId, 'problem.manage');
    const row = await this.row(countyId, id);
    if (row.status === 'closed') throw new ConflictError(`Shared problem ${id} is closed already`, { field: 'status', reason: 'is closed' });
    const open: Row[] = await this.knex('shared_problem_cases as p').join('cases as c', 'c.id', 'p.case_id').where('p.problem_id', id).whereNotIn('c.status', CLOSED_CASE).select('c.id', 'c.status');
    const problems = [
      ...(row.status !== 'rectified' ? [{ field: 'status', reason: 'the shared problem itself is not rectified yet (POST …/rectify)' }] : []),
      ...open.map((c) => ({ field: 'cases', reason: `case ${c.id} is ${c.status}` })),
    ];
    if (problems.length) throw new ConflictError(`Shared problem ${id} cannot close (双归零 needs every case and the problem closed): ${problems.map((p) => p.reason).join('; ')}`, problems, 'conflict');
    await this.knex('shared_problems').where({ id, status: 'rectified' }).update({ status: 'closed', closed_at: this.clock.now(), closed_by: user.id });
    return this.get(user, countyId, id);
  }

  private async row(countyId: string, id: string): Promise<Row> {
    const row = isUuid(id) ? await this.knex('shared_problems').where({ id, county_id: countyId }).first() : undefined;
    if (!row) throw new NotFoundError(`No shared problem ${id} in ${countyId}`);
    return row;
  }

  private async view(r: Row) {
    const cases: Row[] = await this.knex('shared_problem_cases as p').join('cases as c', 'c.id', 'p.case_id').where('p.problem_id', r.id).orderBy('c.received_at').select('c.id', 'c.case_no', 'c.status', 'c.unit_id');
    const closedCases = cases.filter((c) => CLOSED_CASE.includes(c.status)).length;
    return {
      id: r.id,
      county: r.county_id,
      title: r.title,
      cause: typeof r.cause === 'string' ? JSON.parse(r.cause) : r.cause,
      owner: r.owner,
      deadline: iso(r.deadline),
      overdue: r.status === 'open' && new Date(r.deadline).getTime() < this.clock.now().getTime(),
      status: r.status,
      measures: r.measures ?? null,
      rectifiedAt: iso(r.rectified_at),
      rectifiedBy: r.rectified_by ?? null,
      closedAt: iso(r.closed_at),
      closedBy: r.closed_by ?? null,
      createdBy: r.created_by,
      createdAt: iso(r.created_at),
      cases: cases.map((c) => ({ id: c.id, caseNo: c.case_no, status: c.status, closed: CLOSED_CASE.includes(c.status) })),
      casesClosed: closedCases,
      zeroed: { cases: closedCases === cases.length, problem: r.status === 'closed' },
    };
  }
}

/** Both counts of 双归零 for a county (a bulletin shows them). */
export async function sharedCounts(knex: Knex, countyId: string, until?: Date) {
  const q = knex('shared_problems').where({ county_id: countyId });
  if (until) q.where('created_at', '<', until);
  const [p] = await q.clone().select(knex.raw('count(*) as problems'), knex.raw("count(*) filter (where status = 'closed') as closed"));
  const [c] = await knex('shared_problem_cases as pc')
    .join('shared_problems as s', 's.id', 'pc.problem_id')
    .join('cases as c', 'c.id', 'pc.case_id')
    .where('s.county_id', countyId)
    .modify((b) => (until ? b.where('s.created_at', '<', until) : b))
    .select(knex.raw('count(*) as cases'), knex.raw('count(*) filter (where c.status in (?, ?)) as closed', CLOSED_CASE));
  return { problems: Number(p.problems), problemsClosed: Number(p.closed), cases: Number(c.cases), casesClosed: Number(c.closed) };
}
