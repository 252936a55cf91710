/**
 * Metric buckets: adding to the stored sum/count/min/max/distribution (a read-modify-write in one transaction, so
 * the distribution can be merged; see metric-distribution.ts), the read of one metric's buckets for a time range,
 * and the list of metrics with recent data.
 */
import type Database from 'better-sqlite3';
import { mergeDatum } from '../metric-distribution.js';
import { dimensionsKey, type Distribution, type MetricDatum, type MetricIdentity, type MetricListQuery, type MetricQuery } from '../metrics.js';

type BucketRow = Pick<MetricDatum, 'minute' | 'unit' | 'sum' | 'count' | 'min' | 'max'> & { distribution: string | null };

interface IdentityRow {
  namespace: string;
  name: string;
  dimensions: string;
}

export class Metrics {
  readonly #get;
  readonly #put;
  readonly #query;
  readonly #list;
  readonly #record;

  constructor(db: Database.Database) {
    this.#get = db.prepare<[string, string, string, number], BucketRow>(
      'SELECT minute, unit, sum, count, min, max, distribution FROM metrics WHERE namespace = ? AND name = ? AND dimensions = ? AND minute = ?',
    );
    this.#put = db.prepare<[string, string, string, number, string, number, number, number, number, string | null]>(
      `INSERT INTO metrics (namespace, name, dimensions, minute, unit, sum, count, min, max, distribution) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, name, dimensions, minute) DO UPDATE SET
         sum = excluded.sum, count = excluded.count, min = excluded.min, max = excluded.max, distribution = excluded.distribution`,
    );
    this.#query = db.prepare<[string, string, string, number, number], BucketRow>(
      'SELECT minute, unit, sum, count, min, max, distribution FROM metrics WHERE namespace = ? AND name = ? AND dimensions = ? AND minute >= ? AND minute < ? ORDER BY minute',
    );
    // Distinct metrics in key order; the row value comparison continues after the cursor.
    this.#list = db.prepare<{ namespace: string | null; name: string | null; since: number; afterNs: string | null; afterName: string; afterDims: string; limit: number }, IdentityRow>(
      `SELECT DISTINCT namespace, name, dimensions FROM metrics
       WHERE (@namespace IS NULL OR namespace = @namespace) AND (@name IS NULL OR name = @name) AND minute >= @since
         AND (@afterNs IS NULL OR (namespace, name, dimensions) > (@afterNs, @afterName, @afterDims))
       ORDER BY namespace, name, dimensions LIMIT @limit`,
    );
    this.#record = db.transaction((data: MetricDatum[]) => {
      for (const d of data) {
        const key = dimensionsKey(d.dimensions);
        const row = this.#get.get(d.namespace, d.name, key, d.minute);
        const merged = mergeDatum(row && toDatum(d, row), d);
        const distribution = merged.distribution ? JSON.stringify(merged.distribution) : null;
        this.#put.run(d.namespace, d.name, key, d.minute, merged.unit, merged.sum, merged.count, merged.min, merged.max, distribution);
      }
    });
  }

  record(data: MetricDatum[]): void {
    this.#record.immediate(data);
  }

  query(q: MetricQuery): MetricDatum[] {
    return this.#query.all(q.namespace, q.name, dimensionsKey(q.dimensions), q.from, q.to).map((r) => toDatum(q, r));
  }

  /**
   * Dimension filters are applied here rather than in SQL, on pages of candidates, so a page may need several
   * reads when most candidates are filtered out.
   */
  list(q: MetricListQuery): { items: MetricIdentity[]; after?: string } {
    const items: MetricIdentity[] = [];
    let cursor = q.after === undefined ? undefined : (JSON.parse(q.after) as [string, string, string]);
    for (;;) {
      const rows = this.#list.all({
        namespace: q.namespace ?? null,
        name: q.name ?? null,
        since: q.since,
        afterNs: cursor?.[0] ?? null,
        afterName: cursor?.[1] ?? '',
        afterDims: cursor?.[2] ?? '',
        limit: q.limit + 1,
      });
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
}

function toDatum(q: Pick<MetricDatum, 'namespace' | 'name' | 'dimensions'>, r: BucketRow): MetricDatum {
  const d: MetricDatum = { namespace: q.namespace, name: q.name, dimensions: q.dimensions, minute: r.minute, unit: r.unit, sum: r.sum, count: r.count, min: r.min, max: r.max };
  if (r.distribution !== null) d.distribution = JSON.parse(r.distribution) as Distribution;
  return d;
}

function matchesDimensions(dimensions: Record<string, string>, filters: MetricListQuery['dimensions']): boolean {
  return (filters ?? []).every((f) => f.name in dimensions && (f.value === undefined || dimensions[f.name] === f.value));
}
