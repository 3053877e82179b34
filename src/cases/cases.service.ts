/**
 * Bad-review cases (差评办件): lists and details, the county figures that bulletins are made of, and the
 * audit of reveals.
 *
 * Status comes from the case row, which the setStatus service of the diagram keeps (in the step's
 * transaction). Outcome is read from the instance variables when the case is read (src/cases/outcome.ts),
 * so it is right from the moment the verifying task completes; the row keeps the value of the last
 * status change for reports. A revoked case (appeal upheld) keeps its history and is not counted as a
 * bad review.
 */
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import type { Clock } from '../clock';
import { iso } from '../calendar/civil-date';
import { STEP_INPUT } from '../db/journal';
import { NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../ids';
import { page } from '../paging';
import type { PiiCipher } from '../privacy/cipher';
import { maskedPerson, revealFreeText, revealPerson } from '../privacy/personal';
import { assertMayReveal, listReveals, recordReveal } from '../privacy/reveal';
import type { TenantRegistry } from '../tenants';
import { CHANNELS, LEVEL_NAMES, OPTIONS, optionCategory } from './catalogue';
import { deriveOutcome } from './outcome';
import { CASE_STATUSES } from './status.service';

type Row = Record<string, any>;

export interface CaseFilter {
  status?: string;
  unit?: string;
  kind?: string;
  overdue?: boolean;
  receivedFrom?: Date;
  receivedTo?: Date;
  limit?: number;
  offset?: number;
}

export class CaseService {
  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    private readonly pii: PiiCipher,
  ) {}

  async list(user: User, countyId: string, f: CaseFilter) {
    countyAllowing(this.tenants, user, countyId);
    if (f.status && !(CASE_STATUSES as readonly string[]).includes(f.status)) throw new ValidationError(`status must be one of ${CASE_STATUSES.join(', ')}`, { field: 'status', reason: `must be one of ${CASE_STATUSES.join(', ')}` });
    if (f.kind && f.kind !== 'system-pushed' && f.kind !== 'on-site') throw new ValidationError('kind must be system-pushed or on-site', { field: 'kind', reason: 'must be system-pushed or on-site' });
    const { limit, offset } = page(f.limit, f.offset);
    const now = this.clock.now();
    const q = this.knex('cases as c').leftJoin('process_instances as i', 'i.id', 'c.instance_id').where('c.county_id', countyId);
    if (f.status) q.where('c.status', f.status);
    if (f.unit) q.where('c.unit_id', f.unit);
    if (f.kind) q.where('c.kind', f.kind);
    if (f.receivedFrom) q.where('c.received_at', '>=', f.receivedFrom);
    if (f.receivedTo) q.where('c.received_at', '<', f.receivedTo);
    const overdue = (b: Knex.QueryBuilder) => b.select(this.knex.raw('1')).from('tasks as t').whereRaw('t.instance_id = c.instance_id').where('t.status', 'open').whereNotNull('t.due_at').where('t.due_at', '<', now);
    if (f.overdue === true) q.whereExists(overdue);
    if (f.overdue === false) q.whereNotExists(overdue);
    const [{ count }] = await q.clone().count<{ count: string | number }[]>('c.id as count');
    const rows = await q
      .select('c.*', 'i.variables as i_variables', 'i.status as i_status', 'i.incident as i_incident')
      .select(this.knex.raw('(select min(t.due_at) from tasks t where t.instance_id = c.instance_id and t.status = ?) as next_due_at', ['open']))
      .orderBy([{ column: 'c.received_at', order: 'desc' }, { column: 'c.id' }])
      .limit(limit)
      .offset(offset);
    return { items: rows.map((r: Row) => this.summary(r, now)), total: Number(count), limit, offset };
  }

  async get(user: User, countyId: string, id: string, reveal = false) {
    countyAllowing(this.tenants, user, countyId);
    if (reveal) assertMayReveal(user);
    const row: Row | undefined = isUuid(id)
      ? await this.knex('cases as c').leftJoin('process_instances as i', 'i.id', 'c.instance_id').where({ 'c.id': id, 'c.county_id': countyId }).first('c.*', 'i.variables as i_variables', 'i.status as i_status', 'i.incident as i_incident')
      : undefined;
    if (!row) throw new NotFoundError(`No case ${id} in ${countyId}`);
    const now = this.clock.now();
    const [evaluation, tasks, journal, bulletins] = await Promise.all([
      row.evaluation_id ? this.knex('evaluations').where({ id: row.evaluation_id }).first() : undefined,
      row.instance_id ? this.knex('tasks').where({ instance_id: row.instance_id, status: 'open' }).orderBy([{ column: 'due_at', order: 'asc', nulls: 'last' }, 'created_at']) : [],
      row.instance_id ? this.knex('journal').where({ instance_id: row.instance_id }).whereNot({ type: STEP_INPUT }).orderBy('id') : [],
      // The bulletin editions (通报) the case appears in.
      this.knex('bulletin_cases as bc').join('bulletins as b', 'b.id', 'bc.bulletin_id').where('bc.case_id', row.id).orderBy('b.period_from').select('b.id', 'b.period_kind', 'b.period', 'b.edition_year', 'b.edition_no', 'b.status'),
    ]);
    const nextDue = tasks.map((t: Row) => t.due_at).filter(Boolean)[0] ?? null;
    const out: Row = {
      ...this.summary({ ...row, next_due_at: nextDue }, now),
      statusAt: iso(row.status_at),
      revokedAt: iso(row.revoked_at),
      rating: evaluation
        ? {
            evaluationId: evaluation.id,
            level: Number(evaluation.level),
            levelName: LEVEL_NAMES[Number(evaluation.level)],
            channel: evaluation.channel,
            channelName: CHANNELS[evaluation.channel] ?? null,
            options: optionList(evaluation.options),
            otherText: evaluation.other_text,
            comment: evaluation.comment,
            ratedAt: iso(evaluation.rated_at),
            senderId: evaluation.sender_id,
            evaluator: maskedPerson(evaluation, 'evaluator'),
          }
        : null,
      complaint:
        row.kind === 'on-site'
          ? { complainant: maskedPerson(row as Row & { id: string }, 'complainant'), description: row.comment, level: row.level ?? null, options: optionList(row.options), otherText: row.other_text, occurredAt: iso(row.occurred_at), senderId: row.sender_id }
          : null,
      instance: row.instance_id ? { id: row.instance_id, processKey: row.process_key, status: row.i_status, incident: row.i_incident ?? null } : null,
      openTasks: tasks.map((t: Row) => ({
        id: t.id,
        elementId: t.element_id,
        name: t.name,
        candidateGroups: t.candidate_groups,
        assignee: t.assignee,
        createdAt: iso(t.created_at),
        dueAt: iso(t.due_at),
        dueProvisional: t.due_provisional,
        overdue: !!t.due_at && new Date(t.due_at).getTime() < now.getTime(),
      })),
      bulletins: bulletins.map((b: Row) => ({ id: b.id, kind: b.period_kind, period: b.period, edition: `${b.edition_year}年第${b.edition_no}期`, status: b.status, href: `/api/v1/counties/${countyId}/bulletins/${b.id}` })),
      history: journal.map((j: Row) => ({ seq: Number(j.id), at: iso(j.at), type: j.type, elementId: j.element_id, elementType: j.element_type, actor: j.actor, data: j.data })),
    };
    if (!reveal) return out;
    const fields: string[] = [];
    if (evaluation) {
      const r = revealPerson(this.pii, evaluation, 'evaluator');
      out.rating.evaluator = r.person;
      fields.push(...r.fields);
      const text = revealFreeText(this.pii, evaluation);
      if (text) {
        Object.assign(out.rating, text);
        fields.push('rating.comment');
      }
    }
    if (row.kind === 'on-site') {
      const r = revealPerson(this.pii, row as Row & { id: string }, 'complainant');
      out.complaint.complainant = r.person;
      fields.push(...r.fields);
      const text = revealFreeText(this.pii, row as Row & { id: string });
      if (text) {
        out.complaint.description = text.comment;
        out.complaint.otherText = text.otherText;
        fields.push('complaint.description');
      }
    }
    await recordReveal(this.knex, { countyId, actor: user.id, evaluationId: evaluation?.id ?? null, caseId: row.id, instanceId: row.instance_id, fields, at: this.clock.now() });
    return { ...out, revealed: fields };
  }

  private summary(r: Row, now: Date) {
    const nextDue = r.next_due_at ? new Date(r.next_due_at) : null;
    return {
      id: r.id,
      county: r.county_id,
      kind: r.kind,
      status: r.status,
      outcome: deriveOutcome(r.i_variables) ?? r.outcome ?? null,
      revoked: r.status === 'revoked',
      receivedAt: iso(r.received_at),
      unit: r.unit_id ? { id: r.unit_id, name: r.unit_name } : null,
      caseNo: r.case_no,
      serviceCode: r.service_code,
      serviceName: r.service_name,
      window: r.window_name,
      staffName: r.staff_name,
      level: r.level ?? null,
      levelName: r.level ? LEVEL_NAMES[r.level] : null,
      channel: r.channel,
      instanceId: r.instance_id,
      nextDueAt: iso(nextDue),
      overdue: !!nextDue && nextDue.getTime() < now.getTime(),
    };
  }

  /**
   * County figures over ratings made in [from, to): ratings in force by level, the evaluators' own
   * (主动评价) apart from the 7-day defaults, good and bad rates, and bad reviews with the revoked ones
   * (appeal upheld) taken out; on-site complaints beside them (not ratings, so not in the rates); cases
   * received in the period by status and kind.
   */
  async stats(user: User, countyId: string, f: { from?: Date; to?: Date }) {
    countyAllowing(this.tenants, user, countyId);
    const range = (q: Knex.QueryBuilder, col: string) => {
      if (f.from) q.where(col, '>=', f.from);
      if (f.to) q.where(col, '<', f.to);
      return q;
    };
    const ratings = await range(
      this.knex('evaluations as e').leftJoin('cases as c', 'c.id', 'e.case_id').where({ 'e.county_id': countyId, 'e.is_current': true }),
      'e.rated_at',
    )
      .select('e.level', 'e.is_default')
      .select(this.knex.raw('count(*) as n'))
      .select(this.knex.raw(`count(*) filter (where c.status = 'revoked') as revoked`))
      .groupBy('e.level', 'e.is_default');
    const byLevel: Record<string, number> = { '5': 0, '4': 0, '3': 0, '2': 0, '1': 0 };
    let total = 0;
    let defaults = 0;
    let bad = 0;
    let revoked = 0;
    for (const r of ratings) {
      const n = Number(r.n);
      byLevel[String(r.level)] += n;
      total += n;
      if (r.is_default) defaults += n;
      if (Number(r.level) <= 2) {
        bad += n;
        revoked += Number(r.revoked);
      }
    }
    const counted = bad - revoked;
    const good = byLevel['5'] + byLevel['4'] + byLevel['3'];
    const rate = (n: number) => (total ? Math.round((n / total) * 10000) / 10000 : null);
    const caseRows = await range(this.knex('cases').where({ county_id: countyId }), 'received_at').select('status', 'kind').count<{ status: string; kind: string; count: string }[]>('id as count').groupBy('status', 'kind');
    const byStatus: Record<string, number> = Object.fromEntries(CASE_STATUSES.map((s) => [s, 0]));
    const byKind: Record<string, number> = { 'system-pushed': 0, 'on-site': 0 };
    let cases = 0;
    for (const r of caseRows) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + Number(r.count);
      byKind[r.kind] = (byKind[r.kind] ?? 0) + Number(r.count);
      cases += Number(r.count);
    }
    return {
      county: countyId,
      from: iso(f.from),
      to: iso(f.to),
      ratings: { total, active: total - defaults, default: defaults, byLevel, good, goodRate: rate(good) },
      // On-site complaints are cases but not ratings: a rate over ratings cannot hold them, so they are
      // left out of the bad-review figures and given beside them (and in cases.byKind).
      badReviews: {
        total: bad,
        revoked,
        counted,
        badRate: rate(counted),
        onSiteComplaints: byKind['on-site'],
        note: 'ratings only: on-site complaints (现场投诉) are not ratings and are left out of total, counted and badRate; they are counted in onSiteComplaints and cases.byKind',
      },
      cases: { total: cases, byStatus, byKind },
    };
  }

  /** The audit of reveals (auditors). */
  async reveals(user: User, countyId: string, f: { limit?: number; offset?: number }) {
    countyAllowing(this.tenants, user, countyId, 'pii.audit');
    const { limit, offset } = page(f.limit, f.offset);
    const rows = await listReveals(this.knex, countyId, { limit, offset });
    return { items: rows.map((r: Row) => ({ id: Number(r.id), at: iso(r.at), user: r.user_id, evaluationId: r.evaluation_id, caseId: r.case_id, taskId: r.task_id ?? null, fields: r.fields })), limit, offset };
  }
}

function optionList(options: unknown) {
  const codes = (typeof options === 'string' ? JSON.parse(options) : options) as string[];
  return (codes ?? []).map((code) => ({ code, category: optionCategory(code), label: OPTIONS[code] }));
}
