/**
 * SNS's control plane and its answers to bad input, in-process (no server needed): topics (idempotent create,
 * attributes, paging, tags, delete), subscriptions (protocol and endpoint checks, idempotent subscribe, tokens) and
 * Publish / PublishBatch validation — each with SNS's error code and wording.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import type { RequestContext } from '../../src/protocols/context.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';
import { T0 } from './helpers.js';

const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('SNS control plane', () => {
  let dir: string;
  let clock: ManualClock;
  let mailroom: Mailroom;
  let ctx: RequestContext;

  beforeEach(async () => {
    dir = tempDataDir('mailroom-sns-cp-');
    clock = new ManualClock(T0);
    mailroom = await createMailroom({ dataDir: dir, clock, deliver: false });
    ctx = mailroom.context();
  });
  afterEach(async () => {
    await mailroom.close();
    removeDir(dir);
  });

  const sns = () => mailroom.sns;
  const createTopic = async (name: string, extra: object = {}) => (await sns().topics.create({ Name: name, ...extra }, ctx)).TopicArn;
  /** Asserts that `call` fails with `code` and a message matching `message`. */
  const refuses = (call: Promise<unknown>, code: string, message: RegExp | string) =>
    assert.rejects(call, (err: Error) => {
      assert.equal(err.name, code);
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    });

  describe('topics', () => {
    it('creates a topic idempotently, and refuses the same name with other attributes or tags', async () => {
      const arn = await createTopic('orders', { Attributes: { DisplayName: 'Orders' }, Tags: [{ Key: 'team', Value: 'shop' }] });
      assert.equal(arn, 'arn:aws:sns:us-east-1:000000000000:orders');
      assert.equal(await createTopic('orders', { Attributes: { DisplayName: 'Orders' } }), arn);
      await refuses(createTopic('orders', { Attributes: { DisplayName: 'Other' } }), 'InvalidParameterException', 'Invalid parameter: Attributes Reason: Topic already exists with different attributes');
      await refuses(createTopic('orders', { Tags: [{ Key: 'team', Value: 'ops' }] }), 'InvalidParameterException', 'Invalid parameter: Tags Reason: Topic already exists with different tags');
      assert.deepEqual(await sns().tags.list({ ResourceArn: arn }, ctx), { Tags: [{ Key: 'team', Value: 'shop' }] });
    });

    it('refuses bad names, FIFO topics and unknown attributes', async () => {
      await refuses(createTopic('no spaces'), 'InvalidParameterException', 'Invalid parameter: Topic Name');
      await refuses(createTopic('x'.repeat(257)), 'InvalidParameterException', 'Invalid parameter: Topic Name');
      await refuses(createTopic('orders.fifo'), 'InvalidParameterException', /FIFO topics are not supported/);
      await refuses(createTopic('orders', { Attributes: { FifoTopic: 'true' } }), 'InvalidParameterException', /FifoTopic: FIFO topics are not supported/);
      await refuses(createTopic('orders', { Attributes: { Colour: 'blue' } }), 'InvalidParameterException', 'Invalid parameter: Attributes Reason: Unknown attribute Colour');
      await refuses(sns().topics.create({} as never, ctx), 'ValidationException', "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null");
    });

    it('returns SNS\'s attributes, with KmsMasterKeyId and DeliveryPolicy as set', async () => {
      const arn = await createTopic('alerts', { Attributes: { KmsMasterKeyId: 'alias/aws/sns' } });
      await sns().topics.setAttributes({ TopicArn: arn, AttributeName: 'DeliveryPolicy', AttributeValue: JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 5 } } }) }, ctx);
      const { Attributes } = await sns().topics.getAttributes({ TopicArn: arn }, ctx);
      assert.equal(Attributes.TopicArn, arn);
      assert.equal(Attributes.Owner, '000000000000');
      assert.equal(Attributes.KmsMasterKeyId, 'alias/aws/sns');
      assert.equal(Attributes.SubscriptionsConfirmed, '0');
      assert.equal(Attributes.DisplayName, '');
      assert.equal((JSON.parse(Attributes.Policy!) as { Statement: { Resource: string }[] }).Statement[0]!.Resource, arn);
      const effective = JSON.parse(Attributes.EffectiveDeliveryPolicy!) as { http: { defaultHealthyRetryPolicy: { numRetries: number; minDelayTarget: number } } };
      assert.equal(effective.http.defaultHealthyRetryPolicy.numRetries, 5);
      assert.equal(effective.http.defaultHealthyRetryPolicy.minDelayTarget, 20);
    });

    it('refuses bad attribute values, naming what is wrong', async () => {
      const arn = await createTopic('alerts');
      const set = (AttributeName: string, AttributeValue: string) => sns().topics.setAttributes({ TopicArn: arn, AttributeName, AttributeValue }, ctx);
      await refuses(set('Colour', 'blue'), 'InvalidParameterException', 'Invalid parameter: AttributeName');
      await refuses(set('SignatureVersion', '3'), 'InvalidParameterException', /SignatureVersion/);
      await refuses(set('DeliveryPolicy', '{not json'), 'InvalidParameterException', 'Invalid parameter: DeliveryPolicy: failed to parse JSON.');
      await refuses(set('DeliveryPolicy', JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 101 } } })), 'InvalidParameterException', /numRetries must be an integer from 0 to 100/);
      await refuses(set('DeliveryPolicy', JSON.stringify({ http: { defaultHealthyRetryPolicy: { numRetries: 100, minDelayTarget: 60, maxDelayTarget: 60 } } })), 'InvalidParameterException', /at most 3600 are allowed/);
      await refuses(set('DeliveryPolicy', JSON.stringify({ http: { defaultHealthyRetryPolicy: { minDelayTarget: 30, maxDelayTarget: 10 } } })), 'InvalidParameterException', /minDelayTarget must not exceed maxDelayTarget/);
      await refuses(set('Policy', '[]'), 'InvalidParameterException', /Policy Reason: must be a JSON object/);
    });

    it('answers NotFound for a topic that does not exist and InvalidParameter for a malformed or foreign ARN', async () => {
      await refuses(sns().topics.getAttributes({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope' }, ctx), 'NotFound', 'Topic does not exist');
      await refuses(sns().publish('arn:aws:sns:us-east-1:000000000000:nope', 'hi'), 'NotFound', 'Topic does not exist');
      await refuses(sns().topics.getAttributes({ TopicArn: 'fake_topic' }, ctx), 'InvalidParameterException', 'Invalid parameter: TopicArn Reason: fake_topic does not start with arn');
      await refuses(sns().topics.getAttributes({ TopicArn: 'arn:aws:sns:x' }, ctx), 'InvalidParameterException', 'Invalid parameter: TopicArn Reason: An ARN must have at least 6 elements, not 4');
      const arn = await createTopic('here');
      await refuses(sns().topics.getAttributes({ TopicArn: arn.replace('us-east-1', 'eu-west-1') }, ctx), 'InvalidParameterException', 'Invalid parameter: TopicArn');
    });

    it('lists the region\'s topics 100 a page', async () => {
      for (let i = 0; i < 105; i++) await createTopic(`t${String(i).padStart(3, '0')}`);
      await sns().topics.create({ Name: 'elsewhere' }, { ...ctx, region: 'eu-west-1' });
      const first = await sns().topics.list({}, ctx);
      assert.equal(first.Topics.length, 100);
      assert.ok(first.NextToken);
      const second = await sns().topics.list({ NextToken: first.NextToken }, ctx);
      assert.deepEqual(second.Topics.map((t) => t.TopicArn.split(':').pop()), ['t100', 't101', 't102', 't103', 't104']);
      assert.equal(second.NextToken, undefined);
      await refuses(sns().topics.list({ NextToken: 'garbage' }, ctx), 'InvalidParameterException', 'Invalid parameter: NextToken');
    });

    it('deletes a topic with its subscriptions and tags; deleting again is not an error', async () => {
      const arn = await createTopic('gone', { Tags: [{ Key: 'a', Value: 'b' }] });
      await mailroom.sqs.queues.create({ QueueName: 'q' }, ctx);
      const { SubscriptionArn } = await sns().subscriptions.subscribe({ TopicArn: arn, Protocol: 'sqs', Endpoint: queueArn('q') }, ctx);
      await sns().topics.delete({ TopicArn: arn }, ctx);
      await sns().topics.delete({ TopicArn: arn }, ctx);
      await refuses(sns().subscriptions.getAttributes({ SubscriptionArn }, ctx), 'NotFound', 'Subscription does not exist');
      assert.deepEqual(await mailroom.store.listTags(arn), {});
      assert.deepEqual((await sns().topics.list({}, ctx)).Topics, []);
    });

    it('tags and untags topics, within SNS\'s limits', async () => {
      const arn = await createTopic('tagged');
      await sns().tags.tag({ ResourceArn: arn, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }, ctx);
      await sns().tags.untag({ ResourceArn: arn, TagKeys: ['a'] }, ctx);
      assert.deepEqual((await sns().tags.list({ ResourceArn: arn }, ctx)).Tags, [{ Key: 'b', Value: '2' }]);
      await refuses(sns().tags.tag({ ResourceArn: arn, Tags: [{ Key: 'x', Value: '1' }, { Key: 'x', Value: '2' }] }, ctx), 'InvalidParameterException', 'Invalid parameter: Duplicated keys are not allowed.');
      const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
      await refuses(sns().tags.tag({ ResourceArn: arn, Tags: many }, ctx), 'TagLimitExceededException', /tag quota/);
      await refuses(sns().tags.list({ ResourceArn: 'arn:aws:sns:us-east-1:000000000000:nope' }, ctx), 'ResourceNotFound', 'Resource does not exist');
    });
  });

  describe('subscriptions', () => {
    let topicArn: string;
    beforeEach(async () => {
      topicArn = await createTopic('orders');
    });
    const subscribe = (Protocol: string, Endpoint?: string, Attributes?: Record<string, string>) =>
      sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol, ...(Endpoint !== undefined && { Endpoint }), ...(Attributes && { Attributes }) }, ctx);

    it('refuses protocols and endpoints SNS would refuse, or Mailroom does not deliver to', async () => {
      await refuses(subscribe('smoke-signal', 'x'), 'InvalidParameterException', 'Invalid parameter: Amazon SNS does not support this protocol string: smoke-signal');
      await refuses(subscribe('sms', '+15555550100'), 'InvalidParameterException', /does not deliver to sms endpoints/);
      await refuses(subscribe('http', 'https://example.com/hook'), 'InvalidParameterException', 'Invalid parameter: Endpoint must match the specified protocol');
      await refuses(subscribe('https', 'not a url'), 'InvalidParameterException', 'Invalid parameter: Endpoint must match the specified protocol');
      await refuses(subscribe('http'), 'InvalidParameterException', /Endpoint/);
      await refuses(subscribe('sqs', 'my-queue'), 'InvalidParameterException', 'Invalid parameter: SQS endpoint ARN');
      await refuses(subscribe('lambda', 'arn:aws:sqs:us-east-1:000000000000:q'), 'InvalidParameterException', 'Invalid parameter: Lambda endpoint ARN');
      await refuses(subscribe('email', 'not-an-address'), 'InvalidParameterException', 'Invalid parameter: Email address');
      await refuses(
        sns().subscriptions.subscribe({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Protocol: 'sqs', Endpoint: queueArn('q') }, ctx),
        'NotFound',
        'Topic does not exist',
      );
    });

    it('refuses attributes a protocol does not take, and filter policies', async () => {
      await refuses(subscribe('lambda', 'arn:aws:lambda:us-east-1:000000000000:function:f', { RawMessageDelivery: 'true' }), 'InvalidParameterException', 'Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw message delivery.');
      await refuses(subscribe('sqs', queueArn('q'), { RawMessageDelivery: 'yes' }), 'InvalidParameterException', /RawMessageDelivery: Invalid value \[yes\]/);
      await refuses(subscribe('sqs', queueArn('q'), { DeliveryPolicy: '{}' }), 'InvalidParameterException', /does not support delivery policies/);
      await refuses(subscribe('sqs', queueArn('q'), { FilterPolicy: '{"kind":["a"]}' }), 'InvalidParameterException', /FilterPolicy: not supported by Mailroom yet/);
      await refuses(subscribe('sqs', queueArn('q'), { RedrivePolicy: '{"deadLetterTargetArn":"nope"}' }), 'InvalidParameterException', /deadLetterTargetArn is an invalid arn/);
    });

    it('returns the existing subscription for the same endpoint, unless the attributes differ', async () => {
      const first = await subscribe('sqs', queueArn('q'), { RawMessageDelivery: 'true' });
      assert.deepEqual(await subscribe('sqs', queueArn('q')), first);
      await refuses(subscribe('sqs', queueArn('q'), { RawMessageDelivery: 'false' }), 'InvalidParameterException', 'Invalid parameter: Attributes Reason: Subscription already exists with different attributes');
    });

    it('lists pending subscriptions as PendingConfirmation and confirms only with the right, unexpired token', async () => {
      const pending = await subscribe('http', 'http://127.0.0.1:9/hook', undefined);
      assert.equal(pending.SubscriptionArn, 'pending confirmation');
      const { SubscriptionArn } = await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/hook', ReturnSubscriptionArn: true }, ctx);
      const listed = await sns().subscriptions.listByTopic({ TopicArn: topicArn }, ctx);
      assert.deepEqual(listed.Subscriptions, [{ SubscriptionArn: 'PendingConfirmation', Owner: '000000000000', Protocol: 'http', Endpoint: 'http://127.0.0.1:9/hook', TopicArn: topicArn }]);
      const { token } = (await mailroom.store.getSubscription(SubscriptionArn))!;
      await refuses(sns().subscriptions.confirm({ TopicArn: topicArn, Token: 'ab'.repeat(64) }, ctx), 'InvalidParameterException', 'Invalid parameter: Token');
      const other = await createTopic('other');
      await refuses(sns().subscriptions.confirm({ TopicArn: other, Token: token! }, ctx), 'InvalidParameterException', 'Invalid parameter: Token');
      clock.advance(3 * 86_400_000 + 1);
      await refuses(sns().subscriptions.confirm({ TopicArn: topicArn, Token: token! }, ctx), 'InvalidParameterException', /Token Reason: the token has expired/);
      // Subscribing again renews the token's 3 days.
      await subscribe('http', 'http://127.0.0.1:9/hook');
      assert.deepEqual(await sns().subscriptions.confirm({ TopicArn: topicArn, Token: token! }, ctx), { SubscriptionArn });
      // Confirming again is answered the same way.
      assert.deepEqual(await sns().subscriptions.confirm({ TopicArn: topicArn, Token: token! }, ctx), { SubscriptionArn });
      assert.equal((await sns().subscriptions.list({}, ctx)).Subscriptions[0]!.SubscriptionArn, SubscriptionArn);
    });

    it('refuses an unsigned Unsubscribe of a subscription confirmed with AuthenticateOnUnsubscribe', async () => {
      const { SubscriptionArn } = await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/hook', ReturnSubscriptionArn: true }, ctx);
      const { token } = (await mailroom.store.getSubscription(SubscriptionArn))!;
      const signed = { ...ctx, accessKeyId: 'AKIDEXAMPLE' };
      await sns().subscriptions.confirm({ TopicArn: topicArn, Token: token!, AuthenticateOnUnsubscribe: 'true' }, signed);
      await refuses(sns().subscriptions.unsubscribe({ SubscriptionArn }, ctx), 'AuthorizationErrorException', /only a signed request/);
      await sns().subscriptions.unsubscribe({ SubscriptionArn }, signed);
    });

    it('checks Unsubscribe\'s ARN, and unsubscribing twice is not an error', async () => {
      await refuses(sns().subscriptions.unsubscribe({ SubscriptionArn: 'arn:aws:sns' }, ctx), 'InvalidParameterException', 'Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 3');
      await refuses(sns().subscriptions.unsubscribe({ SubscriptionArn: topicArn }, ctx), 'InvalidParameterException', 'Invalid parameter: SubscriptionId');
      const { SubscriptionArn } = await subscribe('sqs', queueArn('q'));
      await sns().subscriptions.unsubscribe({ SubscriptionArn }, ctx);
      await sns().subscriptions.unsubscribe({ SubscriptionArn }, ctx);
    });
  });

  describe('publish', () => {
    let topicArn: string;
    beforeEach(async () => {
      topicArn = await createTopic('orders');
    });
    const publish = (input: object) => sns().publisher.publish({ TopicArn: topicArn, ...input } as never, ctx);
    const entries = (n: number, extra: object = {}) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, Message: `m${i}`, ...extra }));
    const batch = (PublishBatchRequestEntries: object[]) => sns().publisher.publishBatch({ TopicArn: topicArn, PublishBatchRequestEntries } as never, ctx);

    it('refuses messages SNS refuses', async () => {
      await refuses(publish({}), 'ValidationException', /Value null at 'message'/);
      await refuses(publish({ Message: '' }), 'InvalidParameterException', 'Invalid parameter: Empty message');
      await refuses(publish({ Message: 'x', Subject: '' }), 'InvalidParameterException', 'Invalid parameter: Subject');
      await refuses(publish({ Message: 'x', Subject: 's'.repeat(100) }), 'InvalidParameterException', 'Invalid parameter: Subject');
      await refuses(publish({ Message: 'x', Subject: 'two\nlines' }), 'InvalidParameterException', 'Invalid parameter: Subject');
      await refuses(publish({ Message: 'x'.repeat(262_145) }), 'InvalidParameterException', 'Invalid parameter: Message too long');
      await refuses(publish({ Message: 'x'.repeat(262_140), MessageAttributes: { ab: { DataType: 'String', StringValue: 'cd' } } }), 'InvalidParameterException', 'Invalid parameter: Message too long');
      await refuses(publish({ Message: 'x', MessageStructure: 'json' }), 'InvalidParameterException', 'Invalid parameter: Message Structure - JSON message body failed to parse');
      await refuses(publish({ Message: '{"http":"x"}', MessageStructure: 'json' }), 'InvalidParameterException', 'Invalid parameter: Message Structure - No default entry in JSON message body');
      await refuses(publish({ Message: 'x', PhoneNumber: '+15555550100' }), 'InvalidParameterException', /SMS is not supported/);
      await refuses(publish({ Message: 'x', MessageDeduplicationId: 'd' }), 'InvalidParameterException', /MessageDeduplicationId/);
    });

    it('refuses bad message attributes with InvalidParameterValue', async () => {
      const attribute = (name: string, value: object) => publish({ Message: 'x', MessageAttributes: { [name]: value } });
      await refuses(attribute('.dot', { DataType: 'String', StringValue: 'v' }), 'ParameterValueInvalid', "Invalid message attribute name starting with character '.' was found.");
      await refuses(attribute('a b', { DataType: 'String', StringValue: 'v' }), 'ParameterValueInvalid', /Invalid non-alphanumeric character '#x20'/);
      await refuses(attribute('a', { DataType: 'Colour', StringValue: 'v' }), 'ParameterValueInvalid', /invalid message attribute type/);
      await refuses(attribute('a', { DataType: 'Binary', StringValue: 'v' }), 'ParameterValueInvalid', "The message attribute 'a' with type 'Binary' must use field 'Binary'.");
      await refuses(attribute('a', { DataType: 'Number', StringValue: 'ten' }), 'ParameterValueInvalid', /invalid value: ten/);
      await refuses(attribute('a', { DataType: 'String.Array', StringValue: 'x' }), 'ParameterValueInvalid', /must be a JSON array/);
      await refuses(attribute('a', { DataType: 'String', StringValue: '' }), 'ParameterValueInvalid', /must contain non-empty message attribute value/);
      await publish({ Message: 'x', MessageAttributes: { list: { DataType: 'String.Array', StringValue: '["a", 1]' }, blob: { DataType: 'Binary', BinaryValue: 'AAEC' } } });
    });

    it('accepts a message of exactly 256 KiB', async () => {
      assert.ok((await publish({ Message: 'x'.repeat(262_144) })).MessageId);
    });

    it('refuses batches SNS refuses', async () => {
      await refuses(batch(entries(11)), 'TooManyEntriesInBatchRequestException', 'The batch request contains more entries than permissible.');
      await refuses(batch([]), 'EmptyBatchRequestException', "The batch request doesn't contain any entries.");
      await refuses(batch([{ Id: 'a', Message: '1' }, { Id: 'a', Message: '2' }]), 'BatchEntryIdsNotDistinctException', 'Two or more batch entries in the request have the same Id.');
      await refuses(batch([{ Id: 'a.b', Message: '1' }]), 'InvalidBatchEntryIdException', 'The Id of a batch entry in the batch request contains an impermissible character: a.b');
      await refuses(batch([{ Id: 'x'.repeat(81), Message: '1' }]), 'InvalidBatchEntryIdException', /is too long/);
      await refuses(batch(entries(2, { Message: 'x'.repeat(140_000) })), 'BatchRequestTooLongException', 'The length of all the messages put together is more than the limit.');
      await refuses(batch([{ Id: 'a', Message: '' }]), 'InvalidParameterException', 'Invalid parameter: Empty message');
    });

    it('records each message of a batch with one delivery per confirmed subscription, in one go', async () => {
      await mailroom.sqs.queues.create({ QueueName: 'q1' }, ctx);
      await mailroom.sqs.queues.create({ QueueName: 'q2' }, ctx);
      await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn('q1') }, ctx);
      await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn('q2') }, ctx);
      // Pending: not a recipient of notifications.
      await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'http', Endpoint: 'http://127.0.0.1:9/' }, ctx);
      const result = await batch(entries(3));
      assert.deepEqual(result.Failed, []);
      assert.deepEqual(result.Successful.map((e) => e.Id), ['e0', 'e1', 'e2']);
      for (const { MessageId } of result.Successful) {
        const deliveries = await mailroom.store.listDeliveries({ eventId: MessageId, limit: 10 });
        assert.equal(deliveries.length, 2);
        assert.ok(deliveries.every((d) => d.status === 'pending' && d.ruleArn === topicArn));
        const stored = JSON.parse((await mailroom.store.getEvent(MessageId))!.payload) as { Type: string; MessageId: string };
        assert.equal(stored.MessageId, MessageId);
      }
    });
  });

  it('offers every operation to the query protocol with its shapes and SNS\'s namespace', () => {
    const service = sns().queryService();
    assert.equal(service.xmlNamespace, 'http://sns.amazonaws.com/doc/2010-03-31/');
    assert.deepEqual(Object.keys(service.operations).sort(), [
      'ConfirmSubscription', 'CreateTopic', 'DeleteTopic', 'GetSubscriptionAttributes', 'GetTopicAttributes', 'ListSubscriptions', 'ListSubscriptionsByTopic',
      'ListTagsForResource', 'ListTopics', 'Publish', 'PublishBatch', 'SetSubscriptionAttributes', 'SetTopicAttributes', 'Subscribe', 'TagResource', 'Unsubscribe', 'UntagResource',
    ]);
    assert.equal(service.operations.Publish!.output?.kind, 'structure');
    assert.equal(service.operations.DeleteTopic!.output, undefined);
  });
});
