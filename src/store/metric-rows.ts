/**
 * What both backends' metric tables share: a stored bucket's row turned into a MetricDatum, and ListMetrics'
 * paging over distinct metrics — the dimension filters are applied here rather than in SQL, on pages of
 * candidates fetched by the backend in key order, so a page may need several reads when most are filtered out.
 */
import type { Distribution, MetricDatum, MetricIdentity, MetricListQuery } from './metrics.js';

export type BucketRow = Pick<MetricDatum, 'minute' | 'unit' | 'sum' | 'count' | 'min' | 'max'> & { distribution: string | null };

export function toDatum(q: Pick<MetricDatum, 'namespace' | 'name' | 'dimensions'>, r: BucketRow): MetricDatum {
  const d: MetricDatum = { namespace: q.namespace, name: q.name, dimensions: q.dimensions, minute: r.minute, unit: r.unit, sum: r.sum, count: r.count, min: r.min, max: r.max };
  if (r.distribution !== null) d.distribution = JSON.parse(r.distribution) as Distribution;
  return d;
}

/** A metric's key columns: namespace, name and the canonical dimensions text (see dimensionsKey). */
export interface IdentityRow {
  namespace: string;
  name: string;
  dimensions: string;
}

/**
 * One page of ListMetrics. `fetch` returns up to `limit` distinct metrics matching the namespace, name and `since`
 * of the query, ordered by (namespace, name, dimensions), after the cursor if there is one.
 */
export async function listMetricsPage(
  q: MetricListQuery,
  fetch: (after: [string, string, string] | undefined, limit: number) => IdentityRow[] | Promise<IdentityRow[]>,
): Promise<{ items: MetricIdentity[]; after?: string }> {
  const items: MetricIdentity[] = [];
  let cursor = q.after === undefined ? undefined : (JSON.parse(q.after) as [string, string, string]);
  for (;;) {
    const rows = await fetch(cursor, q.limit + 1);
    for (const row of rows) {
      const identity = { namespace: row.namespace, name: row.name, dimensions: JSON.parse(row.dimensions) as Record<string, string> };
      if (!matchesDimensions(identity.dimensions, q.dimensions)) continue;
      if (items.length === q.limit) return { items, after: JSON.stringify(cursor) };
      items.push(identity);
      cursor = [row.namespace, row.name, row.dimensions];
    }
    if (rows.length <= q.limit) return { items };
    const last = rows[rows.length - 1]!;
    cursor = [last.namespace, last.name, last.dimensions];
  }
}

function matchesDimensions(dimensions: Record<string, string>, filters: MetricListQuery['dimensions']): boolean {
  return (filters ?? []).every((f) => f.name in dimensions && (f.value === undefined || dimensions[f.name] === f.value));
}
