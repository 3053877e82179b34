/** The one paging rule of every list: `limit` 1–500 (default 50), `offset` ≥ 0 (default 0). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface Page {
  limit: number;
  offset: number;
}

export function page(limit?: number, offset?: number): Page {
  return { limit: Math.min(Math.max(limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE), offset: Math.max(offset ?? 0, 0) };
}
