/**
 * SNS end to end with @aws-sdk/client-sns v3 (the query protocol) against a real `mailroom serve` process (real
 * time): topics with attributes and tags, an HTTP subscriber that confirms by visiting the SubscribeURL and then
 * receives signed notifications, an SQS subscriber with RawMessageDelivery read back with @aws-sdk/client-sqs,
 * PublishBatch, and bad input — each with SNS's exception class as the SDK raises it against AWS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTagsForResourceCommand,
  ListTopicsCommand,
  PublishBatchCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { verifySignature } from '../topics/helpers.js';

const REGION = 'eu-west-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

describe('SNS over @aws-sdk/client-sns', () => {
  let server: ServerProcess;
  let sink: HttpSink;
  let sns: SNSClient;
  let sqs: SQSClient;

  before(async () => {
    server = await startServerProcess();
    sink = await startSink();
    sns = new SNSClient({ endpoint: server.url, region: REGION, credentials });
    sqs = new SQSClient({ endpoint: server.url, region: REGION, credentials });
  });
  after(async () => {
    sns.destroy();
    sqs.destroy();
    await sink.close();
    await server.stop();
    removeDir(server.dataDir);
  });

  async function sdkError(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
    await assert.rejects(promise, (err: Error) => {
      assert.equal(err.name, name, err.message);
      if (message) assert.match(err.message, message);
      return true;
    });
  }

  it('creates topics with attributes and tags, and lists them', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'sdk-orders', Attributes: { DisplayName: 'Orders', KmsMasterKeyId: 'alias/aws/sns' }, Tags: [{ Key: 'team', Value: 'shop' }] }));
    assert.equal(TopicArn, `arn:aws:sns:${REGION}:000000000000:sdk-orders`);
    const { Attributes } = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
    assert.equal(Attributes?.DisplayName, 'Orders');
    assert.equal(Attributes?.KmsMasterKeyId, 'alias/aws/sns');
    assert.equal(Attributes?.SubscriptionsConfirmed, '0');
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    assert.ok(Topics?.some((t) => t.TopicArn === TopicArn));
    assert.deepEqual((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags, [{ Key: 'team', Value: 'shop' }]);
  });

  it('confirms an HTTP subscriber through the SubscribeURL and delivers signed notifications to it', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'sdk-alerts' }));
    const confirmation = sink.nextRequest();
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: `${sink.url}/sns` }));
    assert.equal(SubscriptionArn, 'pending confirmation');
    const doc = JSON.parse((await confirmation).body) as Record<string, string>;
    assert.ok(await verifySignature(doc));
    assert.equal((await fetch(doc.SubscribeURL!)).status, 200);
    const { Subscriptions } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    const arn = Subscriptions?.[0]?.SubscriptionArn;
    assert.ok(arn?.startsWith(`${TopicArn}:`), JSON.stringify(Subscriptions));

    const notification = sink.nextRequest();
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn, Message: 'disk full', Subject: 'Alarm', MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' }, level: { DataType: 'Number', StringValue: '3' } } }),
    );
    const request = await notification;
    assert.equal(request.headers['x-amz-sns-message-id'], MessageId);
    const body = JSON.parse(request.body) as Record<string, unknown>;
    assert.equal(body.Message, 'disk full');
    assert.deepEqual(body.MessageAttributes, { severity: { Type: 'String', Value: 'high' }, level: { Type: 'Number', Value: '3' } });
    assert.ok(await verifySignature(body as Record<string, string>));
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
    await sdkError(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn })), 'NotFoundException', /Subscription does not exist/);
  });

  it('puts raw messages with their attributes on a subscribed queue, and batches', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'sdk-raw' }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'sdk-raw-inbox' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn, ReturnSubscriptionArn: true }));
    await sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn, AttributeName: 'RawMessageDelivery', AttributeValue: 'true' }));
    await sns.send(new PublishCommand({ TopicArn, Message: '{"order":1}', MessageAttributes: { blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) } } }));
    const batch = await sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: [{ Id: 'a', Message: 'two' }, { Id: 'b', Message: 'three' }] }));
    assert.deepEqual(batch.Successful?.map((e) => e.Id), ['a', 'b']);
    assert.deepEqual(batch.Failed ?? [], []);
    const bodies: string[] = [];
    let blob: Uint8Array | undefined;
    for (let tries = 0; bodies.length < 3 && tries < 20; tries++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
      for (const m of Messages) {
        bodies.push(m.Body!);
        blob ??= m.MessageAttributes?.blob?.BinaryValue;
      }
    }
    assert.deepEqual(bodies.sort(), ['three', 'two', '{"order":1}']);
    assert.deepEqual([...(blob ?? [])], [1, 2, 3]);
  });

  it('answers bad input with SNS\'s exceptions', async () => {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'sdk-bad' }));
    await sdkError(sns.send(new PublishCommand({ TopicArn: `arn:aws:sns:${REGION}:000000000000:missing`, Message: 'x' })), 'NotFoundException', /Topic does not exist/);
    await sdkError(sns.send(new SubscribeCommand({ TopicArn, Protocol: 'pigeon', Endpoint: 'x' })), 'InvalidParameterException', /does not support this protocol string: pigeon/);
    await sdkError(sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: 'ftp://example.com' })), 'InvalidParameterException', /Endpoint must match/);
    await sdkError(sns.send(new PublishCommand({ TopicArn, Message: 'x'.repeat(262_145) })), 'InvalidParameterException', /Message too long/);
    await sdkError(sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'ten' } } })), 'InvalidParameterValueException');
    const entries = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, Message: 'x' }));
    await sdkError(sns.send(new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: entries })), 'TooManyEntriesInBatchRequestException');
    await sdkError(sns.send(new ListTagsForResourceCommand({ ResourceArn: `arn:aws:sns:${REGION}:000000000000:missing` })), 'ResourceNotFoundException');
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
  });
});
