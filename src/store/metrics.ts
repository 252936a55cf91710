/**
 * The store's side of metrics: per-minute aggregates (sum, count, min, max) in CloudWatch's names and dimensions,
 * added to by the recorders of every process and read by the alarm evaluator and the metrics APIs.
 */

export interface MetricDatum {
  namespace: string;
  name: string;
  /** Dimension name → value. */
  dimensions: Record<string, string>;
  /** Start of the minute (ms since the epoch, a multiple of 60,000). */
  minute: number;
  unit: string;
  sum: number;
  count: number;
  min: number;
  max: number;
}

export interface MetricQuery {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Minutes in [from, to). */
  from: number;
  to: number;
}

export interface MetricStore {
  /** Adds the aggregates to what is stored for each (metric, dimensions, minute). */
  recordMetrics(data: MetricDatum[]): Promise<void>;
  /** The stored per-minute aggregates of one metric with exactly these dimensions, in time order. */
  queryMetrics(query: MetricQuery): Promise<MetricDatum[]>;
}

/** Dimensions as one canonical key: a JSON object with sorted names, so {a,b} and {b,a} are the same metric. */
export function dimensionsKey(dimensions: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
