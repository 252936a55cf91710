/**
 * `mailroom alarms list` and `mailroom metrics`: a look at a running server's CloudWatch alarms and per-minute
 * metrics from a shell. Both speak CloudWatch's awsJson 1.0 API to the server, as any client would; the time
 * window follows the server's clock (which runs faster under --time-scale), read from /_mailroom/clock.
 */
import type { Command } from 'commander';

interface AlarmView {
  AlarmName: string;
  StateValue: string;
  StateUpdatedTimestamp: number;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Statistic?: string;
  ExtendedStatistic?: string;
  Period: number;
  ComparisonOperator: string;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
}

interface MetricView {
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
}

const OPERATORS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: '>=',
  GreaterThanThreshold: '>',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

async function call<T>(endpoint: string, operation: string, input: object): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `GraniteServiceVersion20100801.${operation}` },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as T & { __type?: string; message?: string };
  if (!response.ok) throw new Error(`${body.__type?.split('#').pop() ?? response.status}: ${body.message ?? response.statusText}`);
  return body;
}

/** Left-aligned columns, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

const metricLabel = (m: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] }) =>
  `${m.Namespace} ${m.MetricName}${m.Dimensions.length ? ` ${m.Dimensions.map((d) => `${d.Name}=${d.Value}`).join(',')}` : ''}`;

async function listAlarms(opts: { endpoint: string; state?: string; prefix?: string }): Promise<void> {
  const alarms: AlarmView[] = [];
  let NextToken: string | undefined;
  do {
    const page = await call<{ MetricAlarms: AlarmView[]; NextToken?: string }>(opts.endpoint, 'DescribeAlarms', {
      ...(opts.state && { StateValue: opts.state }),
      ...(opts.prefix && { AlarmNamePrefix: opts.prefix }),
      ...(NextToken && { NextToken }),
    });
    alarms.push(...page.MetricAlarms);
    NextToken = page.NextToken;
  } while (NextToken);
  if (alarms.length === 0) return console.log('no alarms');
  const rows = alarms.map((a) => [
    a.AlarmName,
    a.StateValue,
    `${metricLabel(a)} ${a.Statistic ?? a.ExtendedStatistic}/${a.Period}s`,
    `${OPERATORS[a.ComparisonOperator] ?? a.ComparisonOperator} ${a.Threshold} for ${a.DatapointsToAlarm ?? a.EvaluationPeriods} of ${a.EvaluationPeriods}`,
    new Date(a.StateUpdatedTimestamp * 1000).toISOString(),
  ]);
  console.log(table([['NAME', 'STATE', 'METRIC', 'CONDITION', 'SINCE'], ...rows]));
}

async function showMetrics(opts: { endpoint: string; namespace?: string; minutes: string; statistic: string }): Promise<void> {
  const minutes = Number(opts.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) throw new Error('--minutes must be an integer from 1 to 60');
  const clock = (await (await fetch(`${opts.endpoint}/_mailroom/clock`)).json()) as { now: string };
  const end = Math.floor(Date.parse(clock.now) / 60_000) * 60_000;
  const start = end - minutes * 60_000;
  const { Metrics } = await call<{ Metrics: MetricView[] }>(opts.endpoint, 'ListMetrics', { RecentlyActive: 'PT3H', ...(opts.namespace && { Namespace: opts.namespace }) });
  if (Metrics.length === 0) return console.log('no metrics in the last three hours');
  const shown = Metrics.slice(0, 500);
  const { MetricDataResults } = await call<{ MetricDataResults: { Id: string; Timestamps: number[]; Values: number[] }[] }>(opts.endpoint, 'GetMetricData', {
    StartTime: start / 1000,
    EndTime: end / 1000,
    ScanBy: 'TimestampAscending',
    MetricDataQueries: shown.map((m, i) => ({ Id: `m${i}`, MetricStat: { Metric: m, Period: 60, Stat: opts.statistic } })),
  });
  const columns = Array.from({ length: minutes }, (_, i) => start + i * 60_000);
  const rows = shown.map((m, i) => {
    const result = MetricDataResults.find((r) => r.Id === `m${i}`)!;
    const byMinute = new Map(result.Timestamps.map((t, j) => [t * 1000, result.Values[j]!]));
    return [metricLabel(m), ...columns.map((c) => (byMinute.has(c) ? String(Number(byMinute.get(c)!.toPrecision(6))) : '-'))];
  });
  const header = ['METRIC', ...columns.map((c) => new Date(c).toISOString().slice(11, 16))];
  console.log(`${opts.statistic} per minute (UTC, server clock)\n${table([header, ...rows])}`);
  if (Metrics.length > shown.length) console.log(`(${Metrics.length - shown.length} more metrics not shown; narrow with --namespace)`);
}

export function registerCloudWatchCommands(program: Command): void {
  const alarms = program.command('alarms').description('CloudWatch alarms of a running Mailroom server');
  alarms
    .command('list')
    .description('List alarms with their state, metric and condition (DescribeAlarms)')
    .option('--state <state>', 'only alarms in this state: OK, ALARM or INSUFFICIENT_DATA')
    .option('--prefix <prefix>', 'only alarms whose name starts with this')
    .option('--endpoint <url>', 'server URL', 'http://127.0.0.1:4010')
    .action(listAlarms);
  program
    .command('metrics')
    .description('Show the last minutes of every metric with recent data (ListMetrics + GetMetricData)')
    .option('--namespace <ns>', 'only this namespace, e.g. AWS/Events')
    .option('--minutes <n>', 'how many complete minutes, 1 to 60', '5')
    .option('--statistic <stat>', 'Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99', 'Sum')
    .option('--endpoint <url>', 'server URL', 'http://127.0.0.1:4010')
    .action(showMetrics);
}
