/**
 * GetMetricStatistics: the statistics of one metric (exact dimensions) per period between StartTime and EndTime.
 * Periods start at StartTime rounded down to the minute (to the second for periods under a minute), which is how
 * CloudWatch aligns them; periods without data are left out; datapoints come in time order. At most 1,440
 * datapoints may be asked for, as in CloudWatch.
 */
import type { Clock } from '../clock.js';
import { list, str, struct } from '../protocols/shape.js';
import type { Store } from '../store/store.js';
import {
  checkInput,
  dimensionMap,
  dimensions,
  invalidCombination,
  invalidValue,
  metricName,
  namespace,
  period,
  requireParameters,
  statistic,
  timestampShape,
  toMillis,
  unit,
  type Dimension,
  type StatisticName,
} from './inputs.js';
import { datapoints, statisticValue } from './statistics.js';
import { percentileOf } from './inputs.js';

const MAX_DATAPOINTS = 1440;

export interface GetMetricStatisticsInput {
  Namespace: string;
  MetricName: string;
  Dimensions?: Dimension[];
  StartTime: number | string;
  EndTime: number | string;
  Period: number;
  Statistics?: StatisticName[];
  ExtendedStatistics?: string[];
  Unit?: string;
}

const getMetricStatisticsShape = struct({
  Namespace: namespace,
  MetricName: metricName,
  Dimensions: dimensions,
  StartTime: timestampShape,
  EndTime: timestampShape,
  Period: period,
  Statistics: list(statistic, { min: 1, max: 5 }),
  ExtendedStatistics: list(str(), { min: 1, max: 10 }),
  Unit: unit,
});

export class GetMetricStatisticsService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async get(input: unknown) {
    requireParameters(input, ['Namespace', 'MetricName', 'StartTime', 'EndTime', 'Period']);
    const req = checkInput<GetMetricStatisticsInput>(input, getMetricStatisticsShape);
    const stats = req.Statistics ?? [];
    const extended = req.ExtendedStatistics ?? [];
    if (stats.length === 0 && extended.length === 0) throw invalidCombination('Must specify either Statistics or ExtendedStatistics.');
    if (stats.length > 0 && extended.length > 0) {
      throw invalidCombination('The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.');
    }
    for (const s of extended) {
      if (percentileOf(s) === undefined) throw invalidValue(`The value ${s} for parameter ExtendedStatistics is invalid; Mailroom computes percentiles (p0.1 to p100).`);
    }
    checkPeriod(req.Period, 'Period', invalidValue);
    const periodMs = req.Period * 1000;
    const { start, end } = timeRange(req.StartTime, req.EndTime, req.Period);
    const requested = Math.ceil((end - start) / periodMs);
    if (requested > MAX_DATAPOINTS) {
      throw invalidCombination(
        `You have requested up to ${requested.toLocaleString('en-US')} datapoints, which exceeds the limit of ${MAX_DATAPOINTS.toLocaleString('en-US')}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const points = await datapoints(
      this.deps.store,
      { namespace: req.Namespace, name: req.MetricName, dimensions: dimensionMap(req.Dimensions), unit: req.Unit },
      { from: start, to: end, periodMs, origin: start },
    );
    return {
      Label: req.MetricName,
      Datapoints: points.map((p) => {
        const out: Record<string, unknown> = { Timestamp: new Date(p.start), Unit: p.unit };
        for (const s of stats) out[s] = statisticValue(p, s);
        if (extended.length > 0) {
          const values = Object.fromEntries(extended.map((s) => [s, statisticValue(p, s)]).filter(([, v]) => v !== undefined));
          out.ExtendedStatistics = values;
        }
        return out;
      }),
    };
  }
}

/** Periods CloudWatch accepts: 1, 5, 10, 20 and 30 seconds for high-resolution data, else multiples of 60. */
export function checkPeriod(value: number, parameter: string, error: (message: string) => Error): void {
  if (![1, 5, 10, 20, 30].includes(value) && value % 60 !== 0) {
    throw error(`The parameter ${parameter} must be 1, 5, 10, 20, 30 or a multiple of 60; got ${value}.`);
  }
}

/** StartTime rounded down (to the minute, or to the second for sub-minute periods) and EndTime, in ms. */
export function timeRange(startTime: number | string, endTime: number | string, periodSeconds: number): { start: number; end: number } {
  const unitMs = periodSeconds < 60 ? 1000 : 60_000;
  const start = Math.floor(toMillis(startTime) / unitMs) * unitMs;
  const end = toMillis(endTime);
  if (start >= end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  return { start, end };
}
