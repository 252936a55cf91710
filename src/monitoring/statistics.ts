/**
 * From stored buckets to CloudWatch datapoints: buckets are grouped into periods (aligned to a given origin), and
 * each period answers Sum, Average, Minimum, Maximum, SampleCount and, where the samples' distribution is known
 * for every bucket of the period, percentiles (pNN). Used by GetMetricStatistics, GetMetricData and alarms alike.
 */
import type { Store } from '../store/store.js';
import type { Distribution, MetricDatum } from '../store/metrics.js';
import { distributionOf, mergeDistributions, percentile } from '../store/metric-distribution.js';
import { percentileOf, STATISTICS } from './inputs.js';

export interface PeriodDatapoint {
  /** Start of the period, ms since the epoch. */
  start: number;
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
  unit: string;
  /** Undefined when some bucket of the period has an unknown distribution. */
  distribution?: Distribution;
}

export interface MetricSelector {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  /** Only buckets recorded with this unit. */
  unit?: string;
}

/** Periods of `periodMs` starting at origin + k·periodMs that have data in [from, to), in time order. */
export async function datapoints(store: Store, metric: MetricSelector, range: { from: number; to: number; periodMs: number; origin?: number }): Promise<PeriodDatapoint[]> {
  const rows = await store.queryMetrics({ namespace: metric.namespace, name: metric.name, dimensions: metric.dimensions, from: range.from, to: range.to });
  return aggregate(
    rows.filter((r) => metric.unit === undefined || r.unit === metric.unit),
    range.periodMs,
    range.origin ?? 0,
  );
}

export function aggregate(rows: readonly MetricDatum[], periodMs: number, origin: number): PeriodDatapoint[] {
  const periods = new Map<number, { point: PeriodDatapoint; parts: (Distribution | undefined)[] }>();
  for (const row of rows) {
    const start = origin + Math.floor((row.minute - origin) / periodMs) * periodMs;
    const entry = periods.get(start);
    if (!entry) {
      periods.set(start, {
        point: { start, sampleCount: row.count, sum: row.sum, minimum: row.min, maximum: row.max, unit: row.unit },
        parts: [distributionOf(row)],
      });
      continue;
    }
    const p = entry.point;
    p.sampleCount += row.count;
    p.sum += row.sum;
    p.minimum = Math.min(p.minimum, row.min);
    p.maximum = Math.max(p.maximum, row.max);
    entry.parts.push(distributionOf(row));
  }
  return [...periods.values()]
    .map(({ point, parts }) => (parts.every((d) => d !== undefined) ? { ...point, distribution: mergeDistributions(...(parts as Distribution[])) } : point))
    .sort((a, b) => a.start - b.start);
}

/** A statistic's value for one period; undefined for a percentile the period cannot answer. */
export function statisticValue(point: PeriodDatapoint, stat: string): number | undefined {
  switch (stat) {
    case 'Sum':
      return point.sum;
    case 'Average':
      return point.sum / point.sampleCount;
    case 'Minimum':
      return point.minimum;
    case 'Maximum':
      return point.maximum;
    case 'SampleCount':
      return point.sampleCount;
  }
  const p = percentileOf(stat);
  if (p === undefined || !point.distribution) return undefined;
  return percentile(point.distribution, p);
}

/** True for the statistics Mailroom computes: the five basic ones and percentiles. */
export function isSupportedStatistic(stat: string): boolean {
  return (STATISTICS as readonly string[]).includes(stat) || percentileOf(stat) !== undefined;
}
