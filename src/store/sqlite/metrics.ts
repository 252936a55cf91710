/**
 * Metric buckets: adding to the stored sum/count/min/max/distribution (a read-modify-write in one transaction, so
 * the distribution can be merged; see metric-distribution.ts), the read of one metric's buckets for a time range,
 * and the list of metrics with recent data.
 */
import type Database from 'better-sqlite3';
import { mergeDatum } from '../metric-distribution.js';
import { dimensionsKey, type MetricDatum, type MetricIdentity, type MetricListQuery, type MetricQuery } from '../metrics.js';
import { listMetricsPage, toDatum, type BucketRow, type IdentityRow } from '../metric-rows.js';

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

  list(q: MetricListQuery): Promise<{ items: MetricIdentity[]; after?: string }> {
    return listMetricsPage(q, (after, limit) =>
      this.#list.all({
        namespace: q.namespace ?? null,
        name: q.name ?? null,
        since: q.since,
        afterNs: after?.[0] ?? null,
        afterName: after?.[1] ?? '',
        afterDims: after?.[2] ?? '',
        limit,
      }),
    );
  }
}
