/**
 * The secure defaults in-process, on a real SQLite store: the alerts topic made at start (once, by every process
 * safely) with the operator's endpoints subscribed pre-confirmed; a depth alarm for every queue named as a
 * dead-letter queue (a target's DeadLetterConfig, a queue's RedrivePolicy, a subscription's RedrivePolicy), a
 * FailedInvocations alarm for rules with a target that retries; a user's edits and deletions kept; other regions;
 * alerts mailed to the operator's address; and nothing at all when the defaults are off. The end-to-end story is in test/e2e/default-alarms.test.ts.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { createMailroom, type Mailroom, type MailroomOptions } from '../../src/mailroom.js';
import { failedInvocationsAlarm } from '../../src/monitoring/defaults/default-alarms.js';
import { startServer } from '../../src/server/index.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

const ACCOUNT = '000000000000';
const ALERTS = `arn:aws:sns:us-east-1:${ACCOUNT}:mailroom-alerts`;
const root = tempDataDir('mailroom-defaults-');
after(() => removeDir(root));
let dirs = 0;

describe('secure defaults', () => {
  const open: Mailroom[] = [];
  afterEach(async () => {
    for (const m of open.splice(0)) await m.close();
  });

  async function start(options: Partial<MailroomOptions> = {}, dataDir = `${root}/d${++dirs}`): Promise<Mailroom> {
    const m = await createMailroom({ dataDir, clock: new ManualClock(Date.UTC(2026, 0, 1)), deliver: false, evaluateAlarms: false, defaultAlarms: true, ...options });
    open.push(m);
    return m;
  }
  const alarmNames = async (m: Mailroom) => (await m.cloudWatch.alarms.describe({})).MetricAlarms.map((a) => a.AlarmName);
  const queueArn = (name: string, region = 'us-east-1') => `arn:aws:sqs:${region}:${ACCOUNT}:${name}`;

  async function ruleWithTargets(m: Mailroom, rule: string, targets: object[]) {
    await m.eventBridge.rules.put({ Name: rule, EventPattern: '{"source":["shop"]}' }, m.context());
    const out = await m.eventBridge.targets.put({ Rule: rule, Targets: targets });
    assert.equal(out.FailedEntryCount, 0, JSON.stringify(out));
  }

  it('makes the alerts topic at start, encrypted, with the operator\'s endpoints subscribed pre-confirmed, once across restarts and processes', async () => {
    const dataDir = `${root}/d${++dirs}`;
    const alerts = { webhook: 'https://hooks.example.com/mailroom' };
    // Two processes on one database, started together, then one restarted.
    const [a, b] = await Promise.all([start({ alerts }, dataDir), start({ alerts }, dataDir)]);
    await a!.close();
    await start({ alerts }, dataDir);
    const ctx = b!.context();
    assert.deepEqual((await b!.sns.topics.list({}, ctx)).Topics, [{ TopicArn: ALERTS }]);
    const { Attributes } = await b!.sns.topics.getAttributes({ TopicArn: ALERTS }, ctx);
    assert.equal(Attributes.KmsMasterKeyId, 'alias/aws/sns');
    assert.equal(Attributes.DisplayName, 'Mailroom alerts');
    const { Subscriptions } = await b!.sns.subscriptions.listByTopic({ TopicArn: ALERTS }, ctx);
    assert.equal(Subscriptions.length, 1);
    assert.equal(Subscriptions[0]!.Protocol, 'https');
    assert.equal(Subscriptions[0]!.Endpoint, alerts.webhook);
    const sub = await b!.sns.subscriptions.getAttributes({ SubscriptionArn: Subscriptions[0]!.SubscriptionArn }, ctx);
    assert.equal(sub.Attributes.PendingConfirmation, 'false');
    // Only a signed Unsubscribe removes it, not a click on a notification's UnsubscribeURL.
    assert.equal(sub.Attributes.ConfirmationWasAuthenticated, 'true');
  });

  it('confirms a pending subscription of the same endpoint, made by hand before', async () => {
    const dataDir = `${root}/d${++dirs}`;
    const first = await start({}, dataDir);
    const ctx = first.context();
    await first.sns.subscriptions.subscribe({ TopicArn: ALERTS, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/hook' }, ctx);
    await first.close();
    const second = await start({ alerts: { webhook: 'http://127.0.0.1:9/hook' } }, dataDir);
    const { Subscriptions } = await second.sns.subscriptions.listByTopic({ TopicArn: ALERTS }, ctx);
    assert.equal(Subscriptions.length, 1);
    assert.notEqual(Subscriptions[0]!.SubscriptionArn, 'PendingConfirmation');
  });

  it('gives every dead-letter queue the seed\'s depth alarm: a target\'s, a queue\'s RedrivePolicy, a subscription\'s', async () => {
    const m = await start();
    const ctx = m.context();
    for (const name of ['target-dlq', 'redrive-dlq', 'later-dlq', 'sns-dlq', 'source', 'inbox']) await m.sqs.queues.create({ QueueName: name }, ctx);
    await ruleWithTargets(m, 'sold', [{ Id: 'q', Arn: queueArn('inbox'), RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: queueArn('target-dlq') } }]);
    await m.sqs.queues.create({ QueueName: 'with-redrive', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('redrive-dlq'), maxReceiveCount: 3 }) } }, ctx);
    await m.sqs.queues.setAttributes({ QueueUrl: 'source', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('later-dlq'), maxReceiveCount: 3 }) } });
    const { TopicArn } = await m.sns.topics.create({ Name: 'orders' }, ctx);
    await m.sns.subscriptions.subscribe({ TopicArn, Protocol: 'sqs', Endpoint: queueArn('inbox'), Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('sns-dlq') }) } }, ctx);
    assert.deepEqual(await alarmNames(m), ['mailroom-dlq-depth-later-dlq', 'mailroom-dlq-depth-redrive-dlq', 'mailroom-dlq-depth-sns-dlq', 'mailroom-dlq-depth-target-dlq']);

    const [alarm] = (await m.cloudWatch.alarms.describe({ AlarmNames: ['mailroom-dlq-depth-target-dlq'] })).MetricAlarms;
    const { AlarmName, Namespace, MetricName, Dimensions, Statistic, Period, EvaluationPeriods, DatapointsToAlarm, Threshold, ComparisonOperator, TreatMissingData, ActionsEnabled, AlarmActions, OKActions, AlarmArn, StateValue } = alarm!;
    assert.deepEqual(
      { AlarmName, Namespace, MetricName, Dimensions, Statistic, Period, EvaluationPeriods, DatapointsToAlarm, Threshold, ComparisonOperator, TreatMissingData, ActionsEnabled, AlarmActions, OKActions, AlarmArn, StateValue },
      {
        AlarmName: 'mailroom-dlq-depth-target-dlq',
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: 'target-dlq' }],
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        ActionsEnabled: true,
        AlarmActions: [ALERTS],
        OKActions: [],
        AlarmArn: `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:mailroom-dlq-depth-target-dlq`,
        StateValue: 'INSUFFICIENT_DATA',
      },
    );
  });

  it('gives a rule with a target that retries a FailedInvocations alarm on its bus and rule, and not one whose targets do not retry', async () => {
    const m = await start();
    await m.eventBridge.buses.create({ Name: 'orders' }, m.context());
    await m.eventBridge.rules.put({ Name: 'placed', EventBusName: 'orders', EventPattern: '{"source":["shop"]}' }, m.context());
    await m.eventBridge.targets.put({ Rule: 'placed', EventBusName: 'orders', Targets: [{ Id: 'a', Arn: queueArn('inbox') }, { Id: 'b', Arn: queueArn('other'), RetryPolicy: { MaximumRetryAttempts: 3 } }] });
    await ruleWithTargets(m, 'no-retries', [{ Id: 'q', Arn: queueArn('inbox'), RetryPolicy: { MaximumRetryAttempts: 0 } }]);
    assert.deepEqual(await alarmNames(m), ['mailroom-failed-invocations-orders/placed']);
    const [alarm] = (await m.cloudWatch.alarms.describe({})).MetricAlarms;
    assert.equal(alarm!.Namespace, 'AWS/Events');
    assert.equal(alarm!.MetricName, 'FailedInvocations');
    assert.equal(alarm!.Statistic, 'Sum');
    assert.deepEqual(alarm!.Dimensions, [{ Name: 'EventBusName', Value: 'orders' }, { Name: 'RuleName', Value: 'placed' }]);
    assert.deepEqual(alarm!.AlarmActions, [ALERTS]);
  });

  it('keeps a user\'s edits, and a deletion until the queue is named again; deleting the queue leaves the alarm', async () => {
    const m = await start();
    const ctx = m.context();
    await m.sqs.queues.create({ QueueName: 'dlq' }, ctx);
    const target = { Id: 'q', Arn: queueArn('inbox'), RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: queueArn('dlq') } };
    await ruleWithTargets(m, 'sold', [target]);
    const [made] = (await m.cloudWatch.alarms.describe({})).MetricAlarms;
    await m.cloudWatch.alarms.put({ ...made, Threshold: 10, AlarmActions: [], StateValue: undefined }, ctx);
    await ruleWithTargets(m, 'sold', [target]);
    assert.equal((await m.cloudWatch.alarms.describe({})).MetricAlarms[0]!.Threshold, 10, 'the edit is kept');

    await m.cloudWatch.alarms.delete({ AlarmNames: ['mailroom-dlq-depth-dlq'] });
    await m.eventBridge.targets.put({ Rule: 'sold', Targets: [{ Id: 'other', Arn: queueArn('inbox'), RetryPolicy: { MaximumRetryAttempts: 0 } }] });
    assert.deepEqual(await alarmNames(m), [], 'stays deleted while nothing names the queue');
    await ruleWithTargets(m, 'sold', [target]);
    assert.deepEqual(await alarmNames(m), ['mailroom-dlq-depth-dlq'], 'named again, made again');
    await m.sqs.queues.delete({ QueueUrl: 'dlq' });
    assert.deepEqual(await alarmNames(m), ['mailroom-dlq-depth-dlq']);
  });

  it('notifies the alerts topic of the alarm\'s own region', async () => {
    const m = await start();
    const ctx = { ...m.context(), region: 'eu-west-1' };
    await m.sqs.queues.create({ QueueName: 'dlq' }, ctx);
    await m.sqs.queues.create({ QueueName: 'source', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('dlq', 'eu-west-1'), maxReceiveCount: 1 }) } }, ctx);
    const [alarm] = (await m.cloudWatch.alarms.describe({})).MetricAlarms;
    assert.equal(alarm!.AlarmArn, `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:mailroom-dlq-depth-dlq`);
    assert.deepEqual(alarm!.AlarmActions, [`arn:aws:sns:eu-west-1:${ACCOUNT}:mailroom-alerts`]);
    assert.deepEqual((await m.sns.topics.list({}, ctx)).Topics, [{ TopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:mailroom-alerts` }]);
  });

  it('makes nothing when off (the library\'s default), and only the alerts topic when an endpoint is configured', async () => {
    const off = await start({ defaultAlarms: undefined });
    await off.sqs.queues.create({ QueueName: 'dlq' }, off.context());
    await ruleWithTargets(off, 'sold', [{ Id: 'q', Arn: queueArn('inbox'), DeadLetterConfig: { Arn: queueArn('dlq') } }]);
    assert.deepEqual(await alarmNames(off), []);
    assert.deepEqual((await off.sns.topics.list({}, off.context())).Topics, []);

    const endpointOnly = await start({ defaultAlarms: false, alerts: { webhook: 'http://127.0.0.1:9/hook' } });
    await ruleWithTargets(endpointOnly, 'sold', [{ Id: 'q', Arn: queueArn('inbox'), DeadLetterConfig: { Arn: queueArn('dlq') } }]);
    assert.deepEqual(await alarmNames(endpointOnly), []);
    assert.deepEqual((await endpointOnly.sns.topics.list({}, endpointOnly.context())).Topics, [{ TopicArn: ALERTS }]);
  });

  it('mails the alerts to the operator\'s address, subscribed without a confirmation mail', async () => {
    const smtp = await startSmtpSink();
    const dataDir = `${root}/d${++dirs}`;
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const smtpConfig = { host: '127.0.0.1', port: smtp.port, from: 'alerts@mailroom.test' };
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, timeScale: 1, logger: pino({ level: 'silent' }), clock, smtp: smtpConfig, defaultAlarms: true, alertsEmail: 'oncall@example.com' });
    try {
      const m = server.mailroom;
      await m.sqs.queues.create({ QueueName: 'dlq' }, m.context());
      await m.sqs.queues.create({ QueueName: 'source', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('dlq'), maxReceiveCount: 1 }) } }, m.context());
      const mailed = smtp.nextMessage();
      // CloudWatch's way of trying an alarm's actions.
      await m.cloudWatch.alarms.setState({ AlarmName: 'mailroom-dlq-depth-dlq', StateValue: 'ALARM', StateReason: 'trying the alerts' });
      const mail = await mailed;
      assert.deepEqual(mail.to, ['oncall@example.com']);
      assert.equal(mail.headers.from, 'Mailroom alerts <alerts@mailroom.test>');
      assert.equal(mail.headers.subject, 'ALARM: "mailroom-dlq-depth-dlq" in US East (N. Virginia)');
      assert.match(mail.text, /"AlarmName":"mailroom-dlq-depth-dlq".*"NewStateValue":"ALARM","NewStateReason":"trying the alerts"/);
      assert.equal(smtp.messages.length, 1, 'no confirmation mail came first');
    } finally {
      await server.close();
      await smtp.close();
    }
  });

  it('refuses to start with an alerts email but no SMTP server, and leaves the store closed', async () => {
    const dataDir = `${root}/d${++dirs}`;
    await assert.rejects(start({ alerts: { email: 'ops@example.com' } }, dataDir), /email delivery needs an SMTP server/);
    await start({}, dataDir);
  });

  it('names a rule\'s alarm within CloudWatch\'s 255 characters, predictably', () => {
    const long = failedInvocationsAlarm(`arn:aws:events:us-east-1:${ACCOUNT}:rule/x/r`, 'b'.repeat(256), 'r').input.AlarmName;
    assert.equal(long.length, 255);
    assert.match(long, /^mailroom-failed-invocations-b+~[0-9a-f]{12}$/);
    assert.equal(failedInvocationsAlarm(`arn:aws:events:us-east-1:${ACCOUNT}:rule/x/r`, 'b'.repeat(256), 'r').input.AlarmName, long);
  });
});
