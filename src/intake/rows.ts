/** Shared pieces of the intake services: row answers of batches, role checks, paging. */
import { PayloadTooLargeException } from '@nestjs/common';
import { User, assertCounty, assertRole } from '../auth/auth.service';
import { DomainError, NotFoundError, ValidationError } from '../errors';
import type { Tenant, TenantRegistry } from '../tenants/tenants';
import type { FieldError } from './validate';

/** Largest batch one request may carry (rows of a JSON array or of a CSV). */
export const MAX_BATCH_ROWS = 5000;

export type RowStatus = 'stored' | 'updated' | 'duplicate' | 'refused';

/** One row of a batch answer. */
export interface RowAnswer {
  index: number;
  status: RowStatus;
  id?: string;
  caseNo?: string;
  caseId?: string | null;
  error?: string;
  message?: string;
  errors?: FieldError[];
  /** CSV only: line of the file (the header is line 1). */
  line?: number;
}

export interface BatchAnswer {
  total: number;
  stored: number;
  updated?: number;
  duplicate: number;
  refused: number;
  items: RowAnswer[];
}

export function summarise(items: RowAnswer[], withUpdated = false): BatchAnswer {
  const count = (s: RowStatus) => items.filter((i) => i.status === s).length;
  return {
    total: items.length,
    stored: count('stored'),
    ...(withUpdated ? { updated: count('updated') } : {}),
    duplicate: count('duplicate'),
    refused: count('refused'),
    items,
  };
}

/** The row answer of a refusal; an unexpected error is reported without its internals. */
export function refusal(index: number, err: unknown): RowAnswer {
  if (err instanceof DomainError) {
    const details = err.details;
    const errors = Array.isArray(details) ? (details as FieldError[]) : details && typeof details === 'object' && 'field' in details ? [details as FieldError] : undefined;
    return { index, status: 'refused', error: err.code, message: err.message, ...(errors ? { errors } : {}) };
  }
  return { index, status: 'refused', error: 'internal', message: 'The row could not be stored because of a server error; it was logged. Send it again.' };
}

/** 400 listing every field problem. */
export function invalid(what: string, errors: FieldError[]): ValidationError {
  return new ValidationError(`The ${what} is not valid: ${errors.map((e) => `${e.field} ${e.reason}`).join('; ')}`, errors);
}

export function assertBatchSize(n: number): void {
  if (n > MAX_BATCH_ROWS) throw new PayloadTooLargeException(`A batch holds at most ${MAX_BATCH_ROWS} rows; this one has ${n}. Split it into several requests.`);
  if (n === 0) throw new ValidationError('The batch is empty', [{ field: 'body', reason: 'holds no rows' }]);
}

/** The county of the path, visible to the user, with one of the roles (admin always). */
export function countyFor(tenants: TenantRegistry, user: User, countyId: string, ...roles: string[]): Tenant {
  const tenant = tenants.get(countyId);
  if (!tenant) throw new NotFoundError(`Unknown county "${countyId}"`);
  assertCounty(user, countyId);
  if (roles.length) assertRole(user, ...roles);
  return tenant;
}

export function page(limit?: number, offset?: number): { limit: number; offset: number } {
  return { limit: Math.min(Math.max(limit ?? 50, 1), 500), offset: Math.max(offset ?? 0, 0) };
}

export const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
