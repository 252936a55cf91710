/**
 * CloudWatch through Debian's awscli 2.9 (`/usr/bin/aws`), whose bundled CloudWatch model is the query-era one
 * (`"protocol": "query"`): PutMetricData (a value set with counts, a statistic set, timestamps, dimensions, and the
 * shorthand options), GetMetricStatistics, PutMetricAlarm and DescribeAlarms, and errors as the CLI reports them,
 * "An error occurred (<query code>)". The CLI talks to a real server process through a capturing proxy, which
 * proves every request was a form post answered in XML.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsCli, awsCliSkip, type AwsCli } from '../helpers/awscli.js';
import { startCapturingProxy, type CapturingProxy } from '../helpers/capturing-proxy.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const skip = awsCliSkip("CloudWatch's query protocol");
const MINUTE = 60_000;

/** A time as awscli prints what botocore parsed: `2026-11-25T10:00:00+00:00`. */
const printed = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
/** A time as the CLI takes it: `2026-11-25T10:00:00.250Z`. */
const given = (ms: number) => new Date(ms).toISOString();

describe('CloudWatch over the query protocol with awscli 2.9', { skip, timeout: 120_000 }, () => {
  let server: ServerProcess;
  let proxy: CapturingProxy;
  let cli: AwsCli;
  // A quarter past the minute, ten minutes ago: the datapoints are stamped with its minute.
  const at = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE + 15_250;
  const window = ['--start-time', given(at - 5 * MINUTE), '--end-time', given(at + 5 * MINUTE)];

  before(async () => {
    server = await startServerProcess();
    proxy = await startCapturingProxy(server.url);
    cli = awsCli('cloudwatch', proxy.url);
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
    if (server) removeDir(server.dataDir);
    cli?.close();
  });

  it('puts metric data and reads its statistics back', async () => {
    const dimensions = [{ Name: 'Store', Value: 'A&B <1>' }, { Name: 'Region', Value: 'eu' }];
    const data = [
      { MetricName: 'Orders', Values: [1.5, 4], Counts: [2, 1], Timestamp: given(at), Dimensions: dimensions },
      { MetricName: 'Orders', StatisticValues: { SampleCount: 2, Sum: 3, Minimum: 0.5, Maximum: 2.5 }, Timestamp: given(at), Dimensions: dimensions },
    ];
    await cli.ok('put-metric-data', '--namespace', 'CliShop', '--metric-data', JSON.stringify(data));
    await cli.ok('put-metric-data', '--namespace', 'CliShop', '--metric-name', 'Orders', '--value', '10', '--timestamp', given(at), '--dimensions', 'Store=A&B <1>,Region=eu');
    const dims = ['--dimensions', 'Name=Store,Value=A&B <1>', 'Name=Region,Value=eu'];
    const stats = await cli.ok('get-metric-statistics', '--namespace', 'CliShop', '--metric-name', 'Orders', ...dims, '--statistics', 'Sum', 'SampleCount', 'Minimum', 'Maximum', '--period', '60', ...window);
    assert.deepEqual(stats, {
      Label: 'Orders',
      Datapoints: [{ Timestamp: printed(Math.floor(at / MINUTE) * MINUTE), Sum: 20, SampleCount: 6, Minimum: 0.5, Maximum: 10, Unit: 'None' }],
    });
  });

  it('creates an alarm and describes it with its dimensions and timestamps', async () => {
    const start = Date.now();
    await cli.ok(
      'put-metric-alarm', '--alarm-name', 'cli-orders-low', '--namespace', 'CliShop', '--metric-name', 'Orders',
      '--dimensions', 'Name=Store,Value=A', 'Name=Region,Value=eu', '--statistic', 'Sum', '--period', '300',
      '--evaluation-periods', '3', '--datapoints-to-alarm', '2', '--threshold', '0.5', '--comparison-operator', 'LessThanThreshold',
      '--alarm-actions', 'arn:aws:sns:us-east-1:000000000000:cli-alerts', '--treat-missing-data', 'missing',
    );
    const { MetricAlarms, CompositeAlarms } = await cli.ok('describe-alarms', '--alarm-names', 'cli-orders-low', 'no-such-alarm');
    const end = Date.now();
    assert.deepEqual(CompositeAlarms, []);
    assert.equal(MetricAlarms.length, 1);
    const alarm = MetricAlarms[0];
    assert.deepEqual(alarm.Dimensions, [{ Name: 'Store', Value: 'A' }, { Name: 'Region', Value: 'eu' }]);
    assert.equal(alarm.AlarmArn, 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-orders-low');
    assert.equal(alarm.Threshold, 0.5);
    assert.equal(alarm.DatapointsToAlarm, 2);
    assert.equal(alarm.ActionsEnabled, true);
    assert.deepEqual(alarm.AlarmActions, ['arn:aws:sns:us-east-1:000000000000:cli-alerts']);
    assert.deepEqual(alarm.OKActions, []);
    // The metric has no data: with TreatMissingData missing, evaluations (every minute) leave it there.
    assert.equal(alarm.StateValue, 'INSUFFICIENT_DATA');
    for (const member of ['AlarmConfigurationUpdatedTimestamp', 'StateUpdatedTimestamp', 'StateTransitionedTimestamp']) {
      // The CLI prints what it parsed from `2026-11-25T10:00:00.123Z` with the milliseconds as microseconds.
      assert.match(alarm[member], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}000)?\+00:00$/, member);
      const ms = Date.parse(alarm[member]);
      assert.ok(ms >= start && ms <= end, `${member} ${alarm[member]}`);
    }
    const { MetricAlarms: alarming } = await cli.ok('describe-alarms', '--state-value', 'ALARM');
    assert.deepEqual(alarming, []);
  });

  it('reports bad input with the query error codes', async () => {
    await cli.fails('InvalidParameterValue', 'put-metric-data', '--namespace', 'AWS/Shop', '--metric-name', 'Orders', '--value', '1');
    await cli.fails('InvalidParameterValue', 'put-metric-data', '--namespace', 'CliShop', '--metric-name', 'Orders', '--value', '1', '--timestamp', given(Date.now() - 15 * 24 * 60 * MINUTE));
    await cli.fails('InvalidParameterCombination', 'get-metric-statistics', '--namespace', 'CliShop', '--metric-name', 'Orders', '--statistics', 'Sum', '--extended-statistics', 'p99', '--period', '60', ...window);
    await cli.fails('ValidationError', 'describe-alarms', '--state-value', 'BOGUS');
  });

  it('spoke the query protocol throughout: form posts answered in XML', () => {
    assert.ok(proxy.requests.length >= 10, `only ${proxy.requests.length} requests`);
    for (const r of proxy.requests) {
      assert.equal(r.method, 'POST');
      assert.match(r.contentType ?? '', /^application\/x-www-form-urlencoded/);
      const form = new URLSearchParams(r.body);
      assert.equal(form.get('Version'), '2010-08-01');
      assert.match(r.responseType ?? '', /^text\/xml/);
    }
    const actions = new Set(proxy.requests.map((r) => new URLSearchParams(r.body).get('Action')));
    assert.deepEqual([...actions].sort(), ['DescribeAlarms', 'GetMetricStatistics', 'PutMetricAlarm', 'PutMetricData']);
    const put = proxy.requests.find((r) => r.body.includes('StatisticValues'))!;
    const form = new URLSearchParams(put.body);
    assert.equal(form.get('MetricData.member.1.Dimensions.member.1.Value'), 'A&B <1>');
    assert.equal(form.get('MetricData.member.2.StatisticValues.Minimum'), '0.5');
    assert.equal(form.get('MetricData.member.1.Timestamp'), given(at).replace(/\.(\d{3})Z$/, '.$1000Z'));
  });
});
