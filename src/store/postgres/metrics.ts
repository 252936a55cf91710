/**
 * Per-minute metric aggregates on PostgreSQL: one upsert for a whole batch that adds to the stored sum/count and
 * widens min/max, and the read of one metric's minutes for a time range.
 */
import type pg from 'pg';
import { dimensionsKey, type MetricDatum, type MetricQuery } from '../metrics.js';
import { columns } from './database.js';

export class Metrics {
  constructor(private readonly pool: pg.Pool) {}

  async record(data: MetricDatum[]): Promise<void> {
    if (data.length === 0) return;
    // One statement may not update a row twice, so a batch is first summed per key. Sorted, so concurrent batches
    // from several processes lock rows in the same order and cannot deadlock.
    await this.pool.query(
      `INSERT INTO metrics (namespace, name, dimensions, minute, unit, sum, count, min, max)
       SELECT namespace, name, dimensions, minute, min(unit), sum(sum), sum(count), min(min), max(max)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::float8[], $7::bigint[], $8::float8[], $9::float8[])
         AS d (namespace, name, dimensions, minute, unit, sum, count, min, max)
       GROUP BY namespace, name, dimensions, minute ORDER BY namespace, name, dimensions, minute
       ON CONFLICT (namespace, name, dimensions, minute) DO UPDATE SET
         sum = metrics.sum + excluded.sum, count = metrics.count + excluded.count,
         min = least(metrics.min, excluded.min), max = greatest(metrics.max, excluded.max)`,
      columns(data, [(d) => d.namespace, (d) => d.name, (d) => dimensionsKey(d.dimensions), (d) => d.minute, (d) => d.unit, (d) => d.sum, (d) => d.count, (d) => d.min, (d) => d.max]),
    );
  }

  async query(q: MetricQuery): Promise<MetricDatum[]> {
    const { rows } = await this.pool.query<Pick<MetricDatum, 'minute' | 'unit' | 'sum' | 'count' | 'min' | 'max'>>(
      `SELECT minute, unit, sum, count, min, max FROM metrics
       WHERE namespace = $1 AND name = $2 AND dimensions = $3 AND minute >= $4 AND minute < $5 ORDER BY minute`,
      [q.namespace, q.name, dimensionsKey(q.dimensions), q.from, q.to],
    );
    return rows.map((r) => ({ namespace: q.namespace, name: q.name, dimensions: q.dimensions, ...r }));
  }
}
