/**
 * CloudWatch's metrics API in-process over a real SQLite store: PutMetricData (values, value sets, statistic
 * sets, high resolution) and its validation codes, GetMetricStatistics with every statistic and percentiles
 * where the data allows, GetMetricData (order, labels, ReturnData, paging, math refused) and ListMetrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ServiceError } from '../../src/errors.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';

const root = mkdtempSync(join(tmpdir(), 'mailroom-metrics-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const s = (ms: number) => ms / 1000;

describe('CloudWatch metrics API', () => {
  let clock: ManualClock;
  let mailroom: Mailroom;
  beforeEach(async () => {
    clock = new ManualClock(T0 + 30 * MINUTE);
    mailroom = await createMailroom({ dataDir: join(root, `d${++dirs}`), clock, deliver: false, evaluateAlarms: false });
  });
  afterEach(() => mailroom.close());

  const cw = () => mailroom.cloudWatch;
  const put = (data: Record<string, unknown>[], namespace = 'Shop') => cw().metricData.put({ Namespace: namespace, MetricData: data });
  const stats = (extra: Record<string, unknown>) =>
    cw().statistics.get({ Namespace: 'Shop', MetricName: 'Latency', StartTime: s(T0), EndTime: s(T0 + 30 * MINUTE), Period: 60, ...extra });

  it('aggregates values, value sets and statistic sets per period', async () => {
    await put([
      { MetricName: 'Latency', Value: 10, Timestamp: s(T0) },
      { MetricName: 'Latency', Values: [20, 30], Counts: [2, 1], Timestamp: s(T0 + 10_000) },
      { MetricName: 'Latency', StatisticValues: { SampleCount: 4, Sum: 200, Minimum: 40, Maximum: 60 }, Timestamp: s(T0 + MINUTE) },
    ]);
    const perMinute = await stats({ Statistics: ['Sum', 'Average', 'Minimum', 'Maximum', 'SampleCount'] });
    assert.deepEqual(
      perMinute.Datapoints.map((d) => ({ ...d, Timestamp: (d.Timestamp as Date).getTime() })),
      [
        { Timestamp: T0, Unit: 'None', Sum: 80, Average: 20, Minimum: 10, Maximum: 30, SampleCount: 4 },
        { Timestamp: T0 + MINUTE, Unit: 'None', Sum: 200, Average: 50, Minimum: 40, Maximum: 60, SampleCount: 4 },
      ],
    );
    assert.equal(perMinute.Label, 'Latency');
    const fiveMinutes = await stats({ Period: 300, Statistics: ['SampleCount', 'Maximum'] });
    assert.deepEqual(fiveMinutes.Datapoints.map((d) => [d.SampleCount, d.Maximum]), [[8, 60]]);
  });

  it('answers percentiles where the distribution is known, as CloudWatch does', async () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    await put([
      { MetricName: 'Latency', Values: values, Timestamp: s(T0) },
      // A statistic set with min = max is known; one with min < max is not.
      { MetricName: 'Latency', StatisticValues: { SampleCount: 3, Sum: 21, Minimum: 7, Maximum: 7 }, Timestamp: s(T0 + MINUTE) },
      { MetricName: 'Latency', StatisticValues: { SampleCount: 3, Sum: 21, Minimum: 1, Maximum: 10 }, Timestamp: s(T0 + 2 * MINUTE) },
    ]);
    const { Datapoints } = await stats({ ExtendedStatistics: ['p50', 'p99', 'p100'] });
    assert.deepEqual(Datapoints.map((d) => d.ExtendedStatistics), [{ p50: 50, p99: 99, p100: 100 }, { p50: 7, p99: 7, p100: 7 }, {}]);
  });

  it('keeps high-resolution data per second', async () => {
    await put([
      { MetricName: 'Latency', Value: 1, StorageResolution: 1, Timestamp: s(T0 + 1_000) },
      { MetricName: 'Latency', Value: 3, StorageResolution: 1, Timestamp: s(T0 + 12_000) },
    ]);
    const { Datapoints } = await stats({ Period: 10, EndTime: s(T0 + MINUTE), Statistics: ['Sum'] });
    assert.deepEqual(Datapoints.map((d) => [(d.Timestamp as Date).getTime() - T0, d.Sum]), [[0, 1], [10_000, 3]]);
  });

  it('filters by Unit and by exact dimensions', async () => {
    await put([
      { MetricName: 'Latency', Value: 5, Unit: 'Milliseconds', Timestamp: s(T0) },
      { MetricName: 'Latency', Value: 7, Unit: 'Milliseconds', Dimensions: [{ Name: 'Store', Value: 'A' }], Timestamp: s(T0) },
    ]);
    assert.deepEqual((await stats({ Statistics: ['Sum'], Unit: 'Milliseconds' })).Datapoints.map((d) => d.Sum), [5]);
    assert.deepEqual((await stats({ Statistics: ['Sum'], Unit: 'Seconds' })).Datapoints, []);
    assert.deepEqual((await stats({ Statistics: ['Sum'], Dimensions: [{ Name: 'Store', Value: 'A' }] })).Datapoints.map((d) => d.Sum), [7]);
  });

  it("refuses bad PutMetricData input with CloudWatch's codes", async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ MetricData: [] }, 'MissingRequiredParameterException', 'The parameter Namespace is required.'],
      [{ Namespace: 'AWS/Events', MetricData: [{ MetricName: 'x', Value: 1 }] }, 'InvalidParameterValueException', 'The value AWS/Events for parameter Namespace is invalid.'],
      [{ Namespace: 'Shop', MetricData: [{ Value: 1 }] }, 'MissingRequiredParameterException', 'The parameter MetricData.member.1.MetricName is required.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 'NaN' }] }, 'InvalidParameterValueException', 'The value NaN for parameter MetricData.member.1.Value is invalid.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 'Infinity' }] }, 'InvalidParameterValueException', 'The value ∞ for parameter MetricData.member.1.Value is invalid.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1e300 }] }, 'InvalidParameterValueException', 'The value 1.0E300 for parameter MetricData.member.1.Value is invalid.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, Values: [1] }] }, 'InvalidParameterValueException', 'The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }] }, 'InvalidParameterCombinationException', 'The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Values: [1, 2], Counts: [1] }] }, 'InvalidParameterValueException', 'The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1 } }] }, 'MissingRequiredParameterException', 'The parameter MetricData.member.1.StatisticValues.Maximum is required.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, Unit: 'Parsecs' }] }, 'InvalidParameterValueException', 'The value Parsecs for parameter MetricData.member.1.Unit is invalid.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, StorageResolution: 5 }] }, 'InvalidParameterValueException', 'The value 5 for parameter MetricData.member.1.StorageResolution is invalid.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, Timestamp: s(T0 - 15 * 24 * 60 * MINUTE) }] }, 'InvalidParameterValueException', 'The parameter MetricData.member.1.Timestamp must specify a time no more than two weeks in the past.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, Timestamp: s(T0 + 3 * 60 * MINUTE) }] }, 'InvalidParameterValueException', 'The parameter MetricData.member.1.Timestamp must specify a time no more than two hours in the future.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: 1, Dimensions: [{ Name: 'a' }] }] }, 'MissingRequiredParameterException', 'The parameter MetricData.member.1.Dimensions.member.1.Value is required.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x' }] }, 'InvalidParameterCombinationException', 'One of the parameters MetricData.member.1.Value, MetricData.member.1.Values or MetricData.member.1.StatisticValues must be specified.'],
      [{ Namespace: 'Shop', MetricData: [{ MetricName: 'x'.repeat(256), Value: 1 }] }, 'ValidationError', "1 validation error detected: Value '" + 'x'.repeat(256) + "' at 'metricData.1.member.metricName' failed to satisfy constraint: Member must have length less than or equal to 255"],
    ];
    for (const [input, code, message] of cases) {
      await assert.rejects(cw().metricData.put(input), (err: unknown) => {
        assert.ok(err instanceof ServiceError, String(err));
        assert.equal(err.code, code, message);
        assert.equal(err.message, message);
        return true;
      });
    }
    assert.deepEqual((await cw().metrics.list({})).Metrics, [], 'nothing was written');
  });

  it("refuses bad GetMetricStatistics input with CloudWatch's codes", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ Statistics: ['Sum'], ExtendedStatistics: ['p99'] }, 'InvalidParameterCombinationException', /mutually exclusive/],
      [{}, 'InvalidParameterCombinationException', /Must specify either Statistics or ExtendedStatistics/],
      [{ Statistics: ['Sum'], Period: 45 }, 'InvalidParameterValueException', /Period must be 1, 5, 10, 20, 30 or a multiple of 60/],
      [{ Statistics: ['Sum'], StartTime: s(T0 + 30 * MINUTE) }, 'InvalidParameterValueException', /StartTime must be less than the parameter EndTime/],
      [{ Statistics: ['Sum'], Period: 1, StartTime: s(T0), EndTime: s(T0 + 25 * MINUTE) }, 'InvalidParameterCombinationException', /You have requested up to 1,500 datapoints, which exceeds the limit of 1,440/],
      [{ ExtendedStatistics: ['tm99'] }, 'InvalidParameterValueException', /tm99/],
      [{ Statistics: ['Median'] }, 'ValidationError', /Member must satisfy enum value set/],
    ];
    for (const [extra, code, message] of cases) {
      await assert.rejects(stats(extra), (err: unknown) => err instanceof ServiceError && err.code === code && message.test(err.message));
    }
    await assert.rejects(cw().statistics.get({ Namespace: 'Shop', StartTime: 1, EndTime: 2, Period: 60, Statistics: ['Sum'] }), {
      code: 'MissingRequiredParameterException',
      message: 'The parameter MetricName is required.',
    });
  });

  it('answers GetMetricData queries, newest first by default, a page at a time', async () => {
    await put([0, 1, 2, 3].map((i) => ({ MetricName: 'Orders', Value: i + 1, Timestamp: s(T0 + i * MINUTE) })));
    const query = (id: string, extra: Record<string, unknown> = {}) => ({ Id: id, MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Orders' }, Period: 60, Stat: 'Sum' }, ...extra });
    const base = { StartTime: s(T0), EndTime: s(T0 + 10 * MINUTE) };
    const all = await cw().data.get({ ...base, MetricDataQueries: [query('a'), query('hidden', { ReturnData: false }), query('b', { Label: 'orders' })] });
    assert.deepEqual(all.MetricDataResults.map((r) => [r.Id, r.Label, r.Values, r.StatusCode]), [
      ['a', 'Orders', [4, 3, 2, 1], 'Complete'],
      ['b', 'orders', [4, 3, 2, 1], 'Complete'],
    ]);
    assert.equal(all.MetricDataResults[0]!.Timestamps[0]!.getTime(), T0 + 3 * MINUTE);
    const ascending = await cw().data.get({ ...base, ScanBy: 'TimestampAscending', MetricDataQueries: [query('a')] });
    assert.deepEqual(ascending.MetricDataResults[0]!.Values, [1, 2, 3, 4]);

    const first = await cw().data.get({ ...base, MaxDatapoints: 3, MetricDataQueries: [query('a'), query('b')] });
    assert.deepEqual(first.MetricDataResults.map((r) => [r.Values, r.StatusCode]), [[[4, 3, 2], 'PartialData'], [[], 'PartialData']]);
    const second = await cw().data.get({ ...base, MaxDatapoints: 3, NextToken: first.NextToken, MetricDataQueries: [query('a'), query('b')] });
    assert.deepEqual(second.MetricDataResults.map((r) => r.Values), [[1], [4, 3]]);
    const third = await cw().data.get({ ...base, MaxDatapoints: 3, NextToken: second.NextToken, MetricDataQueries: [query('a'), query('b')] });
    assert.deepEqual(third.MetricDataResults.map((r) => r.Values), [[], [2, 1]]);
    assert.equal(third.NextToken, undefined);

    const refusals: [Record<string, unknown>[], RegExp][] = [
      [[{ Id: 'e', Expression: 'SUM(METRICS())' }], /Metric math is not supported by Mailroom yet: MetricDataQueries.member.1.Expression/],
      [[query('a'), query('a')], /Ids must be unique/],
      [[{ Id: 'x' }], /MetricDataQueries.member.1.MetricStat is required/],
      [[query('a', { MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Orders' }, Period: 60, Stat: 'IQM' } })], /IQM .* is not supported/],
      [[query('Bad')], /at 'metricDataQueries.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern/],
    ];
    for (const [queries, message] of refusals) {
      await assert.rejects(cw().data.get({ ...base, MetricDataQueries: queries }), (err: unknown) => err instanceof ServiceError && err.code === 'ValidationError' && message.test(err.message));
    }
    await assert.rejects(cw().data.get({ ...base, NextToken: 'nope', MetricDataQueries: [query('a')] }), { code: 'InvalidNextToken' });
  });

  it('lists metrics with data, filtered, 500 a page', async () => {
    await put(Array.from({ length: 501 }, (_, i) => ({ MetricName: `m${String(i).padStart(3, '0')}`, Value: 1, Timestamp: s(T0) })), 'Bulk');
    await put([
      { MetricName: 'Orders', Value: 1, Dimensions: [{ Name: 'Store', Value: 'A' }, { Name: 'Region', Value: 'eu' }] },
      { MetricName: 'Orders', Value: 1, Dimensions: [{ Name: 'Store', Value: 'B' }] },
      { MetricName: 'Refunds', Value: 1, Timestamp: s(T0 - 20 * MINUTE) },
    ]);
    const page1 = await cw().metrics.list({ Namespace: 'Bulk' });
    assert.equal(page1.Metrics.length, 500);
    const page2 = await cw().metrics.list({ Namespace: 'Bulk', NextToken: page1.NextToken });
    assert.deepEqual(page2.Metrics.map((m) => m.MetricName), ['m500']);
    assert.equal(page2.NextToken, undefined);
    const orders = await cw().metrics.list({ Namespace: 'Shop', MetricName: 'Orders', Dimensions: [{ Name: 'Store' }] });
    assert.deepEqual(orders.Metrics.map((m) => m.Dimensions), [
      [{ Name: 'Region', Value: 'eu' }, { Name: 'Store', Value: 'A' }],
      [{ Name: 'Store', Value: 'B' }],
    ]);
    const storeA = await cw().metrics.list({ Namespace: 'Shop', Dimensions: [{ Name: 'Store', Value: 'A' }] });
    assert.equal(storeA.Metrics.length, 1);
    clock.advance(3 * 60 * MINUTE);
    assert.deepEqual((await cw().metrics.list({ Namespace: 'Shop', RecentlyActive: 'PT3H' })).Metrics.map((m) => m.MetricName), ['Orders', 'Orders']);
    assert.equal((await cw().metrics.list({ Namespace: 'Shop' })).Metrics.length, 3);
    await assert.rejects(cw().metrics.list({ NextToken: 'garbage' }), { code: 'InvalidParameterValueException' });
  });
});
