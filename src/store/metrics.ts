/**
 * The store's side of metrics: aggregates (sum, count, min, max and, where known, the distribution of values) per
 * metric, dimension set and time bucket, in CloudWatch's names and dimensions. Recorders of every process and
 * PutMetricData add to them; the alarm evaluator, the CloudWatch API and /metrics read them.
 *
 * A bucket is a minute for standard-resolution data (every recorder, and PutMetricData without
 * StorageResolution 1) and a second for high-resolution PutMetricData; readers aggregate buckets into periods.
 */

/** Value → how many samples had it, covering every sample of a bucket. */
export type Distribution = [value: number, count: number][];

export interface MetricDatum {
  namespace: string;
  name: string;
  /** Dimension name → value. */
  dimensions: Record<string, string>;
  /** Start of the bucket, ms since the epoch: a multiple of 60,000 (a minute) or of 1,000 (high resolution). */
  minute: number;
  unit: string;
  sum: number;
  count: number;
  min: number;
  max: number;
  /**
   * The samples' values when known (PutMetricData's Values/Counts, single values). Backends merge it with what
   * they hold (see mergeDatum) and may leave it out when it follows from the rest (one sample, or min = max).
   */
  distribution?: Distribution;
}

export interface MetricQuery {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Buckets starting in [from, to). */
  from: number;
  to: number;
}

/** One metric: a namespace, a name and an exact dimension set. */
export interface MetricIdentity {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
}

export interface MetricListQuery {
  namespace?: string;
  name?: string;
  /** Dimensions the metric must have; a filter without a value matches any value. */
  dimensions?: { name: string; value?: string }[];
  /** Only metrics with a bucket starting at or after this time. */
  since: number;
  /** Continue after this metric: a previous page's `after`, JSON text of [namespace, name, dimensionsKey]. */
  after?: string;
  limit: number;
}

export interface MetricStore {
  /** Adds the aggregates to what is stored for each (metric, dimensions, bucket). */
  recordMetrics(data: MetricDatum[]): Promise<void>;
  /** The stored buckets of one metric with exactly these dimensions, in time order. */
  queryMetrics(query: MetricQuery): Promise<MetricDatum[]>;
  /**
   * Metrics with data since `since`, ordered by (namespace, name, dimensionsKey); `after` of the result (the last
   * item's key as JSON text of [namespace, name, dimensionsKey]) is present only when more may follow.
   */
  listMetrics(query: MetricListQuery): Promise<{ items: MetricIdentity[]; after?: string }>;
}

/** Dimensions as one canonical key: a JSON object with sorted names, so {a,b} and {b,a} are the same metric. */
export function dimensionsKey(dimensions: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
