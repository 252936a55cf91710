/**
 * Metric buckets on PostgreSQL: adding a batch to the stored sum/count/min/max/distribution, the read of one
 * metric's buckets for a time range, and the list of metrics with recent data.
 *
 * Recording is a read-modify-write, because distributions are merged in TypeScript (mergeDatum, with its
 * coarsening) rather than in SQL. Several processes record into the same buckets (every recorder each minute,
 * PutMetricData anywhere), so one transaction first makes sure every bucket of the batch has a row (an empty one,
 * count 0, where none did), then locks them all FOR UPDATE and writes the merged values. Keys are handled in one
 * sorted order, so two batches lock rows in the same order and cannot deadlock; a writer that finds a bucket being
 * created by another waits for it, then merges with it.
 */
import type pg from 'pg';
import { mergeDatum } from '../metric-distribution.js';
import { dimensionsKey, type MetricDatum, type MetricIdentity, type MetricListQuery, type MetricQuery } from '../metrics.js';
import { listMetricsPage, toDatum, type BucketRow, type IdentityRow } from '../metric-rows.js';
import { columns, transaction } from './database.js';

interface Keyed {
  key: string;
  d: MetricDatum;
}

const KEY_COLUMNS = [(x: Keyed) => x.d.namespace, (x: Keyed) => x.d.name, (x: Keyed) => x.key, (x: Keyed) => x.d.minute];

/** A bucket's key within a batch; sorted, it is the one order in which every process locks buckets. */
function bucketKey(x: Keyed): string {
  return JSON.stringify([x.d.namespace, x.d.name, x.key, x.d.minute]);
}

export class Metrics {
  constructor(private readonly pool: pg.Pool) {}

  async record(data: MetricDatum[]): Promise<void> {
    if (data.length === 0) return;
    const keyed = data.map((d) => ({ key: dimensionsKey(d.dimensions), d }));
    const buckets = [...new Map(keyed.map((x) => [bucketKey(x), x])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, x]) => x);
    await transaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO metrics (namespace, name, dimensions, minute, unit, sum, count, min, max)
         SELECT namespace, name, dimensions, minute, unit, 0, 0, 0, 0
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS k (namespace, name, dimensions, minute, unit, n)
         ORDER BY n
         ON CONFLICT (namespace, name, dimensions, minute) DO NOTHING`,
        [...columns(buckets, KEY_COLUMNS), buckets.map((x) => x.d.unit)],
      );
      const { rows } = await client.query<BucketRow & { n: number }>(
        `SELECT k.n, m.minute, m.unit, m.sum, m.count, m.min, m.max, m.distribution
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS k (namespace, name, dimensions, minute, n)
         JOIN metrics m USING (namespace, name, dimensions, minute)
         ORDER BY k.n
         FOR UPDATE OF m`,
        columns(buckets, KEY_COLUMNS),
      );
      // Merged in the batch's order, so a bucket named twice adds both.
      const stored = new Map<string, MetricDatum | undefined>(rows.map((r) => [bucketKey(buckets[r.n - 1]!), r.count === 0 ? undefined : toDatum(buckets[r.n - 1]!.d, r)]));
      for (const x of keyed) stored.set(bucketKey(x), mergeDatum(stored.get(bucketKey(x)), x.d));
      const merged = buckets.map((x) => ({ ...x, m: stored.get(bucketKey(x))! }));
      await client.query(
        `UPDATE metrics m SET unit = u.unit, sum = u.sum, count = u.count, min = u.min, max = u.max, distribution = u.distribution
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::float8[], $7::bigint[], $8::float8[], $9::float8[], $10::text[])
           AS u (namespace, name, dimensions, minute, unit, sum, count, min, max, distribution)
         WHERE (m.namespace, m.name, m.dimensions, m.minute) = (u.namespace, u.name, u.dimensions, u.minute)`,
        [
          ...columns(merged, KEY_COLUMNS),
          ...columns(merged, [(x) => x.m.unit, (x) => x.m.sum, (x) => x.m.count, (x) => x.m.min, (x) => x.m.max, (x) => (x.m.distribution ? JSON.stringify(x.m.distribution) : null)]),
        ],
      );
    });
  }

  async query(q: MetricQuery): Promise<MetricDatum[]> {
    const { rows } = await this.pool.query<BucketRow>(
      `SELECT minute, unit, sum, count, min, max, distribution FROM metrics
       WHERE namespace = $1 AND name = $2 AND dimensions = $3 AND minute >= $4 AND minute < $5 ORDER BY minute`,
      [q.namespace, q.name, dimensionsKey(q.dimensions), q.from, q.to],
    );
    return rows.map((r) => toDatum(q, r));
  }

  /** In code-point order (the columns are COLLATE "C"), as on SQLite. */
  list(q: MetricListQuery): Promise<{ items: MetricIdentity[]; after?: string }> {
    return listMetricsPage(q, async (after, limit) => {
      const { rows } = await this.pool.query<IdentityRow>(
        `SELECT DISTINCT namespace, name, dimensions FROM metrics
         WHERE ($1::text IS NULL OR namespace = $1) AND ($2::text IS NULL OR name = $2) AND minute >= $3
           AND ($4::text IS NULL OR (namespace, name, dimensions) > ($4, $5, $6))
         ORDER BY namespace, name, dimensions LIMIT $7`,
        [q.namespace ?? null, q.name ?? null, q.since, after?.[0] ?? null, after?.[1] ?? '', after?.[2] ?? '', limit],
      );
      return rows;
    });
  }
}
