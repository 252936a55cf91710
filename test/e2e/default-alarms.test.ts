/**
 * The seed's story with no alarm made by hand, end to end with @aws-sdk v3 against `mailroom serve --time-scale 120
 * --alerts-webhook URL`: the alerts topic exists from the start, encrypted, with the webhook subscribed; the seed's
 * target (an API destination that is down, two retries, a dead-letter queue) gets the default depth alarm on its
 * queue and the FailedInvocations alarm on its rule, listed by DescribeAlarms; an event lands in the queue and the
 * webhook — a plain HTTP endpoint that never confirms anything — is sent both ALARM notifications. The alarms are
 * ordinary ones: an edit survives the next PutTargets, and DeleteAlarms deletes one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { CreateApiDestinationCommand, CreateConnectionCommand, CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { untilNotified } from './alarm-helpers.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const ALERTS = `arn:aws:sns:${REGION}:000000000000:mailroom-alerts`;
const DLQ_ALARM = 'mailroom-dlq-depth-orders-dlq';
const FAILED_ALARM = 'mailroom-failed-invocations-orders/item-sold';

describe('secure defaults: the seed story with no alarm made by hand', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let webhook: HttpSink;
  let api: HttpSink;
  let cw: CloudWatchClient;
  let events: EventBridgeClient;
  let sns: SNSClient;
  let sqs: SQSClient;

  before(async () => {
    webhook = await startSink();
    api = await startSink((_req, res) => {
      res.statusCode = 500;
      res.end('{"error":"down"}');
    });
    // 120×: see seed-alarm-sdk.test.ts.
    server = await startServerProcess({ timeScale: 120, args: ['--alerts-webhook', `${webhook.url}/mailroom-alerts`] });
    const common = { endpoint: server.url, region: REGION, credentials };
    cw = new CloudWatchClient(common);
    events = new EventBridgeClient(common);
    sns = new SNSClient(common);
    sqs = new SQSClient(common);
  });
  after(async () => {
    for (const client of [cw, events, sns, sqs]) client.destroy();
    await server.stop();
    await webhook.close();
    await api.close();
    removeDir(server.dataDir);
  });

  const describeAlarms = async () => (await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms!;
  const byName = async (name: string) => (await describeAlarms()).find((a) => a.AlarmName === name);

  async function putSeedTarget(): Promise<void> {
    const out = await events.send(
      new PutTargetsCommand({
        Rule: 'item-sold',
        EventBusName: 'orders',
        Targets: [{ Id: 'third-party', Arn: apiArn, RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: `arn:aws:sqs:${REGION}:000000000000:orders-dlq` } }],
      }),
    );
    assert.equal(out.FailedEntryCount, 0);
  }
  let apiArn: string;

  it('has the alerts topic from the start, encrypted, with the webhook subscribed', async () => {
    assert.equal((await sns.send(new GetTopicAttributesCommand({ TopicArn: ALERTS }))).Attributes?.KmsMasterKeyId, 'alias/aws/sns');
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: ALERTS }));
    assert.equal(Subscriptions?.length, 1);
    assert.equal(Subscriptions![0]!.Endpoint, `${webhook.url}/mailroom-alerts`);
    assert.ok(Subscriptions![0]!.SubscriptionArn!.startsWith(`${ALERTS}:`), 'confirmed, without a handshake');
    assert.equal(webhook.requests.length, 0, 'no SubscriptionConfirmation was sent');
  });

  it('gives the seed\'s target a depth alarm on its dead-letter queue and a FailedInvocations alarm on its rule', async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'orders-dlq' }));
    await events.send(new CreateEventBusCommand({ Name: 'orders' }));
    const conn = await events.send(new CreateConnectionCommand({ Name: 'partner', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }));
    apiArn = (await events.send(new CreateApiDestinationCommand({ Name: 'partner-api', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${api.url}/register`, HttpMethod: 'POST' }))).ApiDestinationArn!;
    await events.send(new PutRuleCommand({ Name: 'item-sold', EventBusName: 'orders', EventPattern: JSON.stringify({ 'detail-type': ['Item Sold'] }) }));
    await putSeedTarget();

    const alarms = await describeAlarms();
    assert.deepEqual(alarms.map((a) => a.AlarmName), [DLQ_ALARM, FAILED_ALARM]);
    const pick = (a: MetricAlarm) => [a.Namespace, a.MetricName, a.Statistic, a.Period, a.EvaluationPeriods, a.Threshold, a.ComparisonOperator, a.TreatMissingData, a.AlarmActions];
    assert.deepEqual(pick(alarms[0]!), ['AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum', 300, 1, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching', [ALERTS]]);
    assert.deepEqual(alarms[0]!.Dimensions, [{ Name: 'QueueName', Value: 'orders-dlq' }]);
    assert.deepEqual(pick(alarms[1]!), ['AWS/Events', 'FailedInvocations', 'Sum', 300, 1, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching', [ALERTS]]);
    assert.deepEqual(alarms[1]!.Dimensions, [{ Name: 'EventBusName', Value: 'orders' }, { Name: 'RuleName', Value: 'item-sold' }]);
  });

  it('notifies the webhook when the event lands in the dead-letter queue', async () => {
    await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'orders', Source: 'shop', DetailType: 'Item Sold', Detail: '{"customer":"c-1"}' }] }));
    // From OK, or from INSUFFICIENT_DATA when the alarm's first evaluation already sees the period with the failure.
    const depth = await untilNotified(webhook, DLQ_ALARM, '*', 'ALARM');
    assert.equal(depth.request.url.pathname, '/mailroom-alerts');
    assert.equal(depth.request.headers['x-amz-sns-topic-arn'], ALERTS);
    assert.equal(depth.doc.Subject, `ALARM: "${DLQ_ALARM}" in US East (N. Virginia)`);
    assert.match(depth.alarm.AlarmDescription as string, /dead-letter queue orders-dlq/);
    assert.deepEqual(depth.alarm.Trigger.Dimensions, [{ value: 'orders-dlq', name: 'QueueName' }]);
    const failed = await untilNotified(webhook, FAILED_ALARM, '*', 'ALARM');
    assert.equal(failed.alarm.Trigger.MetricName, 'FailedInvocations');
    assert.equal(failed.alarm.Trigger.Statistic, 'SUM');
  });

  it('keeps an edit through the next PutTargets, and deletes a default alarm like any other', async () => {
    const alarm = (await byName(FAILED_ALARM))!;
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: FAILED_ALARM,
        Namespace: alarm.Namespace,
        MetricName: alarm.MetricName,
        Dimensions: alarm.Dimensions,
        Statistic: alarm.Statistic,
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: alarm.ComparisonOperator,
        TreatMissingData: alarm.TreatMissingData,
        AlarmActions: alarm.AlarmActions,
      }),
    );
    await putSeedTarget();
    const edited = (await byName(FAILED_ALARM))!;
    assert.deepEqual([edited.Period, edited.Threshold], [60, 5]);

    await cw.send(new DeleteAlarmsCommand({ AlarmNames: [DLQ_ALARM] }));
    assert.deepEqual((await describeAlarms()).map((a) => a.AlarmName), [FAILED_ALARM]);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: `${server.url}/000000000000/orders-dlq`, AttributeNames: ['ApproximateNumberOfMessages'] }));
    assert.equal(Attributes?.ApproximateNumberOfMessages, '1', 'the dead letter is still there for someone to handle');
  });
});
