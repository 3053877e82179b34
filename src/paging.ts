/** The one paging rule of every list: `limit` 1–500 (default 50), `offset` 0–MAX_OFFSET (default 0). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Further than any list goes; beyond it the database would refuse the number. */
export const MAX_OFFSET = 100_000_000;

export interface Page {
  limit: number;
  offset: number;
}

export function page(limit?: number, offset?: number): Page {
  return { limit: Math.min(Math.max(limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE), offset: Math.min(Math.max(offset ?? 0, 0), MAX_OFFSET) };
}
