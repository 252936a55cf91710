/**
 * PutMetricData: custom metrics into the same buckets the recorders fill. A datum is a single Value, a set of
 * Values with Counts (kept as a distribution, so percentiles can be answered), or a StatisticSet (aggregates only,
 * so percentiles only where CloudWatch also gives them: one sample, or Minimum = Maximum). StorageResolution 1 puts
 * the data into per-second buckets (high resolution), anything else into per-minute ones.
 *
 * Validation follows CloudWatch's order and codes; the `AWS/` namespaces are CloudWatch's own and are refused, as
 * Mailroom fills them itself.
 */
import type { Clock } from '../clock.js';
import { double, int, list, str, struct, timestamp } from '../protocols/shape.js';
import type { Distribution, MetricDatum } from '../store/metrics.js';
import type { Store } from '../store/store.js';
import { javaDouble } from './formats.js';
import {
  checkInput,
  dimensionMap,
  invalidCombination,
  invalidValue,
  metricName,
  namespace,
  requireParameters,
  toMillis,
  UNITS,
  type Dimension,
} from './inputs.js';

const MAX_DATA = 1000;
const MAX_VALUES = 150;
const MAX_DIMENSIONS = 30;
const TWO_WEEKS = 14 * 24 * 3600_000;
const TWO_HOURS = 2 * 3600_000;
// CloudWatch refuses values too large or too small for its storage: the range is ±2^360, zero aside.
const LIMIT = 2 ** 360;

type Double = number | 'NaN' | 'Infinity' | '-Infinity';

interface MetricDatumInput {
  MetricName?: string;
  Dimensions?: Partial<Dimension>[];
  Timestamp?: number | string;
  Value?: Double;
  StatisticValues?: { SampleCount?: Double; Sum?: Double; Minimum?: Double; Maximum?: Double };
  Values?: Double[];
  Counts?: Double[];
  Unit?: string;
  StorageResolution?: number;
}

export interface PutMetricDataInput {
  Namespace: string;
  MetricData: MetricDatumInput[];
}

// Required members are checked by hand first, for CloudWatch's MissingParameter, so the shape leaves them optional.
const putMetricDataShape = struct({
  Namespace: namespace,
  MetricData: list(
    struct({
      MetricName: metricName,
      Dimensions: list(struct({ Name: str({ min: 1, max: 255 }), Value: str({ min: 1, max: 1024 }) })),
      Timestamp: timestamp,
      Value: double,
      StatisticValues: struct({ SampleCount: double, Sum: double, Minimum: double, Maximum: double }),
      Values: list(double),
      Counts: list(double),
      Unit: str(),
      StorageResolution: int(),
    }),
  ),
});

export class PutMetricDataService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async put(input: unknown): Promise<object> {
    requireParameters(input, ['Namespace', 'MetricData']);
    const req = checkInput<PutMetricDataInput>(input, putMetricDataShape);
    if (req.Namespace.startsWith('AWS/')) throw invalidValue(`The value ${req.Namespace} for parameter Namespace is invalid.`);
    if (req.MetricData.length > MAX_DATA) throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_DATA}.`);
    const now = this.deps.clock.now();
    const data = req.MetricData.map((d, i) => toDatum(req.Namespace, d, `MetricData.member.${i + 1}`, now));
    await this.deps.store.recordMetrics(data);
    return {};
  }
}

function toDatum(ns: string, d: MetricDatumInput, at: string, now: number): MetricDatum {
  requireParameters(d, ['MetricName'], `${at}.`);
  const dimensions = checkDimensions(d.Dimensions ?? [], at);
  if (d.Unit !== undefined && !(UNITS as readonly string[]).includes(d.Unit)) throw invalidValue(`The value ${d.Unit} for parameter ${at}.Unit is invalid.`);
  if (d.StorageResolution !== undefined && d.StorageResolution !== 1 && d.StorageResolution !== 60) {
    throw invalidValue(`The value ${d.StorageResolution} for parameter ${at}.StorageResolution is invalid.`);
  }
  const time = d.Timestamp === undefined ? now : toMillis(d.Timestamp);
  if (time < now - TWO_WEEKS) throw invalidValue(`The parameter ${at}.Timestamp must specify a time no more than two weeks in the past.`);
  if (time > now + TWO_HOURS) throw invalidValue(`The parameter ${at}.Timestamp must specify a time no more than two hours in the future.`);
  const bucketMs = d.StorageResolution === 1 ? 1000 : 60_000;
  const base = { namespace: ns, name: d.MetricName!, dimensions, minute: Math.floor(time / bucketMs) * bucketMs, unit: d.Unit ?? 'None' };
  return { ...base, ...samples(d, at) };
}

function checkDimensions(list: Partial<Dimension>[], at: string): Record<string, string> {
  if (list.length > MAX_DIMENSIONS) throw invalidValue(`The collection ${at}.Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`);
  const seen = new Set<string>();
  list.forEach((dim, j) => {
    requireParameters(dim, ['Name', 'Value'], `${at}.Dimensions.member.${j + 1}.`);
    if (seen.has(dim.Name!)) throw invalidValue(`The dimension name ${dim.Name} appears more than once in ${at}.Dimensions.`);
    seen.add(dim.Name!);
  });
  return dimensionMap(list as Dimension[]);
}

type Samples = Pick<MetricDatum, 'sum' | 'count' | 'min' | 'max' | 'distribution'>;

function samples(d: MetricDatumInput, at: string): Samples {
  const given = (['Value', 'Values', 'StatisticValues'] as const).filter((k) => d[k] !== undefined);
  if (d.Value !== undefined && d.Values !== undefined) {
    throw invalidValue(`The parameters ${at}.Value and ${at}.Values are mutually exclusive and you have specified both.`);
  }
  if (given.length > 1) throw invalidCombination(`The parameters ${at}.${given[0]} and ${at}.${given[1]} are mutually exclusive and you have specified both.`);
  if (given.length === 0) throw invalidCombination(`One of the parameters ${at}.Value, ${at}.Values or ${at}.StatisticValues must be specified.`);
  if (d.Counts !== undefined && d.Values === undefined) throw invalidCombination(`The parameter ${at}.Counts may only be specified with ${at}.Values.`);
  if (d.Value !== undefined) {
    const v = finite(d.Value, `${at}.Value`);
    return { sum: v, count: 1, min: v, max: v, distribution: [[v, 1]] };
  }
  if (d.Values !== undefined) return valueSet(d.Values, d.Counts, at);
  return statisticSet(d.StatisticValues!, `${at}.StatisticValues`);
}

function valueSet(values: Double[], counts: Double[] | undefined, at: string): Samples {
  if (values.length > MAX_VALUES) throw invalidValue(`The collection ${at}.Values must not have a size greater than ${MAX_VALUES}.`);
  if (counts !== undefined && counts.length !== values.length) {
    throw invalidValue(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`);
  }
  const distribution: Distribution = [];
  values.forEach((raw, j) => {
    const v = finite(raw, `${at}.Values`);
    const rawCount = counts?.[j] ?? 1;
    if (typeof rawCount !== 'number' || !(rawCount >= 0)) throw invalidValue(`The value ${shown(rawCount)} for parameter ${at}.Counts is invalid.`);
    // The store counts whole samples; a fractional count is rounded.
    const count = Math.round(rawCount);
    if (count > 0) distribution.push([v, count]);
  });
  if (distribution.length === 0) throw invalidValue(`The parameter ${at}.Values must hold at least one value with a count above zero.`);
  const count = distribution.reduce((n, [, c]) => n + c, 0);
  const sum = distribution.reduce((s, [v, c]) => s + v * c, 0);
  const vs = distribution.map(([v]) => v);
  return { sum, count, min: Math.min(...vs), max: Math.max(...vs), distribution };
}

function statisticSet(set: NonNullable<MetricDatumInput['StatisticValues']>, at: string): Samples {
  requireParameters(set, ['SampleCount', 'Sum', 'Minimum', 'Maximum'], `${at}.`);
  const sampleCount = finite(set.SampleCount!, `${at}.SampleCount`);
  if (sampleCount <= 0) throw invalidValue(`The value ${javaDouble(sampleCount)} for parameter ${at}.SampleCount is invalid.`);
  const min = finite(set.Minimum!, `${at}.Minimum`);
  const max = finite(set.Maximum!, `${at}.Maximum`);
  if (min > max) throw invalidValue(`The parameter ${at}.Minimum must not be greater than ${at}.Maximum.`);
  return { sum: finite(set.Sum!, `${at}.Sum`), count: Math.max(1, Math.round(sampleCount)), min, max };
}

function finite(value: Double, parameter: string): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (value === 0 || (Math.abs(value) <= LIMIT && Math.abs(value) >= 1 / LIMIT));
  if (!ok) throw invalidValue(`The value ${shown(value)} for parameter ${parameter} is invalid.`);
  return value as number;
}

/** A rejected number as CloudWatch's message shows it (Java's infinity sign). */
function shown(value: Double): string {
  if (value === 'Infinity' || value === Infinity) return '∞';
  if (value === '-Infinity' || value === -Infinity) return '-∞';
  return typeof value === 'number' ? javaDouble(value) : value;
}
