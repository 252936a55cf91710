/**
 * Per-minute metric aggregates: an upsert that adds to the stored sum/count and widens min/max, and the read of
 * one metric's minutes for a time range.
 */
import type Database from 'better-sqlite3';
import { dimensionsKey, type MetricDatum, type MetricQuery } from '../metrics.js';

export class Metrics {
  readonly #upsert;
  readonly #query;
  readonly #record;

  constructor(db: Database.Database) {
    this.#upsert = db.prepare<[string, string, string, number, string, number, number, number, number]>(
      `INSERT INTO metrics (namespace, name, dimensions, minute, unit, sum, count, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, name, dimensions, minute) DO UPDATE SET
         sum = sum + excluded.sum, count = count + excluded.count, min = min(min, excluded.min), max = max(max, excluded.max)`,
    );
    this.#query = db.prepare<[string, string, string, number, number], { minute: number; unit: string; sum: number; count: number; min: number; max: number }>(
      'SELECT minute, unit, sum, count, min, max FROM metrics WHERE namespace = ? AND name = ? AND dimensions = ? AND minute >= ? AND minute < ? ORDER BY minute',
    );
    this.#record = db.transaction((data: MetricDatum[]) => {
      for (const d of data) this.#upsert.run(d.namespace, d.name, dimensionsKey(d.dimensions), d.minute, d.unit, d.sum, d.count, d.min, d.max);
    });
  }

  record(data: MetricDatum[]): void {
    this.#record.immediate(data);
  }

  query(q: MetricQuery): MetricDatum[] {
    return this.#query.all(q.namespace, q.name, dimensionsKey(q.dimensions), q.from, q.to).map((r) => ({ namespace: q.namespace, name: q.name, dimensions: q.dimensions, ...r }));
  }
}
