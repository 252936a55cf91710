/** Small helpers shared by the statement modules for turning rows into records. */
import type { PageRequest } from '../records.js';
import { fetchSize } from '../paging.js';

/** Sets an optional record field only when the column is not NULL, so absent fields are absent, not undefined. */
export function setOptional<T, K extends keyof T>(record: T, key: K, value: T[K] | null): void {
  if (value !== null) record[key] = value;
}

/**
 * The WHERE fragment for paging by `column`: a prefix compared exactly (LIKE would be case-insensitive and treat
 * `_` and `%` as wildcards) and an exclusive lower bound. Bind with `pageParams`.
 */
export function pageWhere(column: string): string {
  return `(@prefix IS NULL OR substr(${column}, 1, length(@prefix)) = @prefix) AND (@after IS NULL OR ${column} > @after)`;
}

export interface PageParams {
  prefix: string | null;
  after: string | null;
  limit: number;
}

export function pageParams(page: PageRequest): PageParams {
  return { prefix: page.prefix ?? null, after: page.after ?? null, limit: fetchSize(page) };
}
