/**
 * CloudWatch on the query protocol, in-process: the query adapter over a real Mailroom (SQLite in a temp
 * directory, ManualClock). Form parameters in CloudWatch's wrapped layout (`Dimensions.member.1.Name`,
 * `MetricData.member.1.Values.member.1`) reach the operations as the JSON protocol's input, and the outputs come
 * back as the XML botocore parses (`<Datapoints><member>..`, ISO 8601 timestamps with milliseconds, doubles as
 * decimal text); errors carry CloudWatch's query codes. Every member an operation returns must have a place in its
 * query output shape, or the XML would silently drop it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { CLOUDWATCH_QUERY_SHAPES, CLOUDWATCH_XML_NAMESPACE } from '../../src/monitoring/query-shapes.js';
import { QueryAdapter } from '../../src/protocols/query.js';
import type { QueryShape, QueryStructure } from '../../src/protocols/query-shape.js';
import { acceptAnySignature } from '../../src/protocols/sigv4.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
const MINUTE = 60_000;
const SIGNED = 'AWS4-HMAC-SHA256 Credential=AKIDQUERY/20261125/eu-west-1/monitoring/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (name) => name === 'member' || name === 'entry' });
const iso = (ms: number) => new Date(ms).toISOString();

type Doc = Record<string, any>;

/** The members of `value` (an operation's output) that `shape` has no place for, as dotted paths. */
function unplaced(shape: QueryShape, value: unknown, path: string): string[] {
  if (value === undefined || value === null) return [];
  switch (shape.kind) {
    case 'structure':
      return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
        Object.hasOwn(shape.members, k) ? unplaced(shape.members[k]!, v, `${path}.${k}`) : v === undefined ? [] : [`${path}.${k}`],
      );
    case 'list':
      return (value as unknown[]).flatMap((item, i) => unplaced(shape.member, item, `${path}.${i + 1}`));
    case 'map':
      return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => unplaced(shape.value, v, `${path}.${k}`));
    default:
      return [];
  }
}

describe('CloudWatch over the query protocol', () => {
  const dir = tempDataDir('mailroom-cwquery-');
  const clock = new ManualClock(T0 + 30 * MINUTE);
  let mailroom: Mailroom;
  let adapter: QueryAdapter;
  let n = 0;

  before(async () => {
    mailroom = await createMailroom({ dataDir: dir, clock, deliver: false, evaluateAlarms: false });
    adapter = new QueryAdapter([mailroom.sqs.queryService(), mailroom.cloudWatch.queryService()], acceptAnySignature, pino({ level: 'silent' }));
  });
  after(async () => {
    await mailroom.close();
    removeDir(dir);
  });

  /** Posts the form (signed for monitoring unless `unsigned`); returns the status, the raw XML and its parse. */
  const post = async (params: Record<string, string | number>, options: { unsigned?: boolean } = {}) => {
    const body = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const headers: Record<string, string> = { host: 'mailroom.test', 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    if (!options.unsigned) headers.authorization = SIGNED;
    const res = await adapter.handle({ method: 'POST', path: '/', headers, body: Buffer.from(body), requestId: `req-${++n}` });
    assert.equal(res.headers['content-type'], 'text/xml');
    return { status: res.status, text: res.body as string, doc: parser.parse(res.body as string) as Doc };
  };
  /** A call that must succeed; its `<Action>Result` element (undefined for operations without output). */
  const ok = async (action: string, params: Record<string, string | number> = {}) => {
    const { status, text, doc } = await post({ Action: action, Version: '2010-08-01', ...params });
    assert.equal(status, 200, text);
    const response = doc[`${action}Response`] as Doc;
    assert.equal(response['@_xmlns'], CLOUDWATCH_XML_NAMESPACE);
    return { text, result: response[`${action}Result`] as Doc | undefined };
  };
  const fails = async (action: string, params: Record<string, string | number>, code: string, message?: RegExp) => {
    const { status, doc } = await post({ Action: action, Version: '2010-08-01', ...params });
    const error = doc.ErrorResponse as Doc;
    assert.equal(error['@_xmlns'], CLOUDWATCH_XML_NAMESPACE);
    assert.equal(error.Error.Code, code, error.Error.Message);
    assert.equal(error.Error.Type, 'Sender');
    if (message) assert.match(error.Error.Message, message);
    return status;
  };

  it('declares query shapes for exactly the operations CloudWatch serves', () => {
    assert.deepEqual(Object.keys(CLOUDWATCH_QUERY_SHAPES).sort(), Object.keys(mailroom.cloudWatch.operations()).sort());
  });

  it('takes metric data with value sets, statistic sets, timestamps and dimensions, and answers statistics in XML', async () => {
    const put = await ok('PutMetricData', {
      Namespace: 'Shop',
      'MetricData.member.1.MetricName': 'Latency',
      'MetricData.member.1.Dimensions.member.1.Name': 'Api',
      'MetricData.member.1.Dimensions.member.1.Value': 'orders & <co>',
      'MetricData.member.1.Timestamp': '2026-11-25T10:01:30.123456Z',
      'MetricData.member.1.Values.member.1': '10.5',
      'MetricData.member.1.Values.member.2': '20',
      'MetricData.member.1.Counts.member.1': '2',
      'MetricData.member.1.Counts.member.2': '1',
      'MetricData.member.1.Unit': 'Milliseconds',
      'MetricData.member.2.MetricName': 'Latency',
      'MetricData.member.2.Dimensions.member.1.Name': 'Api',
      'MetricData.member.2.Dimensions.member.1.Value': 'orders & <co>',
      'MetricData.member.2.Timestamp': '2026-11-25T10:02:00Z',
      'MetricData.member.2.StatisticValues.SampleCount': '2',
      'MetricData.member.2.StatisticValues.Sum': '1e1',
      'MetricData.member.2.StatisticValues.Minimum': '4.5',
      'MetricData.member.2.StatisticValues.Maximum': '5.5',
      'MetricData.member.2.Unit': 'Milliseconds',
    });
    assert.equal(put.result, undefined);
    assert.match(put.text, /^<\?xml version="1.0"\?><PutMetricDataResponse xmlns="http:\/\/monitoring.amazonaws.com\/doc\/2010-08-01\/"><ResponseMetadata><RequestId>req-\d+<\/RequestId><\/ResponseMetadata><\/PutMetricDataResponse>$/);

    const window = { StartTime: iso(T0), EndTime: '2026-11-25T10:30:00Z', Period: 60 };
    const dims = { 'Dimensions.member.1.Name': 'Api', 'Dimensions.member.1.Value': 'orders & <co>' };
    const stats = await ok('GetMetricStatistics', { Namespace: 'Shop', MetricName: 'Latency', ...dims, ...window, 'Statistics.member.1': 'Sum', 'Statistics.member.2': 'Average' });
    assert.match(
      stats.text,
      /<GetMetricStatisticsResult><Label>Latency<\/Label><Datapoints><member><Timestamp>2026-11-25T10:01:00.000Z<\/Timestamp><Average>13.666666666666666<\/Average><Sum>41<\/Sum><Unit>Milliseconds<\/Unit><\/member><member><Timestamp>2026-11-25T10:02:00.000Z<\/Timestamp><Average>5<\/Average><Sum>10<\/Sum><Unit>Milliseconds<\/Unit><\/member><\/Datapoints><\/GetMetricStatisticsResult>/,
    );
    const pct = await ok('GetMetricStatistics', { Namespace: 'Shop', MetricName: 'Latency', ...dims, ...window, 'ExtendedStatistics.member.1': 'p50' });
    assert.deepEqual(pct.result!.Datapoints.member[0].ExtendedStatistics, { entry: [{ key: 'p50', value: '10.5' }] });

    const output = await mailroom.cloudWatch.operations().GetMetricStatistics({ Namespace: 'Shop', MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'orders & <co>' }], StartTime: T0 / 1000, EndTime: (T0 + 30 * MINUTE) / 1000, Period: 60, Statistics: ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] }, { region: 'eu-west-1', accountId: '000000000000', requestId: 'r' });
    assert.deepEqual(unplaced(CLOUDWATCH_QUERY_SHAPES.GetMetricStatistics.output, output, 'GetMetricStatistics'), []);
  });

  it('answers GetMetricData and ListMetrics with nested members and timestamp lists', async () => {
    const data = await ok('GetMetricData', {
      'MetricDataQueries.member.1.Id': 'lat',
      'MetricDataQueries.member.1.MetricStat.Metric.Namespace': 'Shop',
      'MetricDataQueries.member.1.MetricStat.Metric.MetricName': 'Latency',
      'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name': 'Api',
      'MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value': 'orders & <co>',
      'MetricDataQueries.member.1.MetricStat.Period': 60,
      'MetricDataQueries.member.1.MetricStat.Stat': 'Maximum',
      'MetricDataQueries.member.1.Label': 'worst',
      StartTime: '2026-11-25T10:00:00Z',
      EndTime: '2026-11-25T10:30:00Z',
      ScanBy: 'TimestampAscending',
    });
    assert.match(
      data.text,
      /<MetricDataResults><member><Id>lat<\/Id><Label>worst<\/Label><Timestamps><member>2026-11-25T10:01:00.000Z<\/member><member>2026-11-25T10:02:00.000Z<\/member><\/Timestamps><Values><member>20<\/member><member>5.5<\/member><\/Values><StatusCode>Complete<\/StatusCode><Messages><\/Messages><\/member><\/MetricDataResults><Messages><\/Messages>/,
    );
    await fails('GetMetricData', { 'MetricDataQueries.member.1.Id': 'm', 'MetricDataQueries.member.1.Expression': 'SUM(METRICS())', StartTime: iso(T0), EndTime: iso(T0 + MINUTE) }, 'ValidationError', /Metric math/);

    const metrics = await ok('ListMetrics', { Namespace: 'Shop', 'Dimensions.member.1.Name': 'Api' });
    assert.deepEqual(metrics.result!.Metrics.member, [{ Namespace: 'Shop', MetricName: 'Latency', Dimensions: { member: [{ Name: 'Api', Value: 'orders & <co>' }] } }]);
  });

  it('creates, describes, sets and deletes alarms, with their history', async () => {
    await ok('PutMetricAlarm', {
      AlarmName: 'slow',
      Namespace: 'Shop',
      MetricName: 'Latency',
      'Dimensions.member.1.Name': 'Api',
      'Dimensions.member.1.Value': 'orders & <co>',
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: '12.5',
      ComparisonOperator: 'GreaterThanThreshold',
      ActionsEnabled: 'false',
      'AlarmActions.member.1': 'arn:aws:sns:eu-west-1:000000000000:alerts',
      'OKActions': '',
      'Tags.member.1.Key': 'team',
      'Tags.member.1.Value': 'shop',
    });
    const created = clock.now();
    const { text, result } = await ok('DescribeAlarms', { 'AlarmNames.member.1': 'slow' });
    assert.match(text, /<DescribeAlarmsResult><CompositeAlarms><\/CompositeAlarms><MetricAlarms><member><AlarmName>slow<\/AlarmName><AlarmArn>arn:aws:cloudwatch:eu-west-1:000000000000:alarm:slow<\/AlarmArn>/);
    assert.match(text, /<AlarmConfigurationUpdatedTimestamp>2026-11-25T10:30:00.000Z<\/AlarmConfigurationUpdatedTimestamp><ActionsEnabled>false<\/ActionsEnabled><OKActions><\/OKActions><AlarmActions><member>arn:aws:sns:eu-west-1:000000000000:alerts<\/member><\/AlarmActions><InsufficientDataActions><\/InsufficientDataActions>/);
    assert.match(text, /<Dimensions><member><Name>Api<\/Name><Value>orders &amp; &lt;co&gt;<\/Value><\/member><\/Dimensions><Period>60<\/Period><EvaluationPeriods>3<\/EvaluationPeriods><DatapointsToAlarm>2<\/DatapointsToAlarm><Threshold>12.5<\/Threshold>/);
    const alarm = result!.MetricAlarms.member[0] as Doc;
    assert.equal(alarm.StateValue, 'INSUFFICIENT_DATA');
    assert.equal(alarm.StateUpdatedTimestamp, iso(created));
    const described = await mailroom.cloudWatch.operations().DescribeAlarms({}, { region: 'eu-west-1', accountId: '000000000000', requestId: 'r' });
    assert.deepEqual(unplaced(CLOUDWATCH_QUERY_SHAPES.DescribeAlarms.output, described, 'DescribeAlarms'), []);

    const forMetric = await ok('DescribeAlarmsForMetric', { Namespace: 'Shop', MetricName: 'Latency', 'Dimensions.member.1.Name': 'Api', 'Dimensions.member.1.Value': 'orders & <co>' });
    assert.deepEqual(forMetric.result!.MetricAlarms.member.map((a: Doc) => a.AlarmName), ['slow']);
    await ok('EnableAlarmActions', { 'AlarmNames.member.1': 'slow' });

    clock.advance(MINUTE);
    await ok('SetAlarmState', { AlarmName: 'slow', StateValue: 'ALARM', StateReason: 'testing', StateReasonData: '{"by":"query"}' });
    const state = (await ok('DescribeAlarms', { StateValue: 'ALARM' })).result!.MetricAlarms.member[0] as Doc;
    assert.equal(state.StateReasonData, '{"by":"query"}');
    assert.equal(state.StateTransitionedTimestamp, iso(created + MINUTE));

    const history = await ok('DescribeAlarmHistory', { AlarmName: 'slow', StartDate: iso(created + 1), ScanBy: 'TimestampAscending' });
    const items = history.result!.AlarmHistoryItems.member as Doc[];
    assert.deepEqual(items.map((h) => [h.HistoryItemType, h.Timestamp]), [
      ['StateUpdate', iso(created + MINUTE)],
      ['Action', iso(created + MINUTE)],
    ]);
    const before = await ok('DescribeAlarmHistory', { AlarmName: 'slow', EndDate: '2026-11-25T10:30:00.001Z' });
    const summaries = (before.result!.AlarmHistoryItems.member as Doc[]).map((h) => h.HistorySummary);
    assert.deepEqual(summaries.sort(), ['Alarm "slow" created', 'Alarm "slow" updated']);
    const output = await mailroom.cloudWatch.operations().DescribeAlarmHistory({ AlarmName: 'slow' }, { region: 'eu-west-1', accountId: '000000000000', requestId: 'r' });
    assert.deepEqual(unplaced(CLOUDWATCH_QUERY_SHAPES.DescribeAlarmHistory.output, output, 'DescribeAlarmHistory'), []);

    assert.equal(await fails('DeleteAlarms', { 'AlarmNames.member.1': 'slow', 'AlarmNames.member.2': 'nope' }, 'ResourceNotFound', /nope/), 404);
    await ok('DeleteAlarms', { 'AlarmNames.member.1': 'slow' });
    assert.equal((await ok('DescribeAlarms')).result!.MetricAlarms, '');
  });

  it('answers bad input with CloudWatch query codes naming the parameter', async () => {
    await fails('PutMetricData', { 'MetricData.member.1.MetricName': 'x', 'MetricData.member.1.Value': 1 }, 'MissingParameter', /Namespace/);
    await fails('PutMetricData', { Namespace: 'Shop', 'MetricData.member.1.MetricName': 'x', 'MetricData.member.1.Value': 'NaN' }, 'InvalidParameterValue', /The value NaN for parameter MetricData.member.1.Value is invalid/);
    await fails('PutMetricData', { Namespace: 'Shop', 'MetricData.member.1.MetricName': 'x', 'MetricData.member.1.Value': 'lots' }, 'InvalidParameterValue', /Value lots for parameter MetricData.member.1.Value is invalid/);
    await fails('PutMetricData', { Namespace: 'Shop', 'MetricData.member.1.MetricName': 'x', 'MetricData.member.1.Value': 1, 'MetricData.member.1.Timestamp': 'yesterday' }, 'InvalidParameterValue', /parameter MetricData.member.1.Timestamp is invalid/);
    await fails('PutMetricData', { Namespace: 'Shop', 'MetricData.member.1.MetricName': 'x', 'MetricData.member.1.Value': 1, 'MetricData.member.1.Dimensions.member.1.Value': 'v' }, 'MissingParameter', /MetricData.member.1.Dimensions.member.1.Name/);
    await fails('GetMetricStatistics', { Namespace: 'Shop', MetricName: 'Latency', StartTime: iso(T0), EndTime: iso(T0 + MINUTE), Period: 60, 'Statistics.member.1': 'Sum', 'ExtendedStatistics.member.1': 'p99' }, 'InvalidParameterCombination');
    await fails('GetMetricStatistics', { Namespace: 'Shop', MetricName: 'Latency', StartTime: iso(T0), EndTime: iso(T0 + MINUTE), Period: 'often', 'Statistics.member.1': 'Sum' }, 'InvalidParameterValue', /parameter Period/);
    await fails('DescribeAlarms', { StateValue: 'BOGUS' }, 'ValidationError', /stateValue/);
    await fails('PutMetricAlarm', { AlarmName: 'math', EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanThreshold', 'Metrics.member.1.Id': 'm1', 'Metrics.member.1.Expression': 'm2*2' }, 'ValidationError', /metric math/);
    await fails('SetAlarmState', { AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }, 'ResourceNotFound');
    await fails('DescribeAlarmHistory', { NextToken: 'forged' }, 'InvalidNextToken');
    await fails('PutMetricAlarm', { AlarmName: 'a', ActionsEnabled: 'maybe' }, 'InvalidParameterValue', /Must be true or false/);
    await fails('DescribeAlarmz', {}, 'InvalidAction', /CloudWatch/);
  });

  it('serves an unsigned request by its Version, and signed requests by their scope', async () => {
    const { status, doc } = await post({ Action: 'ListMetrics', Version: '2010-08-01' }, { unsigned: true });
    assert.equal(status, 200);
    assert.ok(doc.ListMetricsResponse.ListMetricsResult);
    const sqs = await post({ Action: 'ListQueues', Version: '2012-11-05' }, { unsigned: true });
    assert.ok(sqs.doc.ListQueuesResponse);
  });
});
