/**
 * Distributions of metric values, kept beside the per-bucket aggregates so percentiles can be answered. Backend
 * neutral: every store merges a new datum into its stored bucket with `mergeDatum`.
 *
 * A distribution is exact (value → count) up to MAX_DISTINCT values; past that its values are rounded to
 * logarithmic buckets about 1% wide, so a percentile is then within about 0.5% of the true one. What CloudWatch
 * documents for statistic sets holds for the rest: with one sample, or min = max, the distribution is known
 * without being stored; otherwise (a recorder's aggregate, a StatisticSet) it is unknown, and so are percentiles.
 */
import type { Distribution, MetricDatum } from './metrics.js';

export const MAX_DISTINCT = 1000;

/** The distribution a datum or stored bucket stands for, or undefined when its samples are not known. */
export function distributionOf(d: Pick<MetricDatum, 'count' | 'sum' | 'min' | 'max' | 'distribution'>): Distribution | undefined {
  if (d.distribution) return d.distribution;
  if (d.count === 1) return [[d.sum, 1]];
  if (d.min === d.max) return [[d.min, d.count]];
  return undefined;
}

/** Sums the counts of equal values; the result is sorted by value and has at most MAX_DISTINCT entries. */
export function mergeDistributions(...parts: Distribution[]): Distribution {
  const counts = new Map<number, number>();
  for (const part of parts) for (const [v, c] of part) counts.set(v, (counts.get(v) ?? 0) + c);
  let merged = [...counts].sort((a, b) => a[0] - b[0]);
  // Each pass squares the bucket ratio, so values spread over any range fit after a few passes.
  for (let ratio = 1.01; merged.length > MAX_DISTINCT; ratio *= ratio) merged = coarsen(merged, ratio);
  return merged;
}

function coarsen(dist: Distribution, ratio: number): Distribution {
  const counts = new Map<number, number>();
  const log = Math.log(ratio);
  for (const [v, c] of dist) {
    const magnitude = Math.abs(v);
    // The bucket's geometric middle stands for every value in it.
    const rep = magnitude === 0 ? 0 : Math.sign(v) * Math.exp((Math.floor(Math.log(magnitude) / log) + 0.5) * log);
    counts.set(rep, (counts.get(rep) ?? 0) + c);
  }
  return [...counts].sort((a, b) => a[0] - b[0]);
}

/**
 * The stored bucket after adding `d` to `stored` (undefined: nothing stored yet). The distribution is kept only
 * when both sides' are known, and only when it does not follow from the aggregates (see distributionOf).
 */
export function mergeDatum(stored: MetricDatum | undefined, d: MetricDatum): MetricDatum {
  if (!stored) {
    const own = distributionOf(d);
    return withCompactDistribution(d, own && mergeDistributions(own));
  }
  const known = distributionOf(stored) && distributionOf(d);
  const merged: MetricDatum = {
    ...stored,
    sum: stored.sum + d.sum,
    count: stored.count + d.count,
    min: Math.min(stored.min, d.min),
    max: Math.max(stored.max, d.max),
  };
  return withCompactDistribution(merged, known ? mergeDistributions(distributionOf(stored)!, distributionOf(d)!) : undefined);
}

function withCompactDistribution(d: MetricDatum, distribution: Distribution | undefined): MetricDatum {
  const { distribution: _dropped, ...rest } = d;
  const derivable = d.count === 1 || d.min === d.max;
  return distribution && !derivable ? { ...rest, distribution } : rest;
}

/** The nearest-rank percentile (0 < p ≤ 100) of a distribution; undefined for an empty one. */
export function percentile(dist: Distribution, p: number): number | undefined {
  const total = dist.reduce((n, [, c]) => n + c, 0);
  if (total <= 0) return undefined;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (const [v, c] of dist) {
    seen += c;
    if (seen >= rank) return v;
  }
  return dist[dist.length - 1]![0];
}
