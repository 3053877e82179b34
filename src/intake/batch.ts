/** Batches of the intake: the answer of each row, the size limit, and the 400 that lists every field problem. */
import { DomainError, FieldError, PayloadTooLargeError, ValidationError } from '../errors';
import { type Progress, type ProgressHandle, noProgress } from '../progress';

/** Largest batch one request may carry (rows of a JSON array or of a CSV). */
export const MAX_BATCH_ROWS = 5000;

/**
 * A batch of at least this many rows reports its progress (log lines and /health `jobs`): a batch of bad
 * ratings starts a case per row, and a CSV of 办件 met by registered ones compares them row by row.
 */
export const PROGRESS_MIN_ROWS = 500;

/** The progress of one batch, or nowhere for a small one. Every row is advanced once, refused ones included. */
export function batchProgress(progress: Progress | undefined, job: string, rows: number): ProgressHandle {
  return progress && rows >= PROGRESS_MIN_ROWS ? progress.begin(job, rows) : noProgress;
}

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
    return { index, status: 'refused', error: err.code, message: err.message, ...(err.details ? { errors: err.details } : {}) };
  }
  return { index, status: 'refused', error: 'internal', message: 'The row could not be stored because of a server error; it was logged. Send it again.' };
}

/** 400 listing every field problem. */
export function invalid(what: string, errors: FieldError[]): ValidationError {
  return new ValidationError(`The ${what} is not valid: ${errors.map((e) => `${e.field} ${e.reason}`).join('; ')}`, errors);
}

export function assertBatchSize(n: number): void {
  if (n > MAX_BATCH_ROWS) throw new PayloadTooLargeError(`A batch holds at most ${MAX_BATCH_ROWS} rows; this one has ${n}. Split it into several requests.`);
  if (n === 0) throw new ValidationError('The batch is empty', [{ field: 'body', reason: 'holds no rows' }]);
}
