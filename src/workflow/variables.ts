/**
 * Variables from outside (a start by hand, a retry's corrections, a task's completion input): bounded,
 * so that no request can plant an instance state too large or too deep to store or step, and masked, so
 * that a phone or ID number typed into free text never enters an instance, the journal or a
 * notification in clear (src/privacy/identity.ts). Each problem answers 400 naming the field.
 */
import { ValidationError } from '../errors';
import { maskDeep } from '../privacy/identity';

export const VARIABLE_BOUNDS = {
  /** The JSON of all variables of one request. */
  maxBytes: 64 * 1024,
  /** Objects and lists inside objects and lists. */
  maxDepth: 8,
  maxKeys: 200,
  maxKeyLength: 100,
  maxTextLength: 10_000,
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const KEY = /^[A-Za-z_$\u4e00-\u9fff][\w$.\-\u4e00-\u9fff]*$/;

/** Checks variables against VARIABLE_BOUNDS (400 naming the field) and masks personal data in their texts. */
export function checkVariables(value: unknown, field: string, names: Array<string | null | undefined> = []): { masked: Record<string, unknown>; changed: boolean; clear: Record<string, unknown> } {
  if (value === undefined || value === null) return { masked: {}, changed: false, clear: {} };
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(`${field} must be a JSON object`, { field, reason: 'must be a JSON object' });
  const problems: Array<{ field: string; reason: string }> = [];
  const walk = (v: unknown, at: string, depth: number) => {
    if (problems.length >= 20) return;
    if (typeof v === 'string') {
      if (v.length > VARIABLE_BOUNDS.maxTextLength) problems.push({ field: at, reason: `is longer than ${VARIABLE_BOUNDS.maxTextLength} characters` });
      else if (CONTROL.test(v)) problems.push({ field: at, reason: 'contains control characters' });
      return;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push({ field: at, reason: 'is not a finite number' });
      return;
    }
    if (v === null || typeof v === 'boolean') return;
    if (depth >= VARIABLE_BOUNDS.maxDepth) {
      problems.push({ field: at, reason: `nests deeper than ${VARIABLE_BOUNDS.maxDepth} levels` });
      return;
    }
    if (Array.isArray(v)) {
      if (v.length > VARIABLE_BOUNDS.maxKeys) problems.push({ field: at, reason: `holds more than ${VARIABLE_BOUNDS.maxKeys} items` });
      else v.forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1));
      return;
    }
    if (typeof v === 'object') {
      const keys = Object.keys(v as object);
      if (keys.length > VARIABLE_BOUNDS.maxKeys) {
        problems.push({ field: at, reason: `holds more than ${VARIABLE_BOUNDS.maxKeys} keys` });
        return;
      }
      for (const k of keys) {
        if (k.length > VARIABLE_BOUNDS.maxKeyLength || !KEY.test(k)) problems.push({ field: `${at}.${k.slice(0, 40)}`, reason: `is not a variable name (letters, digits, _ $ . -, at most ${VARIABLE_BOUNDS.maxKeyLength})` });
        else walk((v as Record<string, unknown>)[k], `${at}.${k}`, depth + 1);
      }
      return;
    }
    problems.push({ field: at, reason: 'is not a JSON value' });
  };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k.length > VARIABLE_BOUNDS.maxKeyLength || !KEY.test(k)) problems.push({ field: `${field}.${k.slice(0, 40)}`, reason: 'is not a variable name (letters, digits, _ $ . -)' });
    else walk(v, `${field}.${k}`, 1);
  }
  if (!problems.length && Buffer.byteLength(JSON.stringify(value)) > VARIABLE_BOUNDS.maxBytes) problems.push({ field, reason: `is larger than ${VARIABLE_BOUNDS.maxBytes} bytes as JSON` });
  if (problems.length) throw new ValidationError(`${field} cannot be taken: ${problems.map((p) => `${p.field}: ${p.reason}`).join('; ')}`, problems);
  const { value: masked, changed } = maskDeep(value, names);
  return { masked: masked as Record<string, unknown>, changed, clear: value as Record<string, unknown> };
}
