/**
 * The user-task inbox: list, read, claim, unclaim, complete, comment. Completing a task is an engine
 * step (src/engine/runner.ts); claiming, unclaiming and commenting change the task row (or add a
 * comment) and write their journal row in the same transaction. This module is the only writer of
 * task_comments.
 *
 * Only those who may act on a task (src/auth/access.ts mayActOnTask) claim, unclaim, complete or comment
 * on it; a repeated claim by its holder changes nothing. What staff type is free text: phone and ID
 * numbers in it (and the whole value of a form field marked "x-personal": "name" | "phone" | "idNumber")
 * are masked before anything is stored, stepped, journaled or sent; the original is kept encrypted beside
 * it (tasks.output_enc, task_comments.body_enc) and shown only to a pii-reader, audited.
 */
import Ajv, { ErrorObject } from 'ajv';
import type { Knex } from 'knex';
import { User, assertCounty, canSeeCounty, isAdmin, mayActOnTask, visibleCounties } from '../auth/access';
import type { Clock } from '../clock';
import { appendJournal, currentRevision } from '../db/journal';
import type { InstanceRow, TaskRow } from '../db/tables';
import type { DefinitionStore } from '../engine/definition-store';
import type { Runner } from '../engine/runner';
import * as taskRows from '../engine/tasks';
import { ConflictError, FieldError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { isUuid } from '../ids';
import { page } from '../paging';
import type { PiiCipher } from '../privacy/cipher';
import { maskFound, findIdentities, maskId, maskIdentities, maskName } from '../privacy/identity';
import { assertMayReveal, recordReveal } from '../privacy/reveal';
import { checkVariables } from './variables';

export interface TaskFilter {
  county?: string;
  candidateGroup?: string;
  assignee?: string;
  instanceId?: string;
  businessKey?: string;
  /** The task's element id (Camunda's taskDefinitionKey). */
  elementId?: string;
  overdue?: boolean;
  status?: string;
  limit?: number;
  offset?: number;
  /** The `next` of the previous page (keyset paging). */
  after?: string;
}

/** The inbox counts its matches up to here; beyond, `totalIsCapped` (a count of a million rows would scan them). */
export const TOTAL_CAP = 1_000;

/** The inbox order "due_at asc nulls last" as one value, as in the partial indexes. */
const SORT_KEY = `coalesce(t.due_at, 'infinity'::timestamptz)`;

/** The key of the last row of a page: {d: due, c: created, i: id}, base64url JSON. */
function encodeCursor(r: { due_at: Date | string | null; created_at: Date | string; id: string }): string {
  const iso = (v: Date | string) => new Date(v).toISOString();
  return Buffer.from(JSON.stringify({ d: r.due_at ? iso(r.due_at) : null, c: iso(r.created_at), i: r.id })).toString('base64url');
}

function decodeCursor(s: string): { d: string | null; c: string; i: string } {
  const bad = () => new ValidationError('after must be the next of a previous page', { field: 'after', reason: 'is not the next of a previous page' });
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const o = v as { d?: unknown; c?: unknown; i?: unknown };
  const isInstant = (x: unknown) => typeof x === 'string' && x.length <= 40 && !Number.isNaN(Date.parse(x));
  if (!o || typeof o !== 'object' || !(o.d === null || isInstant(o.d)) || !isInstant(o.c) || typeof o.i !== 'string' || !isUuid(o.i)) throw bad();
  return { d: o.d as string | null, c: o.c as string, i: o.i };
}

export interface TaskView {
  id: string;
  instanceId: string;
  county: string;
  businessKey: string | null;
  processKey: string;
  elementId: string;
  name: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  assignee: string | null;
  formKey: string | null;
  dueAt: Date | null;
  dueExpression: string | null;
  dueProvisional: boolean;
  overdue: boolean;
  status: string;
  createdAt: Date;
  claimedAt: Date | null;
  completedAt: Date | null;
  completedBy: string | null;
}

type TaskJoined = TaskRow & { business_key: string | null; process_key: string; definition_id: string };

export class TaskService {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly validators = new Map<string, ReturnType<Ajv['compile']>>();

  constructor(
    private readonly knex: Knex,
    private readonly runner: Runner,
    private readonly clock: Clock,
    private readonly definitions: DefinitionStore,
    private readonly pii: PiiCipher,
    /** Called once a completion has committed (the documents a step sends onward are archived here); set by core.ts. */
    private readonly afterComplete?: (task: TaskRow, actor: string) => Promise<void>,
  ) {}

  /**
   * The inbox. Open tasks in the order they are due (no due instant last), then created, then id.
   * Paged by `limit` and either `offset` (shallow pages) or `after` (the `next` of the previous page: a
   * key, so a deep page costs what the first does). `total` is counted up to TOTAL_CAP (1,000: an index-only range of at most that many entries) and
   * `totalIsCapped` says when there are more: an exact count of a million open tasks would scan them.
   * Each filter has a partial index on open tasks (migrations/20261202000100_inbox_indexes.ts).
   */
  async list(user: User, f: TaskFilter): Promise<{ items: TaskView[]; total: number; totalIsCapped: boolean; limit: number; offset: number; next: string | null }> {
    const { limit, offset } = page(f.limit, f.offset);
    if (f.instanceId !== undefined && !isUuid(f.instanceId)) throw new ValidationError('instanceId must be the id of a process instance (a UUID)', { field: 'instanceId', reason: 'is not a UUID' });
    if (f.status !== undefined && !['open', 'completed', 'cancelled'].includes(f.status)) throw new ValidationError('status must be open, completed or cancelled', { field: 'status', reason: 'must be open, completed or cancelled' });
    const after = f.after !== undefined ? decodeCursor(f.after) : undefined;
    if (after && offset) throw new ValidationError('after and offset cannot be combined: after continues from the key of a previous page', { field: 'offset', reason: 'cannot be combined with after' });
    if (f.county) assertCounty(user, f.county);
    const counties = visibleCounties(user);
    const now = this.clock.now();
    /** Every filter but the candidate group (the count joins the instances only to filter by business key). */
    const filtered = (join = true) => {
      const q = this.knex('tasks as t');
      if (join || f.businessKey) q.join('process_instances as i', 'i.id', 't.instance_id');
      if (counties !== '*') q.whereIn('t.county_id', counties);
      if (f.county) q.where('t.county_id', f.county);
      q.where('t.status', f.status ?? 'open');
      if (f.instanceId) q.where('t.instance_id', f.instanceId);
      if (f.businessKey) q.where('i.business_key', f.businessKey);
      if (f.assignee) q.where('t.assignee', f.assignee).whereNotNull('t.assignee');
      if (f.elementId) q.where('t.element_id', f.elementId);
      if (f.overdue !== undefined) {
        if (f.overdue) q.whereNotNull('t.due_at').where('t.due_at', '<', now);
        else q.where((w) => w.whereNull('t.due_at').orWhere('t.due_at', '>=', now));
      }
      return q;
    };
    // A candidate group: the tasks whose first group it is (one ordered index range), and those that
    // have it after another (the few tasks with several groups), each branch ordered and limited.
    const branches = (join = true): Knex.QueryBuilder[] => {
      if (!f.candidateGroup) return [filtered(join)];
      const g = f.candidateGroup;
      return [
        filtered(join).whereRaw(`(t.candidate_groups ->> 0) = ?`, [g]),
        filtered(join)
          .whereRaw(`jsonb_array_length(t.candidate_groups) > 1`)
          .whereRaw(`t.candidate_groups @> ?::jsonb`, [JSON.stringify([g])])
          .whereRaw(`(t.candidate_groups ->> 0) <> ?`, [g]),
      ];
    };
    const ordered = (q: Knex.QueryBuilder, n: number) => {
      if (after) q.whereRaw(`(${SORT_KEY}, t.created_at, t.id) > (?::timestamptz, ?::timestamptz, ?::uuid)`, [after.d ?? 'infinity', after.c, after.i]);
      return q
        .select('t.*', 'i.business_key', 'i.process_key', 'i.definition_id', this.knex.raw(`${SORT_KEY} as sort_due`))
        .orderByRaw(`${SORT_KEY}, t.created_at, t.id`)
        .limit(n);
    };
    const n = offset + limit + 1;
    const parts = branches().map((q) => ordered(q, n));
    const pageQuery =
      parts.length === 1
        ? parts[0].offset(offset)
        : this.knex
            .select('*')
            .from(this.knex.unionAll(parts, true).as('u'))
            .orderBy([{ column: 'sort_due' }, { column: 'created_at' }, { column: 'id' }])
            .limit(n)
            .offset(offset);
    const countQuery = async (): Promise<number> => {
      const counts = await Promise.all(
        branches(false).map(async (q) => {
          const r = await this.knex.count<{ n: string | number }[]>({ n: '*' }).from(q.select(this.knex.raw('1')).limit(TOTAL_CAP + 1).as('c'));
          return Number(r[0].n);
        }),
      );
      return counts.reduce((a, b) => a + b, 0);
    };
    const [rows, counted] = await Promise.all([pageQuery as Promise<Array<TaskJoined & { sort_due: Date | string }>>, countQuery()]);
    const more = rows.length > limit;
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    const next = more && last ? encodeCursor(last) : null;
    return { items: items.map((r) => this.view(r)), total: Math.min(counted, TOTAL_CAP), totalIsCapped: counted > TOTAL_CAP, limit, offset, next };
  }

  async get(user: User, id: string, reveal = false): Promise<TaskView & { variables: Record<string, unknown>; form: unknown; output: Record<string, unknown> | null }> {
    const row = await this.load(user, id);
    if (reveal) assertMayReveal(user, row.county_id);
    const instance = await this.knex<InstanceRow>('process_instances').where({ id: row.instance_id }).first();
    const schema = row.form_key ? await this.formSchema(row.definition_id, row.form_key) : undefined;
    const vars = instance?.variables ?? {};
    const fields = schema?.properties ? Object.keys(schema.properties) : undefined;
    const variables = fields ? Object.fromEntries(Object.entries(vars).filter(([k]) => fields.includes(k) || k.startsWith('case'))) : vars;
    const out = { ...this.view(row), variables, form: schema ?? null, output: row.output ?? null };
    if (!reveal) return out;
    const clear = row.output_enc ? (JSON.parse(this.pii.decrypt(row.output_enc, sealContext('task', row.id))) as Record<string, unknown>) : null;
    if (clear) await recordReveal(this.knex, { countyId: row.county_id, actor: user.id, taskId: row.id, instanceId: row.instance_id, fields: ['task.output'], at: this.clock.now() });
    return { ...out, ...(clear ? { output: clear } : {}), revealed: clear ? ['task.output'] : [] } as typeof out;
  }

  async claim(user: User, id: string): Promise<TaskView> {
    const row = await this.load(user, id);
    this.assertMayAct(user, row);
    if (row.status !== 'open') throw new ConflictError(`Task ${id} is ${row.status}`, { field: 'task', reason: `is ${row.status}`, status: row.status }, 'task_not_open');
    // The holder claiming again: nothing changes, nothing is journaled.
    if (row.assignee === user.id) return this.view(row);
    const now = this.clock.now();
    await this.knex.transaction(async (trx) => {
      if (!(await taskRows.claim(trx, id, user.id, now))) {
        const cur = await taskRows.findTask(trx, id);
        throw new ConflictError(`Task ${id} is claimed by ${cur?.assignee}`, { field: 'task', reason: `is claimed by ${cur?.assignee}`, assignee: cur?.assignee }, 'task_claimed');
      }
      await this.journal(trx, row, 'task.claimed', user.id, { taskId: id });
    });
    return this.view({ ...row, assignee: user.id, claimed_at: now });
  }

  /** An administrator gives an open task to someone (null: to nobody). Journaled as task.assigned. */
  async assign(user: User, id: string, assignee: string | null): Promise<TaskView> {
    if (!isAdmin(user)) throw new ForbiddenError('Only an administrator gives a task to someone else; claim it for yourself instead');
    const row = await this.load(user, id);
    if (row.status !== 'open') throw new ConflictError(`Task ${id} is ${row.status}`, { field: 'task', reason: `is ${row.status}`, status: row.status }, 'task_not_open');
    const now = this.clock.now();
    await this.knex.transaction(async (trx) => {
      await taskRows.assign(trx, id, assignee, now);
      await this.journal(trx, row, 'task.assigned', user.id, { taskId: id, assignee, previous: row.assignee });
    });
    return this.view({ ...row, assignee, claimed_at: assignee ? now : null });
  }

  async unclaim(user: User, id: string): Promise<TaskView> {
    const row = await this.load(user, id);
    this.assertMayAct(user, row);
    if (row.status !== 'open') throw new ConflictError(`Task ${id} is ${row.status}`, { field: 'task', reason: `is ${row.status}`, status: row.status }, 'task_not_open');
    if (row.assignee && row.assignee !== user.id && !isAdmin(user)) {
      throw new ConflictError(`Task ${id} is claimed by ${row.assignee}`, { field: 'task', reason: `is claimed by ${row.assignee}`, assignee: row.assignee }, 'task_claimed');
    }
    // Nobody holds it: nothing to release, nothing journaled.
    if (!row.assignee) return this.view(row);
    await this.knex.transaction(async (trx) => {
      await taskRows.unclaim(trx, id);
      await this.journal(trx, row, 'task.unclaimed', user.id, { taskId: id });
    });
    return this.view({ ...row, assignee: null, claimed_at: null });
  }

  async complete(user: User, id: string, variables: unknown): Promise<TaskView> {
    if (variables === undefined || variables === null) variables = {};
    if (typeof variables !== 'object' || Array.isArray(variables)) throw new ValidationError('variables must be a JSON object', { field: 'variables', reason: 'must be a JSON object' });
    const row = await this.load(user, id);
    this.assertMayAct(user, row);
    if (row.status !== 'open') {
      throw new ConflictError(`Task ${id} is ${row.status}${row.completed_by ? ` (by ${row.completed_by})` : ''}`, { field: 'task', reason: `is ${row.status}`, status: row.status }, 'task_not_open');
    }
    if (row.assignee && row.assignee !== user.id && !isAdmin(user)) {
      throw new ConflictError(`Task ${id} is claimed by ${row.assignee}`, { field: 'task', reason: `is claimed by ${row.assignee}`, assignee: row.assignee }, 'task_claimed');
    }
    if (row.form_key) await this.validateForm(row.definition_id, row.form_key, variables as Record<string, unknown>);
    // Bounded and masked after the form saw the original (its lengths are the lengths people typed).
    const checked = checkVariables(variables, 'variables');
    const masked = row.form_key ? await this.maskPersonalFields(row.definition_id, row.form_key, checked.masked) : { value: checked.masked, changed: false };
    const sealed = checked.changed || masked.changed ? this.pii.encrypt(JSON.stringify(checked.clear), sealContext('task', row.id)) : null;
    const { task } = await this.runner.complete(row, user.id, masked.value, { overrideAssignee: isAdmin(user), sealedInput: sealed });
    if (this.afterComplete) await this.afterComplete({ ...row, ...task } as TaskRow, user.id);
    return this.view({ ...row, ...task });
  }

  async comments(user: User, id: string, reveal = false) {
    const row = await this.load(user, id);
    if (reveal) assertMayReveal(user, row.county_id);
    const rows: Array<{ id: string | number; author: string; body: string; body_enc: string | null; created_at: Date }> = await this.knex('task_comments').where({ task_id: id }).orderBy('id');
    const clear = reveal && rows.some((c) => c.body_enc);
    if (clear) await recordReveal(this.knex, { countyId: row.county_id, actor: user.id, taskId: row.id, instanceId: row.instance_id, fields: ['task.comments'], at: this.clock.now() });
    return rows.map((c) => ({ id: Number(c.id), author: c.author, body: reveal && c.body_enc ? this.pii.decrypt(c.body_enc, sealContext('comment', `${row.id}:${c.author}`)) : c.body, createdAt: c.created_at }));
  }

  async addComment(user: User, id: string, body: unknown) {
    const row = await this.load(user, id);
    this.assertMayAct(user, row);
    if (typeof body !== 'string' || !body.trim()) throw new ValidationError('body must be a non-empty text', { field: 'body', reason: 'must be a non-empty text' });
    if (body.length > 4000) throw new ValidationError('body must be at most 4000 characters', { field: 'body', reason: 'is longer than 4000 characters' });
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(body)) throw new ValidationError('body contains control characters', { field: 'body', reason: 'contains control characters' });
    const now = this.clock.now();
    const masked = maskIdentities(body);
    const sealed = masked !== body ? this.pii.encrypt(body, sealContext('comment', `${row.id}:${user.id}`)) : null;
    return this.knex.transaction(async (trx) => {
      const [c] = await trx('task_comments').insert({ task_id: id, author: user.id, body: masked, body_enc: sealed, created_at: now }).returning(['id', 'author', 'body', 'created_at as createdAt']);
      await this.journal(trx, row, 'task.commented', user.id, { taskId: id, commentId: Number(c.id) });
      return { ...c, id: Number(c.id) };
    });
  }

  /** Fields a form marks as naming a person ("x-personal": name | phone | idNumber) are masked whole. */
  private async maskPersonalFields(definitionId: string, formKey: string, input: Record<string, unknown>): Promise<{ value: Record<string, unknown>; changed: boolean }> {
    const schema = await this.formSchema(definitionId, formKey);
    const props = (schema?.properties ?? {}) as Record<string, { 'x-personal'?: string }>;
    let changed = false;
    const value = { ...input };
    for (const [k, spec] of Object.entries(props)) {
      const kind = spec?.['x-personal'];
      const v = value[k];
      if (!kind || typeof v !== 'string' || !v.trim()) continue;
      const found = kind === 'phone' || kind === 'idNumber' ? findIdentities(v).find((f) => f.kind !== 'name') : undefined;
      const m = kind === 'name' ? maskName(v) : found ? maskFound(found) : kind === 'idNumber' ? maskId(v.trim()) : '*'.repeat(Math.min(v.length, 11));
      if (m !== v) {
        value[k] = m;
        changed = true;
      }
    }
    return { value, changed };
  }

  private async load(user: User, id: string): Promise<TaskJoined> {
    if (typeof id !== 'string') throw new NotFoundError('No such task');
    if (!isUuid(id)) throw new NotFoundError(`No task ${id}`);
    const row = await this.joined(id);
    if (!row || !canSeeCounty(user, row.county_id)) throw new NotFoundError(`No task ${id}`);
    assertCounty(user, row.county_id, 'task');
    return row;
  }

  private async joined(id: string): Promise<TaskJoined | undefined> {
    return this.knex('tasks as t').join('process_instances as i', 'i.id', 't.instance_id').where('t.id', id).first('t.*', 'i.business_key', 'i.process_key', 'i.definition_id');
  }

  private assertMayAct(user: User, row: TaskRow): void {
    if (!mayActOnTask(user, row)) {
      throw new ForbiddenError(`Task ${row.id} is for ${[...row.candidate_groups, ...row.candidate_users].join(', ') || row.assignee}; you are not among them`);
    }
  }

  private async formSchema(definitionId: string, formKey: string) {
    const def = await this.definitions.get(definitionId);
    return def.row.elements.forms?.[formKey];
  }

  private async validateForm(definitionId: string, formKey: string, variables: Record<string, unknown>): Promise<void> {
    const cacheKey = `${definitionId}:${formKey}`;
    let validate = this.validators.get(cacheKey);
    if (!validate) {
      const schema = await this.formSchema(definitionId, formKey);
      if (!schema) return;
      validate = this.ajv.compile(schema);
      this.validators.set(cacheKey, validate);
    }
    if (!validate(variables)) {
      const errors = (validate.errors ?? []).map(describeAjvError);
      throw new ValidationError(`The form "${formKey}" is not filled in correctly: ${errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`, errors, 'form_invalid');
    }
  }

  private async journal(trx: Knex.Transaction, row: TaskRow, type: string, actor: string, data: Record<string, unknown>) {
    await appendJournal(trx, [
      {
        instanceId: row.instance_id,
        countyId: row.county_id,
        revision: await currentRevision(trx, row.instance_id),
        type,
        elementId: row.element_id,
        elementType: 'bpmn:UserTask',
        actor,
        data,
        at: this.clock.now(),
      },
    ]);
  }

  private view(r: TaskJoined): TaskView {
    const now = this.clock.nowMs();
    return {
      id: r.id,
      instanceId: r.instance_id,
      county: r.county_id,
      businessKey: r.business_key,
      processKey: r.process_key,
      elementId: r.element_id,
      name: r.name,
      candidateGroups: r.candidate_groups,
      candidateUsers: r.candidate_users,
      assignee: r.assignee,
      formKey: r.form_key,
      dueAt: r.due_at,
      dueExpression: r.due_expression,
      dueProvisional: r.due_provisional,
      overdue: r.status === 'open' && !!r.due_at && new Date(r.due_at).getTime() < now,
      status: r.status,
      createdAt: r.created_at,
      claimedAt: r.claimed_at,
      completedAt: r.completed_at,
      completedBy: r.completed_by,
    };
  }
}

/** The additional data an encrypted original is bound to (a copy on another row does not decrypt). */
export function sealContext(kind: 'task' | 'comment', id: string): string {
  return `${kind}:${id}`;
}

function describeAjvError(e: ErrorObject): FieldError {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'required') return { field: [base, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.'), reason: 'is required' };
  if (e.keyword === 'additionalProperties') return { field: [base, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.'), reason: 'is not a field of this form' };
  if (e.keyword === 'enum') return { field: base, reason: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
  return { field: base || '(form)', reason: e.message ?? e.keyword };
}
