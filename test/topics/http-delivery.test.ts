/**
 * SNS's HTTP delivery end to end on one real server (ManualClock) and a real HTTP subscriber: subscribing sends a
 * signed SubscriptionConfirmation, visiting its SubscribeURL (a real GET to Mailroom) confirms, a publish reaches
 * the endpoint as SNS's signed JSON with SNS's headers; 5xx answers are retried 3 times 20 s apart (or as a
 * DeliveryPolicy says), a 4xx answer counts as delivered but shows; RawMessageDelivery posts the message itself;
 * the UnsubscribeURL removes the subscription.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ServerResponse } from 'node:http';
import { startSink, type HttpSink, type ReceivedRequest } from '../helpers/http-sink.js';
import { metric, quiet, startSnsServer, verifySignature, type SnsServer } from './helpers.js';

describe('SNS HTTP subscriptions', () => {
  let s: SnsServer;
  let sink: HttpSink;
  /** What the subscriber answers with. */
  let status: number;

  beforeEach(async () => {
    status = 200;
    sink = await startSink((_req: ReceivedRequest, res: ServerResponse) => {
      res.statusCode = status;
      res.end(status < 300 ? 'ok' : 'not now');
    });
    s = await startSnsServer();
  });
  afterEach(async () => {
    await s.close();
    await sink.close();
  });

  const ctx = () => s.mailroom.context();
  const sns = () => s.mailroom.sns;

  async function createTopic(name = 'alerts'): Promise<string> {
    return (await sns().topics.create({ Name: name }, ctx())).TopicArn;
  }

  /** Subscribes the sink, checks the confirmation it receives, and confirms by visiting the SubscribeURL. */
  async function subscribe(topicArn: string, attributes?: Record<string, string>): Promise<string> {
    const confirmation = sink.nextRequest();
    const { SubscriptionArn } = await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'http', Endpoint: `${sink.url}/hook`, ...(attributes && { Attributes: attributes }) }, ctx());
    assert.equal(SubscriptionArn, 'pending confirmation');
    const request = await confirmation;
    assert.equal(request.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation');
    const doc = JSON.parse(request.body) as Record<string, string>;
    assert.equal(doc.Type, 'SubscriptionConfirmation');
    assert.equal(doc.TopicArn, topicArn);
    assert.ok(await verifySignature(doc), 'the confirmation is signed');
    assert.match(doc.SubscribeURL!, new RegExp(`^${s.server.url}/\\?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${doc.Token}$`));
    const visit = await fetch(doc.SubscribeURL!);
    const xml = await visit.text();
    assert.equal(visit.status, 200, xml);
    const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(xml)![1]!;
    assert.ok(arn.startsWith(`${topicArn}:`));
    await quiet(s.mailroom);
    return arn;
  }

  it('confirms through the SubscribeURL and delivers signed notifications with SNS headers', async () => {
    const topicArn = await createTopic();
    const subscriptionArn = await subscribe(topicArn);
    const { Attributes } = await sns().subscriptions.getAttributes({ SubscriptionArn: subscriptionArn }, ctx());
    assert.equal(Attributes.PendingConfirmation, 'false');
    assert.equal(Attributes.Protocol, 'http');

    const arrived = sink.nextRequest();
    const { MessageId } = await sns().publisher.publish(
      { TopicArn: topicArn, Message: 'disk full', Subject: 'Alarm', MessageAttributes: { severity: { DataType: 'String', StringValue: 'high' } } },
      ctx(),
    );
    const request = await arrived;
    assert.equal(request.method, 'POST');
    assert.equal(request.url.pathname, '/hook');
    assert.equal(request.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal(request.headers['x-amz-sns-message-type'], 'Notification');
    assert.equal(request.headers['x-amz-sns-message-id'], MessageId);
    assert.equal(request.headers['x-amz-sns-topic-arn'], topicArn);
    assert.equal(request.headers['x-amz-sns-subscription-arn'], subscriptionArn);
    const doc = JSON.parse(request.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['Type', 'MessageId', 'TopicArn', 'Subject', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL', 'UnsubscribeURL', 'MessageAttributes']);
    assert.equal(doc.Message, 'disk full');
    assert.equal(doc.Subject, 'Alarm');
    assert.equal(doc.Timestamp, new Date(s.clock.now()).toISOString());
    assert.equal(doc.SignatureVersion, '1');
    assert.deepEqual(doc.MessageAttributes, { severity: { Type: 'String', Value: 'high' } });
    assert.equal(doc.UnsubscribeURL, `${s.server.url}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`);
    assert.ok(await verifySignature(doc as Record<string, string>), 'SignatureVersion 1 (SHA1withRSA) verifies');

    // SignatureVersion 2 signs with SHA256withRSA.
    await sns().topics.setAttributes({ TopicArn: topicArn, AttributeName: 'SignatureVersion', AttributeValue: '2' }, ctx());
    const second = sink.nextRequest();
    await sns().publish(topicArn, 'no subject this time');
    const doc2 = JSON.parse((await second).body) as Record<string, string>;
    assert.equal(doc2.SignatureVersion, '2');
    assert.equal(doc2.Subject, undefined);
    assert.ok(await verifySignature(doc2), 'SignatureVersion 2 (SHA256withRSA) verifies');
    await quiet(s.mailroom);
    assert.equal(await metric(s.mailroom, 'AWS/SNS', 'NumberOfMessagesPublished', 'alerts'), 2);
    assert.equal(await metric(s.mailroom, 'AWS/SNS', 'NumberOfNotificationsDelivered', 'alerts'), 2);
  });

  it('retries a 5xx answer 3 times, 20 seconds apart, with the same message id, then gives up', async () => {
    const topicArn = await createTopic();
    await subscribe(topicArn);
    status = 503;
    const first = sink.nextRequest();
    const messageId = await sns().publish(topicArn, 'retry me');
    await first;
    await quiet(s.mailroom);
    for (let retry = 1; retry <= 3; retry++) {
      const seen = sink.requests.length;
      s.clock.advance(19_999);
      await quiet(s.mailroom);
      assert.equal(sink.requests.length, seen, `retry ${retry} must not come before 20 s`);
      const next = sink.nextRequest();
      s.clock.advance(1);
      assert.equal((await next).headers['x-amz-sns-message-id'], messageId);
      await quiet(s.mailroom);
    }
    const seen = sink.requests.length;
    s.clock.advance(3_600_000);
    await quiet(s.mailroom);
    assert.equal(sink.requests.length, seen, 'no fifth attempt');
    const [delivery] = await s.mailroom.store.listDeliveries({ eventId: messageId, limit: 10 });
    assert.equal(delivery?.status, 'dropped');
    assert.equal(delivery?.attempts, 4);
    assert.match(delivery?.lastError ?? '', /HTTP 503/);
    assert.equal(await metric(s.mailroom, 'AWS/SNS', 'NumberOfNotificationsFailed', 'alerts'), 1);
  });

  it('follows a DeliveryPolicy: numRetries 1, 5 seconds later', async () => {
    const topicArn = await createTopic();
    await subscribe(topicArn, { DeliveryPolicy: JSON.stringify({ healthyRetryPolicy: { numRetries: 1, minDelayTarget: 5, maxDelayTarget: 5 } }) });
    status = 500;
    const first = sink.nextRequest();
    const messageId = await sns().publish(topicArn, 'once more');
    await first;
    await quiet(s.mailroom);
    const retry = sink.nextRequest();
    s.clock.advance(5_000);
    await retry;
    await quiet(s.mailroom);
    s.clock.advance(3_600_000);
    await quiet(s.mailroom);
    const [delivery] = await s.mailroom.store.listDeliveries({ eventId: messageId, limit: 10 });
    assert.equal(delivery?.attempts, 2);
  });

  it('treats a 4xx answer as delivered, as SNS does, but counts it and keeps the answer', async () => {
    const topicArn = await createTopic();
    await subscribe(topicArn);
    status = 404;
    const arrived = sink.nextRequest();
    const messageId = await sns().publish(topicArn, 'nobody home');
    await arrived;
    await quiet(s.mailroom);
    s.clock.advance(3_600_000);
    await quiet(s.mailroom);
    const [delivery] = await s.mailroom.store.listDeliveries({ eventId: messageId, limit: 10 });
    assert.equal(delivery?.status, 'done');
    assert.equal(delivery?.attempts, 1);
    assert.match(delivery?.lastError ?? '', /HTTP 404/);
    const [attempt] = await s.mailroom.store.attemptHistory(delivery!.id);
    assert.equal(attempt?.status, 404);
    assert.equal(attempt?.body, 'not now');
    assert.equal(await metric(s.mailroom, 'AWS/SNS', 'NumberOfNotificationsDelivered', 'alerts'), 1);
    assert.equal(await metric(s.mailroom, 'Mailroom/SNS', 'NumberOfNotificationsRejected', 'alerts'), 1);
  });

  it('posts the message itself with RawMessageDelivery', async () => {
    const topicArn = await createTopic();
    const arn = await subscribe(topicArn);
    await sns().subscriptions.setAttributes({ SubscriptionArn: arn, AttributeName: 'RawMessageDelivery', AttributeValue: 'True' });
    const arrived = sink.nextRequest();
    await sns().publisher.publish({ TopicArn: topicArn, Message: JSON.stringify({ default: 'plain', http: '{"just":"this"}' }), MessageStructure: 'json' }, ctx());
    const request = await arrived;
    assert.equal(request.body, '{"just":"this"}');
    assert.equal(request.headers['x-amz-sns-rawdelivery'], 'true');
    assert.equal(request.headers['x-amz-sns-message-type'], 'Notification');
  });

  it('unsubscribes through the UnsubscribeURL, after which nothing is delivered', async () => {
    const topicArn = await createTopic();
    const arn = await subscribe(topicArn);
    const answer = await fetch(`${s.server.url}/?Action=Unsubscribe&SubscriptionArn=${arn}`);
    assert.equal(answer.status, 200, await answer.text());
    await assert.rejects(sns().subscriptions.getAttributes({ SubscriptionArn: arn }, ctx()), { name: 'NotFound' });
    const { Attributes } = await sns().topics.getAttributes({ TopicArn: topicArn }, ctx());
    assert.equal(Attributes.SubscriptionsConfirmed, '0');
    assert.equal(Attributes.SubscriptionsDeleted, '1');
    const seen = sink.requests.length;
    const messageId = await sns().publish(topicArn, 'to nobody');
    await quiet(s.mailroom);
    assert.equal(sink.requests.length, seen);
    assert.deepEqual(await s.mailroom.store.listDeliveries({ eventId: messageId, limit: 10 }), []);
  });

  it('answers a SubscribeURL with a wrong token in SNS\'s XML error shape', async () => {
    const topicArn = await createTopic();
    const answer = await fetch(`${s.server.url}/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=00ff`);
    assert.equal(answer.status, 400);
    const xml = await answer.text();
    assert.match(xml, /<Code>InvalidParameter<\/Code>/);
    assert.match(xml, /<Message>Invalid parameter: Token<\/Message>/);
  });
});
