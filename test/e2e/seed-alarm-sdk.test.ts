/**
 * The seed's alarm built by hand, end to end with @aws-sdk v3 against a server process at --time-scale 120 with the
 * secure defaults off (--no-default-alarms), as the seed's author had to build it in AWS: a KMS-encrypted topic
 * with an HTTP subscriber that confirms through its SubscribeURL; PutMetricAlarm (over rpc-v2-cbor) exactly as the
 * seed's CDK makes it — ApproximateNumberOfMessagesVisible, Maximum, 5 minutes, 1 of 1, ≥ 1, notBreaching — with
 * the topic as its alarm and OK action; an event whose API is down lands in the encrypted dead-letter queue after
 * its retries; the subscriber gets the ALARM notification in CloudWatch's shape, signed; the queue is drained and
 * the alarm returns to OK, whose action fires too.
 *
 * Around it, the bad input the story meets: a subscriber that never confirms gets nothing but its confirmation; one
 * that is down gets SNS's retries (1 + 3, 20 s apart, the same message id) and then the notification goes to its
 * subscription's dead-letter queue; thresholds CloudWatch refuses. And with the defaults off, Mailroom made no
 * alerts topic and no alarm of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { CreateApiDestinationCommand, CreateConnectionCommand, CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { verifySignature } from '../topics/helpers.js';
import { confirmThroughSubscribeUrl, notifications, untilNotified } from './alarm-helpers.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const ALARM = 'EventHandlerDLQAlarm';

describe("the seed's alarm, built by hand", { timeout: 120_000 }, () => {
  let server: ServerProcess;
  /** Confirms, then answers 200. */
  let subscriber: HttpSink;
  /** Never confirms. */
  let stranger: HttpSink;
  /** Confirms, then is down: 503 to every notification. */
  let down: HttpSink;
  /** The third-party API of the seed, down too. */
  let api: HttpSink;
  let sns: SNSClient;
  let sqs: SQSClient;
  let cw: CloudWatchClient;
  let cwJson: CloudWatchClient;
  let events: EventBridgeClient;

  before(async () => {
    subscriber = await startSink();
    stranger = await startSink();
    down = await startSink((req, res) => {
      res.statusCode = req.headers['x-amz-sns-message-type'] === 'SubscriptionConfirmation' ? 200 : 503;
      res.end();
    });
    api = await startSink((_req, res) => {
      res.statusCode = 500;
      res.end('{"error":"down"}');
    });
    // 120×: a 5-minute period takes 2.5 s, and SNS's 15-second HTTP timeout stays longer (125 ms) than a loaded
    // machine's pauses; at 600× it is 25 ms, and a subscriber's answer can miss it.
    server = await startServerProcess({ timeScale: 120, args: ['--no-default-alarms'] });
    const common = { endpoint: server.url, region: REGION, credentials };
    sns = new SNSClient(common);
    sqs = new SQSClient(common);
    cw = new CloudWatchClient({ ...common, protocol: AwsSmithyRpcV2CborProtocol });
    cwJson = new CloudWatchClient(common);
    events = new EventBridgeClient(common);
  });
  after(async () => {
    for (const client of [sns, sqs, cw, cwJson, events]) client.destroy();
    await server.stop();
    for (const sink of [subscriber, stranger, down, api]) await sink.close();
    removeDir(server.dataDir);
  });

  const queueArn = async (QueueUrl: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

  /** Receives from `QueueUrl` until `count` messages came (long polls of 20 simulated seconds), deleting them. */
  async function drain(QueueUrl: string, count: number): Promise<Message[]> {
    const got: Message[] = [];
    for (let i = 0; i < 200 && got.length < count; i++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, MessageAttributeNames: ['All'] }));
      for (const m of Messages) {
        got.push(m);
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    return got;
  }

  it('notifies a KMS-encrypted topic\'s confirmed subscriber of ALARM and of OK, as CloudWatch does', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alarm-topic', Attributes: { DisplayName: 'alarmTopic', KmsMasterKeyId: 'alias/aws/sns' } }));
    assert.equal((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.KmsMasterKeyId, 'alias/aws/sns');
    await confirmThroughSubscribeUrl(subscriber, () => sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `${subscriber.url}/alarms` })));
    const pending = stranger.nextRequest();
    assert.equal((await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `${stranger.url}/alarms` }))).SubscriptionArn, 'pending confirmation');
    await pending;
    const alertsDlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'alerts-dlq' }))).QueueUrl!;
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: await queueArn(alertsDlqUrl) });
    await confirmThroughSubscribeUrl(down, () => sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `${down.url}/alarms`, Attributes: { RedrivePolicy } })));
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    assert.deepEqual(Subscriptions!.map((s) => s.SubscriptionArn === 'PendingConfirmation').sort(), [false, false, true]);

    // The seed's dead-letter queue: KMS-managed encryption, 14 days' retention.
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'event-handler-dlq', Attributes: { KmsMasterKeyId: 'alias/aws/sqs', MessageRetentionPeriod: '1209600' } }))).QueueUrl!;
    const dlqArn = await queueArn(dlqUrl);
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: ALARM,
        AlarmDescription: 'Queue depth alarm for DLQ.',
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: 'event-handler-dlq' }],
        Statistic: 'Maximum',
        Period: 300,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        ActionsEnabled: true,
        TreatMissingData: 'notBreaching',
        AlarmActions: [TopicArn!],
        OKActions: [TopicArn!],
      }),
    );
    // The first evaluation finds no data: not breaching, so OK — and OKActions run on that transition too.
    await untilNotified(subscriber, ALARM, 'INSUFFICIENT_DATA', 'OK');

    // The seed: an event whose third-party API is down, retried twice, then dead-lettered.
    await events.send(new CreateEventBusCommand({ Name: 'orders' }));
    const conn = await events.send(new CreateConnectionCommand({ Name: 'partner', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }));
    const dest = await events.send(new CreateApiDestinationCommand({ Name: 'partner-api', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${api.url}/register`, HttpMethod: 'POST' }));
    await events.send(new PutRuleCommand({ Name: 'item-sold', EventBusName: 'orders', EventPattern: JSON.stringify({ 'detail-type': ['Item Sold'] }) }));
    const target = { Id: 'on-event-handler', Arn: dest.ApiDestinationArn, RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: dlqArn } };
    assert.equal((await events.send(new PutTargetsCommand({ Rule: 'item-sold', EventBusName: 'orders', Targets: [target] }))).FailedEntryCount, 0);
    await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'orders', Source: 'shop', DetailType: 'Item Sold', Detail: '{"customer":"c-1"}' }] }));

    const alarmed = await untilNotified(subscriber, ALARM, 'OK', 'ALARM');
    assert.ok(api.requests.length >= 1, 'the API was called');
    assert.equal(alarmed.request.headers['x-amz-sns-topic-arn'], TopicArn);
    assert.equal(alarmed.doc.Subject, `ALARM: "${ALARM}" in US East (N. Virginia)`);
    assert.ok(await verifySignature(alarmed.doc), 'the notification is signed');
    const m = alarmed.alarm;
    assert.deepEqual(Object.keys(m), [
      'AlarmName', 'AlarmDescription', 'AWSAccountId', 'AlarmConfigurationUpdatedTimestamp', 'NewStateValue', 'NewStateReason', 'StateChangeTime',
      'Region', 'AlarmArn', 'OldStateValue', 'OKActions', 'AlarmActions', 'InsufficientDataActions', 'Trigger',
    ]);
    assert.equal(m.AlarmDescription, 'Queue depth alarm for DLQ.');
    assert.equal(m.AWSAccountId, '000000000000');
    assert.equal(m.Region, 'US East (N. Virginia)');
    assert.equal(m.AlarmArn, `arn:aws:cloudwatch:${REGION}:000000000000:alarm:${ALARM}`);
    assert.match(m.NewStateReason, /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than or equal to the threshold \(1\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.$/);
    assert.match(m.StateChangeTime as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.deepEqual(m.Trigger, {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [{ value: 'event-handler-dlq', name: 'QueueName' }],
      Period: 300,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      EvaluateLowSampleCountPercentile: '',
    });
    assert.match(alarmed.doc.Message!, /"Threshold":1\.0,/, "the threshold as CloudWatch's Java writes it");

    // Someone looks at the dead letter and deals with it: the queue is empty again.
    const [letter] = await drain(dlqUrl, 1);
    // An attempt may still time out before the API has read the request: the dead letter counts the attempts.
    assert.equal(letter!.MessageAttributes?.EXHAUSTED_RETRY_CONDITION?.StringValue, 'MaximumRetryAttempts');
    assert.equal(letter!.MessageAttributes?.RETRY_ATTEMPTS?.StringValue, '2');
    await untilNotified(subscriber, ALARM, 'ALARM', 'OK');

    const { AlarmHistoryItems } = await cwJson.send(new DescribeAlarmHistoryCommand({ AlarmName: ALARM, HistoryItemType: 'Action', ScanBy: 'TimestampAscending' }));
    assert.deepEqual(AlarmHistoryItems!.map((h) => h.HistorySummary), Array(3).fill(`Successfully executed action ${TopicArn}`));

    // The subscriber that never confirmed got its confirmation (again, if an attempt timed out) and nothing else.
    assert.ok(stranger.requests.every((r) => r.headers['x-amz-sns-message-type'] === 'SubscriptionConfirmation'));

    // The one that is down: each notification tried 4 times with the same id (SNS's 3 retries, 20 s apart), then
    // put in its subscription's dead-letter queue with the reason. (The exact schedule is test/topics/http-delivery's.)
    const letters = await drain(alertsDlqUrl, 3);
    assert.deepEqual(letters.map((l) => (JSON.parse(l.Body!) as { NewStateValue: string }).NewStateValue).sort(), ['ALARM', 'OK', 'OK']);
    const alarmLetter = letters.find((l) => l.Body === alarmed.doc.Message)!;
    assert.ok(alarmLetter, 'the ALARM notification, as published, is the dead letter\'s body');
    assert.equal(alarmLetter.MessageAttributes?.TOPIC_ARN?.StringValue, TopicArn);
    assert.match(alarmLetter.MessageAttributes?.ERROR_MESSAGE?.StringValue ?? '', /503|No answer within/);
    assert.ok(letters.every((l) => l.MessageAttributes?.RETRY_ATTEMPTS?.StringValue === '3'));
    const ids = notifications(down).map((n) => n.request.headers['x-amz-sns-message-id']);
    assert.equal(new Set(ids).size, 3, 'three notifications, each with one id across its attempts');
    assert.ok(ids.length > 3 && ids.length <= 12, `${ids.length} attempts`);
  });

  it('made no alerts topic and no alarm of its own with --no-default-alarms', async () => {
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    assert.deepEqual(Topics!.map((t) => t.TopicArn!.split(':').pop()), ['alarm-topic']);
    const { MetricAlarms } = await cwJson.send(new DescribeAlarmsCommand({}));
    assert.deepEqual(MetricAlarms!.map((a) => a.AlarmName), [ALARM]);
  });

  it('refuses thresholds CloudWatch refuses, over rpc-v2-cbor and awsJson 1.0', async () => {
    const alarm = { AlarmName: 'bad', Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum' as const, Period: 300, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' as const };
    for (const client of [cw, cwJson]) {
      for (const [Threshold, message] of [
        [Number.NaN, /The value NaN for parameter Threshold is invalid/],
        [Number.POSITIVE_INFINITY, /The value Infinity for parameter Threshold is invalid/],
        [undefined, /Threshold must not be null/],
      ] as const) {
        await assert.rejects(client.send(new PutMetricAlarmCommand({ ...alarm, Threshold })), (err: Error & { Code?: string }) => {
          assert.equal(err.name, 'ValidationException', err.message);
          assert.equal(err.Code, 'ValidationError');
          assert.match(err.message, message);
          return true;
        });
      }
    }
  });
});
