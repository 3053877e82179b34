/**
 * What the Camunda 7 REST API (/engine-rest) looks like to its clients, for the services that answer it:
 * typed variables ({name: {value, type, valueInfo}}) in and out, and its date format. The work itself is
 * done by the same services as the native API; this file only translates.
 */
import { formatShanghai, parseInstant } from '../calendar/civil-date';
import { ValidationError } from '../errors';

export interface TypedValue {
  value: unknown;
  type: string;
  valueInfo: Record<string, unknown>;
}

/** Variables and their values a request may carry: enough for any form, far from a memory hazard. */
const MAX_VARIABLES = 200;
const MAX_VALUE_CHARS = 100_000;
const NAME = /^[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff.-]{0,127}$/;

/**
 * Typed variables of a request → plain values. Types are Camunda's (any letter case): Boolean, Integer,
 * Short, Long, Double, String, Null, Json (a JSON text), Object (JSON serialised), Date (kept as ISO 8601
 * text). A type missing is read from the JSON value. File and Bytes are refused: nothing here stores files.
 */
export function decodeVariables(input: unknown, field = 'variables'): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new ValidationError(`${field} must be an object of name → {value, type}`, { field, reason: 'must be an object of name → {value, type}' });
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_VARIABLES) throw new ValidationError(`${field} may hold at most ${MAX_VARIABLES} variables`, { field, reason: `has more than ${MAX_VARIABLES} variables` });
  const out: Record<string, unknown> = {};
  for (const [name, typed] of entries) {
    const f = `${field}.${name}`;
    if (!NAME.test(name)) throw new ValidationError(`${f}: a variable name is a letter or _ then letters, digits, _ . - (at most 128)`, { field: f, reason: 'is not a variable name' });
    if (!typed || typeof typed !== 'object' || Array.isArray(typed)) throw new ValidationError(`${f} must be {value, type}`, { field: f, reason: 'must be {value, type}' });
    const t = typed as { value?: unknown; type?: unknown; valueInfo?: { serializationDataFormat?: unknown } };
    out[name] = decodeValue(t.value, t.type, t.valueInfo?.serializationDataFormat, f);
  }
  return out;
}

function decodeValue(value: unknown, type: unknown, format: unknown, field: string): unknown {
  const bad = (reason: string): never => {
    throw new ValidationError(`${field} ${reason}`, { field, reason });
  };
  if (type !== undefined && type !== null && typeof type !== 'string') bad('has a type that is not a text');
  if (typeof value === 'string' && value.length > MAX_VALUE_CHARS) bad(`is longer than ${MAX_VALUE_CHARS} characters`);
  const kind = String(type ?? '').toLowerCase();
  switch (kind) {
    case '':
      if (value === undefined) return null;
      if (typeof value === 'object' && value !== null) return checkedJson(value, field);
      return value;
    case 'null':
      return null;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return value === null ? null : bad('must be true or false (type Boolean)');
    case 'integer':
    case 'short':
    case 'long': {
      if (value === null) return null;
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isSafeInteger(n)) bad(`must be a whole number (type ${type})`);
      if (kind === 'integer' && Math.abs(n as number) > 2 ** 31) bad('is out of range for Integer; send it as Long');
      return n;
    }
    case 'double': {
      if (value === null) return null;
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) bad('must be a number (type Double)');
      return n;
    }
    case 'string':
      if (value === null) return null;
      if (typeof value !== 'string') bad('must be a text (type String)');
      return value;
    case 'date': {
      if (value === null) return null;
      const d = parseInstant(value);
      if (!d) bad('must be a date like 2026-10-09T17:00:00.000+0800 (type Date)');
      return d!.toISOString();
    }
    case 'json':
      return parseJsonText(value, field);
    case 'object':
      if (format !== undefined && format !== 'application/json') bad('is an Object serialised other than as application/json: only JSON objects are taken');
      return parseJsonText(value, field);
    case 'file':
    case 'bytes':
      return bad(`has type ${type}: files and bytes are not taken; send the data as Json or String`);
    default:
      return bad(`has type ${type}, which this server does not take (Boolean, Integer, Short, Long, Double, String, Date, Json, Object, Null)`);
  }
}

function parseJsonText(value: unknown, field: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return checkedJson(value, field);
  try {
    return JSON.parse(value);
  } catch {
    throw new ValidationError(`${field} is not valid JSON text (type Json)`, { field, reason: 'is not valid JSON text' });
  }
}

function checkedJson(value: unknown, field: string): unknown {
  if (JSON.stringify(value).length > MAX_VALUE_CHARS) throw new ValidationError(`${field} is larger than ${MAX_VALUE_CHARS} characters`, { field, reason: `is larger than ${MAX_VALUE_CHARS} characters` });
  return value;
}

/** One plain value as a Camunda typed value. */
export function encodeValue(value: unknown): TypedValue {
  if (value === null || value === undefined) return { value: null, type: 'Null', valueInfo: {} };
  if (typeof value === 'boolean') return { value, type: 'Boolean', valueInfo: {} };
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return { value, type: Math.abs(value) < 2 ** 31 ? 'Integer' : 'Long', valueInfo: {} };
    return { value, type: 'Double', valueInfo: {} };
  }
  if (typeof value === 'string') return { value, type: 'String', valueInfo: {} };
  return { value: JSON.stringify(value), type: 'Json', valueInfo: {} };
}

/** Plain variables as typed ones; `names` keeps only those (Camunda's variableNames / fetch variables). */
export function encodeVariables(vars: Record<string, unknown>, names?: string[] | null): Record<string, TypedValue> {
  const out: Record<string, TypedValue> = {};
  for (const [k, v] of Object.entries(vars ?? {})) if (!names || names.includes(k)) out[k] = encodeValue(v);
  return out;
}

/** An instant in Camunda's date format, yyyy-MM-dd'T'HH:mm:ss.SSSZ, in Asia/Shanghai: 2026-10-09T17:00:00.000+0800. */
export function camundaDate(d: Date | string | null | undefined): string | null {
  if (!d) return null;
  const text = formatShanghai(new Date(d));
  return text.replace(/(:\d{2})(\+08:00)$/, '$1.000$2').replace(/\+08:00$/, '+0800');
}

/** The Camunda type of a form field, from its JSON schema. */
export function camundaTypeOfSchema(schema: unknown): string {
  const t = (schema as { type?: unknown })?.type;
  if (t === 'boolean') return 'Boolean';
  if (t === 'integer') return 'Integer';
  if (t === 'number') return 'Double';
  if (t === 'object' || t === 'array') return 'Json';
  return 'String';
}

/** A whole number from a query or body (firstResult, maxResults, retries…), or 400 naming it. */
export function wholeNumber(value: unknown, field: string, opts: { min?: number; max?: number } = {}): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ValidationError(`${field} must be a whole number from ${min} to ${max}`, { field, reason: `must be a whole number from ${min} to ${max}` });
  }
  return n;
}

/** A text from a query or body, or 400 naming it. */
export function text(value: unknown, field: string, max = 200): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max || value.includes('\u0000')) {
    throw new ValidationError(`${field} must be a text of at most ${max} characters`, { field, reason: `must be a text of at most ${max} characters` });
  }
  return value;
}

/** A comma-separated list (query) or an array of texts (body). */
export function textList(value: unknown, field: string, maxItems = 100): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.length > maxItems) throw new ValidationError(`${field} must be a list of at most ${maxItems} texts`, { field, reason: `must be a list of at most ${maxItems} texts` });
  return items.map((v, i) => text(typeof v === 'string' ? v.trim() : v, `${field}[${i}]`) ?? '').filter(Boolean);
}

/** A boolean from a query or body. */
export function flag(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ValidationError(`${field} must be true or false`, { field, reason: 'must be true or false' });
}
