/** Backend-neutral paging by name: every list method fetches `limit + 1` rows to learn whether there is more. */
import type { Page, PageRequest } from './records.js';

/** The number of rows to fetch for `page`: one more than asked, to know whether another page follows. */
export function fetchSize(page: PageRequest): number {
  if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`page limit must be a positive integer, got ${page.limit}`);
  return page.limit + 1;
}

/** Cuts the `limit + 1` fetched rows down to a page, continuing after the last name shown. */
export function toPage<T>(rows: T[], page: PageRequest, nameOf: (row: T) => string): Page<T> {
  if (rows.length <= page.limit) return { items: rows };
  const items = rows.slice(0, page.limit);
  return { items, after: nameOf(items[items.length - 1]) };
}
