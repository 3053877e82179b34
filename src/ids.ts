/**
 * Ids. Row ids of the high-volume tables: UUID version 7 (RFC 9562), a 48-bit millisecond timestamp then
 * random bits. Ids made close in time sort close together, so the primary-key index grows at its right
 * edge instead of touching a random page per insert (fewer pages dirtied and written after each
 * checkpoint). The timestamp is wall time on purpose: it orders rows, it is no domain time.
 */
import { randomBytes } from 'node:crypto';

let pool = Buffer.alloc(0);
let at = 0;

export function uuidv7(): string {
  if (at + 10 > pool.length) {
    pool = randomBytes(16 * 1024);
    at = 0;
  }
  const b = Buffer.allocUnsafe(16);
  const ms = Date.now();
  b.writeUIntBE(ms, 0, 6);
  pool.copy(b, 6, at, at + 10);
  at += 10;
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The one id check: every id of this API is a UUID; anything else names nothing (404, not 500). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}
