/**
 * GetMetricData with MetricStat queries: for each query, the values of one statistic of one metric per period,
 * newest first (ScanBy TimestampDescending, the default) or oldest first, labelled (Label, else the metric name),
 * with ReturnData=false queries computed but left out. MaxDatapoints bounds one page across all queries; the rest
 * comes with NextToken, the cut query marked PartialData.
 *
 * Metric math (`Expression`) is not evaluated by Mailroom yet and is refused with a ValidationError that says so.
 */
import type { Clock } from '../clock.js';
import { ServiceError } from '../errors.js';
import { encodeNextToken } from '../paging.js';
import { bool, int, list, str, struct } from '../protocols/shape.js';
import type { Store } from '../store/store.js';
import { checkPeriod, timeRange } from './get-metric-statistics.js';
import {
  checkInput,
  decodeToken,
  dimensionMap,
  dimensions,
  metricName,
  namespace,
  period,
  timestampShape,
  unit,
  validationError,
  type Dimension,
} from './inputs.js';
import { datapoints, isSupportedStatistic, statisticValue } from './statistics.js';

const DEFAULT_MAX_DATAPOINTS = 100_800;

interface MetricDataQuery {
  Id: string;
  MetricStat?: { Metric: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] }; Period: number; Stat: string; Unit?: string };
  Expression?: string;
  Label?: string;
  ReturnData?: boolean;
  Period?: number;
  AccountId?: string;
}

export interface GetMetricDataInput {
  MetricDataQueries: MetricDataQuery[];
  StartTime: number | string;
  EndTime: number | string;
  NextToken?: string;
  ScanBy?: 'TimestampDescending' | 'TimestampAscending';
  MaxDatapoints?: number;
}

const metricStat = struct(
  {
    Metric: struct({ Namespace: namespace, MetricName: metricName, Dimensions: dimensions }),
    Period: period,
    Stat: str(),
    Unit: unit,
  },
  ['Metric', 'Period', 'Stat'],
);

const getMetricDataShape = struct(
  {
    MetricDataQueries: list(
      struct(
        {
          Id: str({ min: 1, max: 255, pattern: /^[a-z][a-zA-Z0-9_]*$/ }),
          MetricStat: metricStat,
          Expression: str({ min: 1, max: 2048 }),
          Label: str(),
          ReturnData: bool,
          Period: period,
          AccountId: str({ min: 1, max: 255 }),
        },
        ['Id'],
      ),
      { max: 500 },
    ),
    StartTime: timestampShape,
    EndTime: timestampShape,
    NextToken: str(),
    ScanBy: str({ enum: ['TimestampDescending', 'TimestampAscending'] }),
    MaxDatapoints: int({ min: 1 }),
  },
  ['MetricDataQueries', 'StartTime', 'EndTime'],
);

interface QueryResult {
  Id: string;
  Label: string;
  Timestamps: Date[];
  Values: number[];
}

export class GetMetricDataService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async get(input: unknown) {
    const req = checkInput<GetMetricDataInput>(input, getMetricDataShape);
    const queries = req.MetricDataQueries;
    validateQueries(queries);
    const descending = (req.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
    const results: QueryResult[] = [];
    for (const q of queries) {
      if (q.ReturnData === false) continue;
      results.push(await this.#run(q, req, descending));
    }
    return page(results, req.NextToken, req.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS);
  }

  async #run(q: MetricDataQuery, req: GetMetricDataInput, descending: boolean): Promise<QueryResult> {
    const stat = q.MetricStat!;
    const { start, end } = timeRange(req.StartTime, req.EndTime, stat.Period);
    const metric = { namespace: stat.Metric.Namespace!, name: stat.Metric.MetricName!, dimensions: dimensionMap(stat.Metric.Dimensions), unit: stat.Unit };
    const points = (await datapoints(this.deps.store, metric, { from: start, to: end, periodMs: stat.Period * 1000, origin: start }))
      .map((p) => ({ at: p.start, value: statisticValue(p, stat.Stat) }))
      .filter((p): p is { at: number; value: number } => p.value !== undefined);
    if (descending) points.reverse();
    return { Id: q.Id, Label: q.Label ?? metric.name, Timestamps: points.map((p) => new Date(p.at)), Values: points.map((p) => p.value) };
  }
}

function validateQueries(queries: MetricDataQuery[]): void {
  if (queries.length === 0) throw validationError('The parameter MetricDataQueries must contain at least one query.');
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const at = `MetricDataQueries.member.${i + 1}`;
    if (ids.has(q.Id)) throw validationError(`The value ${q.Id} for parameter ${at}.Id is already used by another query; Ids must be unique.`);
    ids.add(q.Id);
    if (q.Expression !== undefined) {
      throw validationError(`Metric math is not supported by Mailroom yet: ${at}.Expression cannot be evaluated. Use MetricStat queries.`);
    }
    if (q.MetricStat === undefined) throw validationError(`The parameter ${at}.MetricStat is required.`);
    const { Metric, Period, Stat } = q.MetricStat;
    if (Metric.Namespace === undefined) throw validationError(`The parameter ${at}.MetricStat.Metric.Namespace is required.`);
    if (Metric.MetricName === undefined) throw validationError(`The parameter ${at}.MetricStat.Metric.MetricName is required.`);
    checkPeriod(Period, `${at}.MetricStat.Period`, validationError);
    if (!isSupportedStatistic(Stat)) {
      throw validationError(`The value ${Stat} for parameter ${at}.MetricStat.Stat is not supported: use SampleCount, Average, Sum, Minimum, Maximum or a percentile such as p99.`);
    }
  });
}

/** The datapoints from `token` on, at most `max` of them, query by query in order. */
function page(results: QueryResult[], token: string | undefined, max: number) {
  const first = skipOf(token);
  let skip = first;
  let room = max;
  let cut = false;
  const out = results.map((r) => {
    const from = Math.min(skip, r.Values.length);
    skip -= from;
    const take = Math.min(room, r.Values.length - from);
    room -= take;
    const partial = from + take < r.Values.length;
    cut ||= partial;
    return { Id: r.Id, Label: r.Label, Timestamps: r.Timestamps.slice(from, from + take), Values: r.Values.slice(from, from + take), StatusCode: partial ? 'PartialData' : 'Complete', Messages: [] };
  });
  const next = cut ? { NextToken: encodeNextToken(String(first + max - room)) } : {};
  return { MetricDataResults: out, Messages: [], ...next };
}

function skipOf(token: string | undefined): number {
  const skip = Number(decodeToken(token) ?? 0);
  if (!Number.isInteger(skip) || skip < 0) throw new ServiceError('InvalidNextToken', 'The NextToken provided is invalid.');
  return skip;
}
