/**
 * SNS's sqs and lambda subscriptions, in-process on a real server (ManualClock): both are confirmed at once (same
 * account); an sqs subscriber's queue receives SNS's signed JSON document — or, with RawMessageDelivery, the
 * message with its attributes as SQS message attributes — through the same internal send as EventBridge's SQS
 * targets; a function is invoked asynchronously with SNS's Lambda event. A queue that is gone is a client-side
 * error: no retry, and the subscription's RedrivePolicy queue gets the message.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { metric, quiet, startSnsServer, verifySignature, type SnsServer } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('SNS sqs and lambda subscriptions', () => {
  let s: SnsServer;

  beforeEach(async () => {
    s = await startSnsServer({ functionsBaseDir: FIXTURES });
  });
  afterEach(async () => {
    await s.close();
  });

  const ctx = () => s.mailroom.context();
  const sns = () => s.mailroom.sns;

  async function createQueue(name: string): Promise<string> {
    return (await s.mailroom.sqs.queues.create({ QueueName: name }, ctx())).QueueUrl;
  }

  async function receive(url: string) {
    const { Messages = [] } = await s.mailroom.sqs.receiver.receive({ QueueUrl: url, WaitTimeSeconds: 0, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] });
    return Messages;
  }

  async function setUp(attributes?: Record<string, string>) {
    const topicArn = (await sns().topics.create({ Name: 'orders' }, ctx())).TopicArn;
    const url = await createQueue('orders-queue');
    const { SubscriptionArn } = await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn('orders-queue'), ...(attributes && { Attributes: attributes }) }, ctx());
    assert.ok(SubscriptionArn.startsWith(`${topicArn}:`), 'an sqs subscription is confirmed at once');
    return { topicArn, url, subscriptionArn: SubscriptionArn };
  }

  it('puts SNS\'s signed JSON document on a subscribed queue', async () => {
    const { topicArn, url, subscriptionArn } = await setUp();
    const messageId = await sns().publish(topicArn, 'order 42 placed', 'Order');
    await quiet(s.mailroom);
    const [message, ...rest] = await receive(url);
    assert.equal(rest.length, 0);
    const doc = JSON.parse(message!.Body) as Record<string, string>;
    assert.equal(doc.Type, 'Notification');
    assert.equal(doc.MessageId, messageId);
    assert.equal(doc.TopicArn, topicArn);
    assert.equal(doc.Subject, 'Order');
    assert.equal(doc.Message, 'order 42 placed');
    assert.equal(doc.UnsubscribeURL, `${s.server.url}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`);
    assert.ok(await verifySignature(doc));
    assert.equal(await metric(s.mailroom, 'AWS/SNS', 'NumberOfNotificationsDelivered', 'orders'), 1);
  });

  it('puts the raw message with its attributes on the queue with RawMessageDelivery', async () => {
    const { topicArn, url } = await setUp({ RawMessageDelivery: 'true' });
    await sns().publisher.publish(
      { TopicArn: topicArn, Message: '{"order":42}', MessageAttributes: { kind: { DataType: 'String', StringValue: 'placed' }, amount: { DataType: 'Number', StringValue: '12.5' } } },
      ctx(),
    );
    await quiet(s.mailroom);
    const [message] = await receive(url);
    assert.equal(message!.Body, '{"order":42}');
    assert.deepEqual(message!.MessageAttributes, { kind: { DataType: 'String', StringValue: 'placed' }, amount: { DataType: 'Number', StringValue: '12.5' } });
    assert.ok(message!.MD5OfMessageAttributes);
  });

  it('does not retry a queue that is gone, and sends the message to the RedrivePolicy queue', async () => {
    await createQueue('orders-dlq');
    const { topicArn, url } = await setUp({ RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn('orders-dlq') }) });
    await s.mailroom.sqs.queues.delete({ QueueUrl: url });
    const messageId = await sns().publish(topicArn, 'lost order');
    await quiet(s.mailroom);
    const [delivery] = await s.mailroom.store.listDeliveries({ eventId: messageId, limit: 10 });
    assert.equal(delivery?.status, 'dead');
    assert.equal(delivery?.attempts, 1);
    const [dead] = await receive(await s.mailroom.sqs.queues.getUrl({ QueueName: 'orders-dlq' }, ctx()).then((r) => r.QueueUrl));
    assert.equal(dead!.Body, 'lost order');
    assert.equal(dead!.MessageAttributes?.ERROR_CODE?.StringValue, 'NO_RESOURCE');
    assert.equal(dead!.MessageAttributes?.TOPIC_ARN?.StringValue, topicArn);
    assert.equal(await metric(s.mailroom, 'AWS/SNS', 'NumberOfNotificationsFailed', 'orders'), 1);
    assert.equal(await metric(s.mailroom, 'AWS/SNS', 'NumberOfNotificationsRedrivenToDlq', 'orders'), 1);
  });

  describe('with a function', () => {
    let sink: HttpSink;
    beforeEach(async () => {
      sink = await startSink();
    });
    afterEach(async () => {
      await sink.close();
    });

    it('invokes a subscribed function with SNS\'s Lambda event', async () => {
      await s.mailroom.functions.register({ name: 'on-order', handler: 'sns-report.ts' });
      const topicArn = (await sns().topics.create({ Name: 'orders' }, ctx())).TopicArn;
      const functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:on-order';
      const { SubscriptionArn } = await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: functionArn }, ctx());
      const reported = sink.nextRequest();
      const messageId = await sns().publish(topicArn, JSON.stringify({ sinkUrl: sink.url }));
      const event = JSON.parse((await reported).body) as { Records: { EventSource: string; EventSubscriptionArn: string; Sns: Record<string, unknown> }[] };
      const [record] = event.Records;
      assert.equal(record!.EventSource, 'aws:sns');
      assert.equal(record!.EventSubscriptionArn, SubscriptionArn);
      assert.equal(record!.Sns.MessageId, messageId);
      assert.equal(record!.Sns.Subject, null);
      assert.deepEqual(record!.Sns.MessageAttributes, {});
      assert.ok(String(record!.Sns.SigningCertUrl).startsWith(s.server.url));
      await quiet(s.mailroom);
      const deliveries = await s.mailroom.store.listDeliveries({ eventId: messageId, limit: 10 });
      assert.deepEqual(deliveries.map((d) => [d.targetArn, d.status]), [[SubscriptionArn, 'done'], [functionArn, 'done']]);
    });

    it('publishes a function\'s invocation record to a topic named as its destination', async () => {
      const results = (await sns().topics.create({ Name: 'results' }, ctx())).TopicArn;
      const url = await createQueue('results-queue');
      await sns().subscriptions.subscribe({ TopicArn: results, Protocol: 'sqs', Endpoint: queueArn('results-queue') }, ctx());
      await s.mailroom.functions.register({ name: 'on-order', handler: 'sns-report.ts', onSuccess: results });
      const topicArn = (await sns().topics.create({ Name: 'orders' }, ctx())).TopicArn;
      await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:on-order' }, ctx());
      const reported = sink.nextRequest();
      await sns().publish(topicArn, JSON.stringify({ sinkUrl: sink.url }));
      await reported;
      await quiet(s.mailroom);
      const [message] = await receive(url);
      const record = JSON.parse((JSON.parse(message!.Body) as { Message: string }).Message) as { requestContext: { condition: string }; responsePayload: unknown };
      assert.equal(record.requestContext.condition, 'Success');
      assert.equal(record.responsePayload, 'reported');
    });
  });
});
