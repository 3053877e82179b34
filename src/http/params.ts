/** Query-string and path parameters: each answers 400 naming the parameter when it is not what it should be. */
import { parseDayOrInstant } from '../calendar/civil-date';
import { ValidationError } from '../errors';
import { MAX_OFFSET } from '../paging';

export function intParam(value: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new ValidationError(`${name} must be a whole number from 0 to ${max}`, { field: name, reason: `must be a whole number from 0 to ${max}` });
  return n;
}

export function boolParam(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ValidationError(`${name} must be true or false`, { field: name, reason: 'must be true or false' });
}

export function strParam(value: unknown, name: string, max = 200): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw new ValidationError(`${name} must be a text of at most ${max} characters`, { field: name, reason: `must be a text of at most ${max} characters` });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new ValidationError(`${name} contains control characters`, { field: name, reason: 'contains control characters' });
  return value;
}

/** A day (YYYY-MM-DD, Asia/Shanghai) or an instant; `end` makes a day inclusive. */
export function dateParam(value: unknown, name: string, end = false): Date | undefined {
  const s = strParam(value, name, 40);
  if (s === undefined) return undefined;
  const d = parseDayOrInstant(s, end);
  if (!d) throw new ValidationError(`${name} must be a day YYYY-MM-DD or an ISO 8601 instant`, [{ field: name, reason: 'is not a day or an instant' }]);
  return d;
}

/** `limit` and `offset` of a list. */
export function pageParams(q: Record<string, unknown>): { limit?: number; offset?: number } {
  return { limit: intParam(q.limit, 'limit', 10_000), offset: intParam(q.offset, 'offset', MAX_OFFSET) };
}
