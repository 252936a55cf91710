/**
 * Alarms in-process on a ManualClock with a real SQLite store: the INSUFFICIENT_DATA start, evaluation every
 * minute, actions only on transitions and only with ActionsEnabled, SetAlarmState, history, failed actions, the
 * exact alarm message, validation, a restart that keeps the state, and two evaluators sharing one database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ServiceError } from '../../src/errors.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { RecordingNotifier } from '../helpers/alarm-notifier.js';

const root = mkdtempSync(join(tmpdir(), 'mailroom-alarms-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const TOPIC_ALARM = 'arn:aws:sns:us-east-1:000000000000:on-call';
const TOPIC_OK = 'arn:aws:sns:us-east-1:000000000000:all-clear';

describe('CloudWatch alarms', () => {
  let clock: ManualClock;
  let notifier: RecordingNotifier;
  let mailroom: Mailroom;
  let dataDir: string;

  const open = (dir: string) => createMailroom({ dataDir: dir, clock, alarmNotifier: notifier, deliver: false });
  beforeEach(async () => {
    clock = new ManualClock(T0);
    notifier = new RecordingNotifier();
    dataDir = join(root, `d${++dirs}`);
    mailroom = await open(dataDir);
  });
  afterEach(() => mailroom.close());

  const cw = () => mailroom.cloudWatch;
  const ctx = () => mailroom.context();
  /** Moves the clock to `time` ten seconds at a time, letting each evaluation round finish. */
  async function advanceTo(time: number, ...mailrooms: Mailroom[]): Promise<void> {
    const all = mailrooms.length ? mailrooms : [mailroom];
    while (clock.now() < time) {
      clock.advance(Math.min(10_000, time - clock.now()));
      for (const m of all) await m.cloudWatch.evaluator.idle();
    }
  }
  const putAlarm = (extra: Record<string, unknown> = {}) =>
    cw().alarms.put(
      {
        AlarmName: 'errors-high',
        Namespace: 'App',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'Service', Value: 'checkout' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [TOPIC_ALARM],
        OKActions: [TOPIC_OK],
        ...extra,
      },
      ctx(),
    );
  const putErrors = (value: number, at = clock.now()) =>
    cw().metricData.put({ Namespace: 'App', MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'Service', Value: 'checkout' }], Value: value, Timestamp: at / 1000 }] });
  const describeOne = async (name = 'errors-high') => (await cw().alarms.describe({ AlarmNames: [name] })).MetricAlarms[0]!;
  const states = () => notifier.published.map((n) => `${n.newState}→${n.topicArn === TOPIC_ALARM ? 'on-call' : 'all-clear'}`);

  it('starts in INSUFFICIENT_DATA, then follows the metric, with actions on transitions only', async () => {
    await putAlarm();
    const created = await describeOne();
    assert.equal(created.StateValue, 'INSUFFICIENT_DATA');
    assert.equal(created.StateReason, 'Unchecked: Initial alarm creation');

    await putErrors(3);
    // 10:00:10 judges 09:59 (no data, not breaching) → OK; 10:01:10 judges 10:00 (3 errors) → ALARM.
    await advanceTo(T0 + 10_000);
    assert.equal((await describeOne()).StateValue, 'OK');
    await advanceTo(T0 + MINUTE + 10_000);
    const alarmed = await describeOne();
    assert.equal(alarmed.StateValue, 'ALARM');
    assert.equal(
      alarmed.StateReason,
      'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (01/01/26 10:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    // The 10:00 datapoint stays in the evaluation range (3 periods) for two more minutes: no new transition.
    await advanceTo(T0 + 3 * MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'ALARM');
    await advanceTo(T0 + 4 * MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'OK');
    assert.deepEqual(states(), ['OK→all-clear', 'ALARM→on-call', 'OK→all-clear']);

    const message = notifier.messages(TOPIC_ALARM)[0]!;
    assert.equal(message.OldStateValue, 'OK');
    assert.equal(message.NewStateValue, 'ALARM');
    assert.equal(message.StateChangeTime, '2026-01-01T10:01:10.000+0000');
    assert.equal(notifier.published[1]!.subject, 'ALARM: "errors-high" in US East (N. Virginia)');

    const { AlarmHistoryItems } = await cw().alarms.history({ AlarmName: 'errors-high', ScanBy: 'TimestampAscending' });
    assert.deepEqual(
      AlarmHistoryItems.map((h) => `${h.HistoryItemType}: ${h.HistorySummary}`),
      [
        'ConfigurationUpdate: Alarm "errors-high" created',
        'StateUpdate: Alarm updated from INSUFFICIENT_DATA to OK',
        `Action: Successfully executed action ${TOPIC_OK}`,
        'StateUpdate: Alarm updated from OK to ALARM',
        `Action: Successfully executed action ${TOPIC_ALARM}`,
        'StateUpdate: Alarm updated from ALARM to OK',
        `Action: Successfully executed action ${TOPIC_OK}`,
      ],
    );
    const stateUpdates = await cw().alarms.history({ AlarmName: 'errors-high', HistoryItemType: 'StateUpdate', MaxRecords: 2 });
    assert.equal(stateUpdates.AlarmHistoryItems.length, 2);
    assert.equal(stateUpdates.AlarmHistoryItems[0]!.HistorySummary, 'Alarm updated from ALARM to OK', 'newest first by default');
    const rest = await cw().alarms.history({ AlarmName: 'errors-high', HistoryItemType: 'StateUpdate', NextToken: stateUpdates.NextToken });
    assert.deepEqual(rest.AlarmHistoryItems.map((h) => h.HistorySummary), ['Alarm updated from INSUFFICIENT_DATA to OK']);
  });

  it('runs no actions while they are disabled', async () => {
    await putAlarm({ ActionsEnabled: false });
    await putErrors(5);
    await advanceTo(T0 + MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'ALARM');
    assert.deepEqual(notifier.published, []);
    await cw().alarms.enableActions({ AlarmNames: ['errors-high', 'not-there'] });
    assert.equal((await describeOne()).ActionsEnabled, true);
    await advanceTo(T0 + 4 * MINUTE + 10_000);
    assert.deepEqual(states(), ['OK→all-clear']);
    await cw().alarms.disableActions({ AlarmNames: ['errors-high'] });
    await putErrors(5);
    await advanceTo(T0 + 5 * MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'ALARM');
    assert.deepEqual(states(), ['OK→all-clear']);
  });

  it('sets the state with SetAlarmState until the next evaluation', async () => {
    await putAlarm();
    await advanceTo(T0 + 10_000);
    await cw().alarms.setState({ AlarmName: 'errors-high', StateValue: 'ALARM', StateReason: 'testing the pager', StateReasonData: '{"by":"test"}' });
    const set = await describeOne();
    assert.equal(set.StateValue, 'ALARM');
    assert.equal(set.StateReason, 'testing the pager');
    assert.equal(set.StateReasonData, '{"by":"test"}');
    assert.equal(notifier.messages(TOPIC_ALARM)[0]!.NewStateReason, 'testing the pager');
    // Setting the same state again changes nothing that has actions.
    await cw().alarms.setState({ AlarmName: 'errors-high', StateValue: 'ALARM', StateReason: 'still testing' });
    assert.equal(notifier.messages(TOPIC_ALARM).length, 1);
    await advanceTo(T0 + MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'OK');
    assert.deepEqual(states(), ['OK→all-clear', 'ALARM→on-call', 'OK→all-clear']);

    await assert.rejects(cw().alarms.setState({ AlarmName: 'errors-high', StateValue: 'OK', StateReason: 'x', StateReasonData: 'not json' }), { code: 'InvalidFormatFault' });
    await assert.rejects(cw().alarms.setState({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' }), { code: 'ResourceNotFound' });
  });

  it('records actions that fail, and does not perform non-SNS actions', async () => {
    notifier.missing.add(TOPIC_ALARM);
    await putAlarm({ AlarmActions: [TOPIC_ALARM, 'arn:aws:automate:us-east-1:ec2:stop'] });
    await putErrors(2);
    await advanceTo(T0 + MINUTE + 10_000);
    const { AlarmHistoryItems } = await cw().alarms.history({ AlarmName: 'errors-high', HistoryItemType: 'Action', ScanBy: 'TimestampAscending' });
    const summaries = AlarmHistoryItems.map((h) => h.HistorySummary).sort();
    assert.deepEqual(summaries, [
      'Failed to execute action arn:aws:automate:us-east-1:ec2:stop. Received error: "Mailroom does not perform automate actions"',
      `Failed to execute action ${TOPIC_ALARM}. Received error: "Topic does not exist: ${TOPIC_ALARM}"`,
      `Successfully executed action ${TOPIC_OK}`,
    ]);
  });

  it('publishes CloudWatch\'s alarm message exactly', async () => {
    await putAlarm({ AlarmDescription: 'Checkout errors', DatapointsToAlarm: 1, TreatMissingData: 'notBreaching' });
    await putErrors(1.5);
    await advanceTo(T0 + MINUTE + 10_000);
    const [alarmed] = notifier.published.filter((n) => n.newState === 'ALARM');
    assert.equal(
      alarmed!.message,
      '{"AlarmName":"errors-high","AlarmDescription":"Checkout errors","AWSAccountId":"000000000000",' +
        '"AlarmConfigurationUpdatedTimestamp":"2026-01-01T10:00:00.000+0000","NewStateValue":"ALARM",' +
        '"NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [1.5 (01/01/26 10:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",' +
        '"StateChangeTime":"2026-01-01T10:01:10.000+0000","Region":"US East (N. Virginia)",' +
        '"AlarmArn":"arn:aws:cloudwatch:us-east-1:000000000000:alarm:errors-high","OldStateValue":"OK",' +
        `"OKActions":["${TOPIC_OK}"],"AlarmActions":["${TOPIC_ALARM}"],"InsufficientDataActions":[],` +
        '"Trigger":{"MetricName":"Errors","Namespace":"App","StatisticType":"Statistic","Statistic":"SUM","Unit":null,' +
        '"Dimensions":[{"value":"checkout","name":"Service"}],"Period":60,"EvaluationPeriods":1,"DatapointsToAlarm":1,' +
        '"ComparisonOperator":"GreaterThanOrEqualToThreshold","Threshold":1.0,"TreatMissingData":"notBreaching","EvaluateLowSampleCountPercentile":""}}',
    );
  });

  it('evaluates percentile alarms where the distribution is known', async () => {
    await putAlarm({ Statistic: undefined, ExtendedStatistic: 'p90', Threshold: 100, ComparisonOperator: 'GreaterThanThreshold' });
    const values = Array.from({ length: 10 }, (_, i) => (i + 1) * 20);
    await cw().metricData.put({ Namespace: 'App', MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'Service', Value: 'checkout' }], Values: values }] });
    await advanceTo(T0 + MINUTE + 10_000);
    const alarm = await describeOne();
    assert.equal(alarm.StateValue, 'ALARM');
    assert.match(alarm.StateReason, /\[180\.0 \(01\/01\/26 10:00:00\)\] was greater than the threshold \(100\.0\)/);
  });

  it('keeps state and schedule across a restart', async () => {
    await putAlarm();
    await putErrors(4);
    await advanceTo(T0 + MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'ALARM');
    await mailroom.close();
    clock.advance(30_000);
    mailroom = await open(dataDir);
    const reopened = await describeOne();
    assert.equal(reopened.StateValue, 'ALARM');
    assert.equal(reopened.StateTransitionedTimestamp.getTime(), T0 + MINUTE + 10_000);
    await advanceTo(T0 + 4 * MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'OK');
    assert.deepEqual(states(), ['OK→all-clear', 'ALARM→on-call', 'OK→all-clear']);
  });

  it('carries on when a restarted process\'s clock is behind the last one\'s (a scaled clock restarted)', async () => {
    await putAlarm();
    await putErrors(4);
    await advanceTo(T0 + MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'ALARM');
    await mailroom.close();
    // Ten minutes behind: the alarm's next evaluation (10:02:10) is beyond this clock's horizon.
    clock = new ManualClock(T0 - 10 * MINUTE);
    mailroom = await open(dataDir);
    await advanceTo(T0 - 10 * MINUTE + 10_000);
    assert.equal((await describeOne()).StateValue, 'OK', 'evaluated at once, not when the clock catches up');
  });

  it('evaluates each alarm once per minute when two processes share the database', async () => {
    const second = await open(dataDir);
    try {
      for (let i = 0; i < 30; i++) await putAlarm({ AlarmName: `alarm-${String(i).padStart(2, '0')}`, OKActions: [] });
      await putErrors(7);
      await advanceTo(T0 + MINUTE + 10_000, mailroom, second);
      const { MetricAlarms } = await cw().alarms.describe({ MaxRecords: 100 });
      assert.equal(MetricAlarms.length, 30);
      assert.ok(MetricAlarms.every((a) => a.StateValue === 'ALARM'));
      // One ALARM notification per alarm, though both processes ran evaluators.
      assert.equal(notifier.published.length, 30);
      const { AlarmHistoryItems } = await cw().alarms.history({ HistoryItemType: 'StateUpdate', MaxRecords: 100 });
      assert.equal(AlarmHistoryItems.length, 60, 'INSUFFICIENT_DATA → OK, then OK → ALARM, once each');
    } finally {
      await second.close();
    }
  });

  it("refuses alarms CloudWatch refuses, with ValidationError", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ Period: 45 }, /Period must be 10, 20, 30 or a multiple of 60/],
      [{ DatapointsToAlarm: 2 }, /DatapointsToAlarm \(2\) must be less than or equal to EvaluationPeriods \(1\)/],
      [{ TreatMissingData: 'sometimes' }, /TreatMissingData is invalid/],
      [{ ExtendedStatistic: 'p99' }, /Exactly one of Statistic and ExtendedStatistic/],
      [{ Metrics: [{ Id: 'm1', Expression: 'a+b' }] }, /metric math/],
      [{ ComparisonOperator: 'GreaterThanUpperThreshold' }, /metric math/],
      [{ ComparisonOperator: 'Bigger' }, /Value 'Bigger' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set/],
      [{ EvaluationPeriods: undefined }, /Value null at 'evaluationPeriods' failed to satisfy constraint: Member must not be null/],
      [{ AlarmActions: ['arn:aws:sns:eu-west-1:000000000000:elsewhere'] }, /Invalid region eu-west-1 specified. Only us-east-1 is supported./],
      [{ AlarmActions: ['notBreaching'] }, /Invalid arn syntax: notBreaching/],
      [{ Period: 3600, EvaluationPeriods: 200 }, /must not exceed 604800 seconds/],
      [{ Threshold: undefined }, /Threshold must not be null/],
      [{ Threshold: 'NaN' }, /The value NaN for parameter Threshold is invalid/],
      [{ Threshold: 'Infinity' }, /The value Infinity for parameter Threshold is invalid/],
      [{ Period: 0 }, /Value '0' at 'period' failed to satisfy constraint: Member must have value greater than or equal to 1/],
    ];
    for (const [extra, message] of cases) {
      await assert.rejects(putAlarm(extra), (err: unknown) => {
        assert.ok(err instanceof ServiceError, String(err));
        assert.equal(err.code, 'ValidationError', JSON.stringify(extra));
        assert.match(err.message, message);
        return true;
      });
    }
    assert.deepEqual((await cw().alarms.describe({})).MetricAlarms, []);
    await assert.rejects(cw().alarms.delete({ AlarmNames: ['missing-one'] }), { code: 'ResourceNotFound' });
    await assert.rejects(cw().alarms.describe({ NextToken: 'not-a-token' }), { code: 'InvalidNextToken' });
  });

  it('lists alarms by prefix, state, action and metric, a page at a time', async () => {
    for (const name of ['db-a', 'db-b', 'web-a']) await putAlarm({ AlarmName: name, AlarmActions: name === 'web-a' ? ['arn:aws:sns:us-east-1:000000000000:web'] : [] });
    await putAlarm({ AlarmName: 'other-metric', MetricName: 'Latency' });
    const first = await cw().alarms.describe({ AlarmNamePrefix: 'db-', MaxRecords: 1 });
    assert.deepEqual(first.MetricAlarms.map((a) => a.AlarmName), ['db-a']);
    const second = await cw().alarms.describe({ AlarmNamePrefix: 'db-', MaxRecords: 1, NextToken: first.NextToken });
    assert.deepEqual(second.MetricAlarms.map((a) => a.AlarmName), ['db-b']);
    assert.equal(second.NextToken, undefined);
    assert.deepEqual((await cw().alarms.describe({ ActionPrefix: 'arn:aws:sns:us-east-1:000000000000:we' })).MetricAlarms.map((a) => a.AlarmName), ['web-a']);
    assert.deepEqual((await cw().alarms.describe({ StateValue: 'ALARM' })).MetricAlarms, []);
    const forMetric = await cw().alarms.describeForMetric({ Namespace: 'App', MetricName: 'Errors', Dimensions: [{ Name: 'Service', Value: 'checkout' }] });
    assert.deepEqual(forMetric.MetricAlarms.map((a) => a.AlarmName), ['db-a', 'db-b', 'web-a']);
    await cw().alarms.delete({ AlarmNames: ['db-a', 'db-b'] });
    assert.deepEqual((await cw().alarms.describe({})).MetricAlarms.map((a) => a.AlarmName), ['other-metric', 'web-a']);
  });
});
