/**
 * ListMetrics: the metrics that have data, filtered by namespace, name and dimensions (a filter without a value
 * matches any value of that dimension), 500 a page. As in CloudWatch, a metric is listed while it has data from
 * the last two weeks, or the last three hours with RecentlyActive=PT3H.
 */
import type { Clock } from '../clock.js';
import { str, struct, list } from '../protocols/shape.js';
import type { Store } from '../store/store.js';
import { checkInput, dimensionList, invalidValue, metricName, namespace } from './inputs.js';

const PAGE = 500;
const TWO_WEEKS = 14 * 24 * 3600_000;
const THREE_HOURS = 3 * 3600_000;

export interface ListMetricsInput {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value?: string }[];
  NextToken?: string;
  RecentlyActive?: 'PT3H';
}

const listMetricsShape = struct({
  Namespace: namespace,
  MetricName: metricName,
  Dimensions: list(struct({ Name: str({ min: 1, max: 255 }), Value: str({ min: 1, max: 1024 }) }, ['Name']), { max: 10 }),
  NextToken: str(),
  RecentlyActive: str({ enum: ['PT3H'] }),
});

export class ListMetricsService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async list(input: unknown) {
    const req = checkInput<ListMetricsInput>(input, listMetricsShape);
    const now = this.deps.clock.now();
    const page = await this.deps.store.listMetrics({
      namespace: req.Namespace,
      name: req.MetricName,
      dimensions: req.Dimensions?.map((d) => ({ name: d.Name, ...(d.Value !== undefined && { value: d.Value }) })),
      since: now - (req.RecentlyActive === 'PT3H' ? THREE_HOURS : TWO_WEEKS),
      after: decodeToken(req.NextToken),
      limit: PAGE,
    });
    return {
      Metrics: page.items.map((m) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: dimensionList(m.dimensions) })),
      ...(page.after !== undefined && { NextToken: Buffer.from(page.after, 'utf8').toString('base64url') }),
    };
  }
}

function decodeToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  try {
    const cursor: unknown = JSON.parse(text);
    if (Array.isArray(cursor) && cursor.length === 3 && cursor.every((c) => typeof c === 'string')) return text;
  } catch {
    // fall through
  }
  throw invalidValue(`The value ${token} for parameter NextToken is invalid.`);
}
