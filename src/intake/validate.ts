/**
 * Checking and normalising what senders post: 办件 rows, ratings and on-site complaints. Every problem is
 * reported as {field, reason}, all of them at once, so a gateway can fix a row in one go.
 */
import { parseInstant } from '../calendar/civil-date';
import { CHANNELS, OPTIONS, SYSTEM_CHANNEL, parseChannel, parseLevel } from '../cases/catalogue';
import type { FieldError } from '../errors';
import { normalizePhone, residentIdProblem, usccProblem } from '../privacy/identity';
import type { Person } from '../privacy/personal';

export type { FieldError, Person };

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Clock tolerance for instants sent by devices whose clocks run a little ahead. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

class Reader {
  readonly errors: FieldError[] = [];
  constructor(
    readonly body: Record<string, unknown>,
    readonly prefix = '',
  ) {}

  fail(field: string, reason: string): undefined {
    this.errors.push({ field: this.prefix + field, reason });
    return undefined;
  }

  text(field: string, opts: { required?: boolean; max: number; pattern?: RegExp; patternReason?: string }): string | undefined {
    const v = this.body[field];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      return opts.required ? this.fail(field, 'is required') : undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number') return this.fail(field, 'must be a text');
    const s = String(v).trim();
    if (s.length > opts.max) return this.fail(field, `must be at most ${opts.max} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) return this.fail(field, 'contains control characters');
    if (opts.pattern && !opts.pattern.test(s)) return this.fail(field, opts.patternReason ?? 'is not in the expected form');
    return s;
  }

  instant(field: string, now: Date, opts: { required?: boolean; notFuture?: boolean } = {}): Date | undefined {
    const v = this.body[field];
    if (v === undefined || v === null || v === '') return opts.required ? this.fail(field, 'is required') : undefined;
    const at = parseInstant(v);
    if (!at) return this.fail(field, 'must be an ISO 8601 instant (e.g. 2026-11-20T09:30:00+08:00) or a local time YYYY-MM-DD HH:mm:ss (Asia/Shanghai)');
    if (opts.notFuture && at.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) return this.fail(field, 'is in the future');
    return at;
  }

  unknownFields(known: readonly string[], what: string): void {
    for (const k of Object.keys(this.body)) if (!known.includes(k)) this.fail(k, `is not a field of ${what}`);
  }
}

const CASE_NO = { max: 64, pattern: /^[^\s]+$/, patternReason: 'must not contain spaces' };

// ---------------------------------------------------------------------------------------------------
// 办件

export interface ServiceCaseInput {
  caseNo: string;
  serviceCode: string;
  serviceName: string;
  unitId: string;
  unitName: string;
  window: string | null;
  staffId: string | null;
  staffName: string | null;
  mode: 'online' | 'on-site';
  acceptedAt: Date;
  completedAt: Date | null;
}

const SERVICE_CASE_FIELDS = ['caseNo', 'serviceCode', 'serviceName', 'unitId', 'unitName', 'window', 'staffId', 'staffName', 'mode', 'acceptedAt', 'completedAt'] as const;

const MODES: Record<string, 'online' | 'on-site'> = {
  online: 'online',
  网办: 'online',
  线上: 'online',
  网上: 'online',
  'on-site': 'on-site',
  onsite: 'on-site',
  offline: 'on-site',
  线下: 'on-site',
  现场: 'on-site',
  窗口: 'on-site',
};

export function checkServiceCase(body: unknown, units: Array<{ id: string; name: string }>, now: Date): Checked<ServiceCaseInput> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: [{ field: '(row)', reason: 'must be a JSON object' }] };
  const r = new Reader(body as Record<string, unknown>);
  r.unknownFields(SERVICE_CASE_FIELDS, 'a 办件');
  const caseNo = r.text('caseNo', { required: true, ...CASE_NO });
  const serviceCode = r.text('serviceCode', { required: true, max: 64 });
  const serviceName = r.text('serviceName', { required: true, max: 200 });
  const unitId = r.text('unitId', { required: true, max: 64 });
  let unitName = r.text('unitName', { max: 200 });
  if (unitId && units.length) {
    const unit = units.find((u) => u.id === unitId);
    if (!unit) r.fail('unitId', `is not a unit of this county (tenant.yaml units: ${units.map((u) => u.id).join(', ')})`);
    else unitName ??= unit.name;
  }
  if (unitId && !unitName && !units.length) r.fail('unitName', 'is required (the county lists no units in tenant.yaml)');
  const window = r.text('window', { max: 100 }) ?? null;
  const staffId = r.text('staffId', { max: 64 }) ?? null;
  const staffName = r.text('staffName', { max: 100 }) ?? null;
  const rawMode = r.text('mode', { required: true, max: 16 });
  const mode = rawMode ? MODES[rawMode.toLowerCase()] : undefined;
  if (rawMode && !mode) r.fail('mode', 'must be online or on-site');
  const acceptedAt = r.instant('acceptedAt', now, { required: true, notFuture: true });
  const completedAt = r.instant('completedAt', now, { notFuture: true }) ?? null;
  if (acceptedAt && completedAt && completedAt.getTime() < acceptedAt.getTime()) r.fail('completedAt', 'is before acceptedAt');
  if (r.errors.length) return { ok: false, errors: r.errors };
  return { ok: true, value: { caseNo: caseNo!, serviceCode: serviceCode!, serviceName: serviceName!, unitId: unitId!, unitName: unitName!, window, staffId, staffName, mode: mode!, acceptedAt: acceptedAt!, completedAt } };
}

// ---------------------------------------------------------------------------------------------------
// People: evaluators and complainants

function checkPerson(r: Reader, field: string, now: Date, required: { name?: boolean; phone?: boolean }): Person | null | undefined {
  const v = r.body[field];
  if (v === undefined || v === null) {
    if (required.name || required.phone) r.fail(field, 'is required');
    return null;
  }
  if (typeof v !== 'object' || Array.isArray(v)) return r.fail(field, 'must be an object {kind, name, phone, idNumber}');
  const p = new Reader(v as Record<string, unknown>, `${field}.`);
  p.unknownFields(['kind', 'name', 'phone', 'idNumber'], field);
  const kindRaw = p.text('kind', { max: 16 }) ?? 'person';
  const kind = kindRaw === 'person' || kindRaw === 'legal-entity' ? kindRaw : p.fail('kind', 'must be person or legal-entity');
  const name = p.text('name', { required: required.name, max: 100 }) ?? null;
  const rawPhone = p.text('phone', { required: required.phone, max: 32 });
  let phone: string | null = null;
  if (rawPhone) {
    const n = normalizePhone(rawPhone);
    if (!n) p.fail('phone', 'must be a mainland mobile number (11 digits, 13x–19x) or a landline with area code (e.g. 0772-1234567)');
    else phone = n.value;
  }
  const rawId = p.text('idNumber', { max: 32 });
  let idNumber: string | null = null;
  if (rawId) {
    const id = rawId.toUpperCase();
    const problem = kind === 'legal-entity' ? usccProblem(id) : residentIdProblem(id, now);
    if (problem) p.fail('idNumber', problem);
    else idNumber = id;
  }
  r.errors.push(...p.errors);
  if (!kind) return undefined;
  return { kind, name, phone, idNumber };
}

function checkOptions(r: Reader): { options: string[]; otherText: string | null } {
  const v = r.body.options;
  const options: string[] = [];
  if (v !== undefined && v !== null) {
    if (!Array.isArray(v)) r.fail('options', 'must be a list of option codes (attitude-1 … environment-5, other)');
    else
      v.forEach((o, i) => {
        if (typeof o !== 'string' || !Object.prototype.hasOwnProperty.call(OPTIONS, o)) r.fail(`options[${i}]`, `"${String(o)}" is not an option code of 附件1 (attitude-1…3, quality-1…8, efficiency-1…5, environment-1…5, other)`);
        else if (!options.includes(o)) options.push(o);
      });
  }
  const otherText = r.text('otherText', { max: 500 }) ?? null;
  if (options.includes('other') && !otherText) r.fail('otherText', 'is required with the option other');
  if (otherText && !options.includes('other')) r.fail('otherText', 'is only for the option other');
  return { options: options.sort(), otherText };
}

// ---------------------------------------------------------------------------------------------------
// Ratings

export interface EvaluationInput {
  senderId: string;
  caseNo: string;
  level: number;
  channel: string;
  options: string[];
  otherText: string | null;
  comment: string | null;
  evaluator: Person | null;
  ratedAt: Date;
  /** What the sender sent, normalised: the same rating sent again gives the same text. */
  canonical: string;
}

const EVALUATION_FIELDS = ['senderId', 'caseNo', 'level', 'channel', 'options', 'otherText', 'comment', 'evaluator', 'ratedAt'] as const;

export function checkEvaluation(body: unknown, now: Date): Checked<EvaluationInput> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: [{ field: '(row)', reason: 'must be a JSON object' }] };
  const r = new Reader(body as Record<string, unknown>);
  r.unknownFields(EVALUATION_FIELDS, 'a rating');
  const senderId = r.text('senderId', { required: true, max: 128, pattern: /^[\x21-\x7e]+$/, patternReason: 'must be printable ASCII without spaces' });
  const caseNo = r.text('caseNo', { required: true, ...CASE_NO });
  const rawLevel = r.body.level;
  const level = parseLevel(rawLevel);
  if (rawLevel === undefined || rawLevel === null || rawLevel === '') r.fail('level', 'is required');
  else if (level === undefined) r.fail('level', 'must be 1–5 or 非常满意, 满意, 基本满意, 不满意, 非常不满意');
  const rawChannel = r.body.channel;
  const channel = parseChannel(rawChannel);
  if (rawChannel === undefined || rawChannel === null || rawChannel === '') r.fail('channel', 'is required');
  else if (!channel) r.fail('channel', `must be one of ${Object.keys(CHANNELS).join(', ')}`);
  else if (channel === SYSTEM_CHANNEL) r.fail('channel', 'channel 7 (system default) is set by the system only');
  const { options, otherText } = checkOptions(r);
  const comment = r.text('comment', { max: 2000 }) ?? null;
  const evaluator = checkPerson(r, 'evaluator', now, {});
  const sentRatedAt = r.instant('ratedAt', now, { notFuture: true });
  if (r.errors.length) return { ok: false, errors: r.errors };
  const canonical = JSON.stringify([caseNo, level, channel, options, otherText, comment, evaluator && [evaluator.kind, evaluator.name, evaluator.phone, evaluator.idNumber], sentRatedAt?.getTime() ?? null]);
  return { ok: true, value: { senderId: senderId!, caseNo: caseNo!, level: level!, channel: channel!, options, otherText, comment, evaluator: evaluator ?? null, ratedAt: sentRatedAt ?? now, canonical } };
}

// ---------------------------------------------------------------------------------------------------
// On-site complaints

export interface ComplaintInput {
  senderId: string | null;
  complainant: Person;
  description: string;
  caseNo: string | null;
  unitId: string | null;
  unitName: string | null;
  window: string | null;
  staffName: string | null;
  serviceCode: string | null;
  serviceName: string | null;
  level: number | null;
  options: string[];
  otherText: string | null;
  occurredAt: Date | null;
  canonical: string;
}

const COMPLAINT_FIELDS = ['senderId', 'complainant', 'description', 'caseNo', 'unitId', 'unitName', 'window', 'staffName', 'serviceCode', 'serviceName', 'level', 'options', 'otherText', 'occurredAt'] as const;

export function checkComplaint(body: unknown, now: Date): Checked<ComplaintInput> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: [{ field: '(body)', reason: 'must be a JSON object' }] };
  const r = new Reader(body as Record<string, unknown>);
  r.unknownFields(COMPLAINT_FIELDS, 'a complaint');
  const senderId = r.text('senderId', { max: 128, pattern: /^[\x21-\x7e]+$/, patternReason: 'must be printable ASCII without spaces' }) ?? null;
  const complainant = checkPerson(r, 'complainant', now, { name: true, phone: true });
  const description = r.text('description', { required: true, max: 4000 });
  const caseNo = r.text('caseNo', CASE_NO) ?? null;
  const unitId = r.text('unitId', { max: 64 }) ?? null;
  const unitName = r.text('unitName', { max: 200 }) ?? null;
  const window = r.text('window', { max: 100 }) ?? null;
  const staffName = r.text('staffName', { max: 100 }) ?? null;
  const serviceCode = r.text('serviceCode', { max: 64 }) ?? null;
  const serviceName = r.text('serviceName', { max: 200 }) ?? null;
  let level: number | null = null;
  if (r.body.level !== undefined && r.body.level !== null) {
    level = parseLevel(r.body.level) ?? null;
    if (level === null) r.fail('level', 'must be 1–5 or 非常满意, 满意, 基本满意, 不满意, 非常不满意');
  }
  const { options, otherText } = checkOptions(r);
  const occurredAt = r.instant('occurredAt', now, { notFuture: true }) ?? null;
  if (!unitId && !caseNo) r.fail('unitId', 'is required unless caseNo names a registered 办件');
  if (r.errors.length) return { ok: false, errors: r.errors };
  const c = complainant!;
  const canonical = JSON.stringify([c.kind, c.name, c.phone, c.idNumber, description, caseNo, unitId, unitName, window, staffName, serviceCode, serviceName, level, options, otherText, occurredAt?.getTime() ?? null]);
  return { ok: true, value: { senderId, complainant: c, description: description!, caseNo, unitId, unitName, window, staffName, serviceCode, serviceName, level, options, otherText, occurredAt, canonical } };
}
