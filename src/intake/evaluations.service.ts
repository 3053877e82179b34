/**
 * Ratings in. The lean path, for what almost every rating is (not bad): one INSERT … SELECT that joins
 * the 办件 register and skips any unique conflict; a batch of good ratings is that same one statement.
 * Only a row the statement skipped is looked at again, to tell why:
 *
 *   same (county, senderId) with the same rating  → duplicate: the stored rating is the answer
 *   same (county, senderId), another rating       → 409 idempotency_conflict
 *   no such 办件                                   → 400 unknown_service_case (field caseNo)
 *   the 办件 has a rating in force                 → 409 already_rated naming it, unless the county
 *                                                    allows re-rating (tenant.yaml allowReRating: true)
 *                                                    or the rating in force is the 7-day default and
 *                                                    this one was made inside the window (a device that
 *                                                    sent it late): then the new one supersedes it.
 *
 * A bad rating (level 1 or 2) is stored in one transaction with its case and the start of the county's
 * system-pushed diagram (src/cases/case-start.ts): all or nothing, so a retry after a crash finds either
 * everything or nothing. Retries and concurrent copies meet the unique (county, sender_id): one wins,
 * the others wait for it and then answer with what it stored.
 */
import type { Knex } from 'knex';
import { User, countyAllowing } from '../auth/access';
import { iso } from '../calendar/civil-date';
import { CaseStarter, processKeyFor } from '../cases/case-start';
import { CHANNELS, LEVEL_NAMES, OPTIONS, isBad, optionCategory } from '../cases/catalogue';
import type { Clock } from '../clock';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isUuid, uuidv7 } from '../ids';
import type { Logger } from '../log';
import { page } from '../paging';
import type { PiiCipher } from '../privacy/cipher';
import { PersonView, freeTextColumns, maskedPerson, personColumns, revealFreeText, revealPerson } from '../privacy/personal';
import { assertMayReveal, recordReveal } from '../privacy/reveal';
import { type Progress, type ProgressHandle, noProgress, withProgress } from '../progress';
import type { Tenant, TenantRegistry } from '../tenants';
import { RowAnswer, assertBatchSize, batchProgress, invalid, refusal, summarise } from './batch';
import { EvaluationInput, checkEvaluation } from './validate';


/** A stored rating as the sender is told about it; the same rating sent again gets exactly this. */
export interface EvaluationReceipt {
  id: string;
  county: string;
  caseNo: string;
  level: number;
  levelName: string;
  bad: boolean;
  channel: string;
  options: string[];
  otherText: string | null;
  comment: string | null;
  evaluator: PersonView | null;
  ratedAt: string;
  receivedAt: string;
  senderId: string | null;
  isDefault: boolean;
  caseId: string | null;
}

type EvaluationRow = Record<string, any> & { id: string };

interface Prepared {
  index: number;
  input: EvaluationInput;
  id: string;
  caseId: string | null;
  fingerprint: string;
  /** Columns of the row, without service_case_id (taken from the register by the statement). */
  columns: Record<string, unknown>;
}

type Outcome = { status: 'stored' | 'duplicate'; receipt: EvaluationReceipt } | { status: 'refused'; error: unknown };

class RowConflict extends Error {}

const COLUMNS = [
  'id', 'county_id', 'case_no', 'level', 'channel', 'options', 'other_text', 'comment', 'free_text_enc', 'evaluator_kind',
  'evaluator_enc', 'evaluator_name_mask', 'evaluator_phone_mask', 'evaluator_id_mask', 'rated_at', 'received_at', 'sender_id', 'request_fingerprint', 'case_id', 'created_by', 'ord',
] as const;
const TYPES: Record<string, string> = { id: 'uuid', level: 'smallint', options: 'jsonb', rated_at: 'timestamptz', received_at: 'timestamptz', case_id: 'uuid', ord: 'int' };
const RECORDSET = COLUMNS.map((c) => `${c} ${TYPES[c] ?? 'text'}`).join(', ');
const INSERT_COLUMNS = COLUMNS.filter((c) => c !== 'ord');

/**
 * The one statement of the lean path: the rows as one JSON parameter, joined to the register (an
 * unknown 办件 simply yields no row), in sender order, every unique conflict skipped. The lateral
 * subquery with LIMIT is not flattened, so each row is one index lookup in the register whatever the
 * planner believes of its size (a plain join was planned as a hash join over the whole county).
 */
const BULK_INSERT = `
  insert into evaluations (${INSERT_COLUMNS.join(', ')}, service_case_id, is_default, is_current)
  select ${INSERT_COLUMNS.map((c) => (c === 'case_no' ? 'sc.case_no' : `r.${c}`)).join(', ')}, sc.id, false, true
  from jsonb_to_recordset(?::jsonb) as r(${RECORDSET})
  cross join lateral (select s.id, s.case_no from service_cases s where s.county_id = r.county_id and s.case_no = r.case_no limit 1) sc
  order by r.ord
  on conflict do nothing
  returning id`;

/**
 * Group commit for ratings sent one per request: while MAX_IN_FLIGHT statements are running, the
 * ratings that arrive queue up and go together in the next statement (one round trip, one commit for
 * all). Under light load a rating is written at once, alone; under heavy load the statements grow.
 * Each rating still gets its own answer; a statement that fails fails only the ratings it carried.
 */
class Coalescer {
  private readonly queue: Array<{ row: Record<string, unknown>; resolve: (inserted: boolean) => void; reject: (err: unknown) => void }> = [];
  private inFlight = 0;

  constructor(
    private readonly write: (rows: Array<Record<string, unknown>>) => Promise<Set<string>>,
    private readonly maxInFlight = 2,
    private readonly maxRows = 1000,
  ) {}

  /** Resolves true when the row was inserted, false when the statement skipped it (a conflict). */
  add(row: Record<string, unknown>): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.maxRows);
      this.inFlight++;
      this.write(batch.map((b) => b.row))
        .then(
          (ids) => batch.forEach((b) => b.resolve(ids.has(b.row.id as string))),
          (err) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

export class EvaluationService {
  private readonly coalescer = new Coalescer((rows) => this.bulkInsert(rows));

  constructor(
    private readonly knex: Knex,
    private readonly tenants: TenantRegistry,
    private readonly clock: Clock,
    private readonly pii: PiiCipher,
    private readonly cases: CaseStarter,
    private readonly logger: Logger,
    /** Told of every rating stored (src/metrics.ts counts them). */
    private readonly onStored: (countyId: string, bad: boolean) => void = () => undefined,
    /** Where a large batch reports its progress (/health `jobs`, log lines). */
    private readonly progress?: Progress,
  ) {}

  /** POST one rating: 201 with the receipt (also for the same rating sent again), or an error. */
  async receiveOne(user: User, countyId: string, body: unknown): Promise<{ receipt: EvaluationReceipt; replayed: boolean }> {
    const tenant = countyAllowing(this.tenants, user, countyId, 'intake.send');
    const now = this.clock.now();
    const checked = checkEvaluation(body, now);
    if (!checked.ok) throw invalid('rating', checked.errors);
    const [outcome] = await this.store(user, tenant, [this.prepare(tenant, 0, checked.value, now)], now);
    if (outcome.status === 'refused') throw outcome.error;
    return { receipt: outcome.receipt, replayed: outcome.status === 'duplicate' };
  }

  /** POST an array: every row answered, good rows stored whatever happens to the others. */
  async receiveBatch(user: User, countyId: string, rows: unknown[]) {
    const tenant = countyAllowing(this.tenants, user, countyId, 'intake.send');
    assertBatchSize(rows.length);
    const now = this.clock.now();
    const answers: RowAnswer[] = new Array(rows.length);
    const prepared: Prepared[] = [];
    rows.forEach((row, index) => {
      const checked = checkEvaluation(row, now);
      if (!checked.ok) answers[index] = refusal(index, invalid('rating', checked.errors));
      else prepared.push(this.prepare(tenant, index, checked.value, now));
    });
    const outcomes = await withProgress(batchProgress(this.progress, `rating import ${tenant.id}`, rows.length), (job) => {
      job.advance(rows.length - prepared.length);
      return this.store(user, tenant, prepared, now, job);
    });
    prepared.forEach((p, i) => {
      const o = outcomes[i];
      answers[p.index] = o.status === 'refused' ? refusal(p.index, o.error) : { index: p.index, status: o.status, id: o.receipt.id, caseId: o.receipt.caseId };
    });
    return summarise(answers);
  }

  private prepare(tenant: Tenant, index: number, input: EvaluationInput, now: Date): Prepared {
    const id = uuidv7();
    const caseId = isBad(input.level) ? uuidv7() : null;
    const fingerprint = this.pii.fingerprint(`${tenant.id}|${input.canonical}`);
    return {
      index,
      input,
      id,
      caseId,
      fingerprint,
      columns: {
        id,
        county_id: tenant.id,
        case_no: input.caseNo,
        level: input.level,
        channel: input.channel,
        options: input.options,
        ...freeTextColumns(this.pii, id, input.comment, input.otherText, [input.evaluator?.name]),
        ...personColumns(this.pii, 'evaluator', id, input.evaluator),
        rated_at: input.ratedAt,
        received_at: now,
        sender_id: input.senderId,
        request_fingerprint: fingerprint,
        is_default: false,
        case_id: caseId,
      },
    };
  }

  /** Stores rows in sender order: runs of good ratings in one statement each, bad ones one by one. */
  private async store(user: User, tenant: Tenant, rows: Prepared[], now: Date, job: ProgressHandle = noProgress): Promise<Outcome[]> {
    const out: Outcome[] = new Array(rows.length);
    let run: number[] = [];
    const flush = async () => {
      if (!run.length) return;
      const chunk = run;
      run = [];
      for (let i = 0; i < chunk.length; i += 1000) {
        const part = chunk.slice(i, i + 1000);
        await this.storeGood(user, tenant, part, rows, out, now);
        job.advance(part.length);
      }
    };
    for (let i = 0; i < rows.length; i++) {
      if (!rows[i].caseId) {
        run.push(i);
        continue;
      }
      await flush();
      out[i] = await this.storeOne(user, tenant, rows[i], now);
      job.advance(1);
    }
    await flush();
    for (let i = 0; i < rows.length; i++) if (out[i]?.status === 'stored') this.onStored(tenant.id, Boolean(rows[i].caseId));
    return out;
  }

  private async storeGood(user: User, tenant: Tenant, idx: number[], rows: Prepared[], out: Outcome[], now: Date): Promise<void> {
    let inserted: boolean[];
    try {
      if (idx.length === 1) inserted = [await this.coalescer.add(this.record(rows[idx[0]], user))];
      else {
        const ids = await this.bulkInsert(idx.map((i) => this.record(rows[i], user)));
        inserted = idx.map((i) => ids.has(rows[i].id));
      }
    } catch (err) {
      this.logger.error(`intake: ${idx.length} rating(s) of ${tenant.id} could not be stored: ${(err as Error).message}`);
      for (const i of idx) out[i] = { status: 'refused', error: err };
      return;
    }
    for (const [k, i] of idx.entries()) {
      out[i] = inserted[k] ? { status: 'stored', receipt: receipt(rows[i].columns) } : await this.storeOne(user, tenant, rows[i], now, true);
    }
  }

  /** A prepared row as a record of the bulk statement. */
  private record(p: Prepared, user: User): Record<string, unknown> {
    const rec: Record<string, unknown> = { created_by: user.id };
    for (const col of COLUMNS) if (col !== 'ord' && col !== 'created_by') rec[col] = p.columns[col] instanceof Date ? (p.columns[col] as Date).toISOString() : p.columns[col];
    return rec;
  }

  private async bulkInsert(rows: Array<Record<string, unknown>>): Promise<Set<string>> {
    const res = await this.knex.raw(BULK_INSERT, [JSON.stringify(rows.map((r, ord) => ({ ...r, ord })))]);
    return new Set((res.rows as Array<{ id: string }>).map((r) => r.id));
  }

  /** One row on its own: the path of bad ratings and of rows the bulk statement skipped. */
  private async storeOne(user: User, tenant: Tenant, p: Prepared, now: Date, skipped = false): Promise<Outcome> {
    try {
      if (p.caseId) processKeyFor(tenant, 'system-pushed');
      let supersede: string | undefined;
      for (let attempt = 0; attempt < 4; attempt++) {
        if (!skipped || supersede) {
          try {
            await this.insertInTransaction(user, tenant, p, now, supersede);
            return { status: 'stored', receipt: receipt(p.columns) };
          } catch (err) {
            if (!(err instanceof RowConflict)) throw err;
          }
        }
        skipped = false;
        const why = await this.classify(tenant, p);
        if ('outcome' in why) return why.outcome;
        supersede = why.supersede;
      }
      throw new ConflictError('The 办件 was rated concurrently several times; send the rating again', [{ field: 'caseNo', reason: 'concurrent ratings' }], 'concurrent_rating');
    } catch (err) {
      if (!(err instanceof ConflictError || err instanceof ValidationError || err instanceof NotFoundError)) {
        this.logger.error(`intake: rating ${p.id} of ${tenant.id} (row ${p.index}) could not be stored: ${(err as Error).message}`);
      }
      return { status: 'refused', error: err };
    }
  }

  /** Inserts the rating (superseding the one in force when asked), and for a bad one its case and diagram. */
  private async insertInTransaction(user: User, tenant: Tenant, p: Prepared, now: Date, supersede?: string): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const sc = await trx('service_cases').where({ county_id: tenant.id, case_no: p.input.caseNo }).first();
      if (!sc) throw new RowConflict();
      if (supersede) {
        const n = await trx('evaluations').where({ id: supersede, is_current: true }).update({ is_current: false, superseded_by: p.id, superseded_at: now });
        if (!n) throw new RowConflict();
      }
      const ins = await trx('evaluations')
        .insert({ ...p.columns, options: JSON.stringify(p.columns.options), service_case_id: sc.id, created_by: user.id, is_current: true })
        .onConflict()
        .ignore()
        .returning('id');
      if (!ins.length) throw new RowConflict();
      if (p.caseId) {
        await this.cases.create(trx, tenant, {
          id: p.caseId,
          county_id: tenant.id,
          kind: 'system-pushed',
          evaluation_id: p.id,
          service_case_id: sc.id,
          case_no: sc.case_no,
          service_code: sc.service_code,
          service_name: sc.service_name,
          unit_id: sc.unit_id,
          unit_name: sc.unit_name,
          window_name: sc.window_name,
          staff_name: sc.staff_name,
          level: p.input.level,
          channel: p.input.channel,
          options: p.input.options,
          other_text: p.columns.other_text as string | null,
          comment: p.columns.comment as string | null,
          received_at: now,
          created_by: user.id,
        });
      }
    });
  }

  /** Why a row was not inserted: an answer, or the id of the rating in force it may supersede. */
  private async classify(tenant: Tenant, p: Prepared): Promise<{ outcome: Outcome } | { supersede?: string }> {
    const mine = await this.knex('evaluations').where({ county_id: tenant.id, sender_id: p.input.senderId }).first();
    if (mine) {
      if (mine.request_fingerprint === p.fingerprint) return { outcome: { status: 'duplicate', receipt: receipt(mine) } };
      return {
        outcome: {
          status: 'refused',
          error: new ConflictError(
            `senderId ${p.input.senderId} was used for another rating (${mine.id}); a senderId names one rating only`,
            [{ field: 'senderId', reason: `already used for rating ${mine.id} with other content` }],
            'idempotency_conflict',
          ),
        },
      };
    }
    const sc = await this.knex('service_cases').where({ county_id: tenant.id, case_no: p.input.caseNo }).first();
    if (!sc) {
      return {
        outcome: {
          status: 'refused',
          error: new ValidationError(`No 办件 ${p.input.caseNo} is registered in ${tenant.id}: register it first (POST /api/v1/counties/${tenant.id}/service-cases)`, [{ field: 'caseNo', reason: 'no such 办件 in this county' }], 'unknown_service_case'),
        },
      };
    }
    const current = await this.knex('evaluations').where({ service_case_id: sc.id, is_current: true }).first('id', 'is_default', 'rated_at');
    if (!current) return {};
    const lateInWindow = current.is_default && sc.default_at && p.input.ratedAt.getTime() < new Date(sc.default_at).getTime();
    if (tenant.settings.allowReRating === true || lateInWindow) return { supersede: current.id };
    return {
      outcome: {
        status: 'refused',
        error: new ConflictError(
          `办件 ${p.input.caseNo} is rated already (rating ${current.id}${current.is_default ? ', the 7-day default' : ''}); one rating per 办件`,
          [{ field: 'caseNo', reason: `already rated by ${current.id}`, existingId: current.id, isDefault: current.is_default } as never],
          'already_rated',
        ),
      },
    };
  }

  // -------------------------------------------------------------------------------------------------
  // Reading

  async list(user: User, countyId: string, f: { caseNo?: string; level?: number; bad?: boolean; isDefault?: boolean; channel?: string; current?: boolean; from?: Date; to?: Date; limit?: number; offset?: number }) {
    countyAllowing(this.tenants, user, countyId);
    const { limit, offset } = page(f.limit, f.offset);
    const q = this.knex('evaluations').where({ county_id: countyId });
    if (f.caseNo) q.where('case_no', f.caseNo);
    if (f.level) q.where('level', f.level);
    if (f.bad !== undefined) q.where('level', f.bad ? '<=' : '>', 2);
    if (f.isDefault !== undefined) q.where('is_default', f.isDefault);
    if (f.channel) q.where('channel', f.channel);
    q.where('is_current', f.current ?? true);
    if (f.from) q.where('rated_at', '>=', f.from);
    if (f.to) q.where('rated_at', '<', f.to);
    const [{ count }] = await q.clone().count<{ count: string | number }[]>('id as count');
    const rows = await q.select('*').orderBy([{ column: 'rated_at', order: 'desc' }, { column: 'id' }]).limit(limit).offset(offset);
    return { items: rows.map((r: EvaluationRow) => view(r)), total: Number(count), limit, offset };
  }

  async get(user: User, countyId: string, id: string, reveal = false) {
    countyAllowing(this.tenants, user, countyId);
    if (reveal) assertMayReveal(user);
    const row: EvaluationRow | undefined = isUuid(id) ? await this.knex('evaluations').where({ id, county_id: countyId }).first() : undefined;
    if (!row) throw new NotFoundError(`No rating ${id} in ${countyId}`);
    const v = view(row);
    if (!reveal) return v;
    const { person, fields } = revealPerson(this.pii, row, 'evaluator');
    const text = revealFreeText(this.pii, row);
    if (text) fields.push('comment');
    const instance = row.case_id ? await this.knex('cases').where({ id: row.case_id }).first('instance_id') : undefined;
    await recordReveal(this.knex, { countyId, actor: user.id, evaluationId: row.id, caseId: row.case_id, instanceId: instance?.instance_id, fields, at: this.clock.now() });
    return { ...v, evaluator: person, ...(text ? { comment: text.comment, otherText: text.otherText } : {}), revealed: fields };
  }
}

export function receipt(r: EvaluationRow | Record<string, any>): EvaluationReceipt {
  const options = typeof r.options === 'string' ? JSON.parse(r.options) : r.options;
  return {
    id: r.id,
    county: r.county_id,
    caseNo: r.case_no,
    level: Number(r.level),
    levelName: LEVEL_NAMES[Number(r.level)],
    bad: isBad(Number(r.level)),
    channel: r.channel,
    options,
    otherText: r.other_text ?? null,
    comment: r.comment ?? null,
    evaluator: maskedPerson(r as EvaluationRow, 'evaluator'),
    ratedAt: iso(r.rated_at)!,
    receivedAt: iso(r.received_at)!,
    senderId: r.sender_id ?? null,
    isDefault: Boolean(r.is_default),
    caseId: r.case_id ?? null,
  };
}

export function view(r: EvaluationRow) {
  return {
    ...receipt(r),
    serviceCaseId: r.service_case_id,
    channelName: CHANNELS[r.channel] ?? null,
    optionDetails: (r.options as string[]).map((code) => ({ code, category: optionCategory(code), label: OPTIONS[code] })),
    current: r.is_current,
    supersededBy: r.superseded_by ?? null,
    supersededAt: iso(r.superseded_at),
    createdBy: r.created_by,
  };
}
