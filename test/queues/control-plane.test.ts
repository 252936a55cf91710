/**
 * The SQS control plane in-process: CreateQueue idempotency and name rules, FIFO refusal, URLs, ListQueues paging,
 * attributes with their defaults and ranges, redrive policy checks, dead-letter sources, tags, DeleteQueue.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openFixture, rejectsWith, T0, type SqsFixture } from './helpers.js';

describe('SQS control plane', () => {
  let f: SqsFixture;
  beforeEach(async () => {
    f = await openFixture();
  });
  afterEach(() => f.close());

  const sqs = () => f.mailroom.sqs;
  const ctx = () => ({ ...f.mailroom.context(), endpoint: 'http://127.0.0.1:4566' });
  const url = (name: string) => `http://127.0.0.1:4566/000000000000/${name}`;
  const arn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

  it('creates a queue at a URL built from the request host, idempotently for the same attributes', async () => {
    assert.deepEqual(await sqs().queues.create({ QueueName: 'orders' }, ctx()), { QueueUrl: url('orders') });
    assert.deepEqual(await sqs().queues.create({ QueueName: 'orders', Attributes: { VisibilityTimeout: '30' } }, ctx()), { QueueUrl: url('orders') });
    await rejectsWith(
      sqs().queues.create({ QueueName: 'orders', Attributes: { VisibilityTimeout: '60' } }, ctx()),
      'QueueNameExists',
      /different value for attribute VisibilityTimeout/,
    );
    assert.deepEqual(await sqs().queues.getUrl({ QueueName: 'orders' }, ctx()), { QueueUrl: url('orders') });
    await rejectsWith(sqs().queues.getUrl({ QueueName: 'nope' }, ctx()), 'QueueDoesNotExist');
  });

  it('enforces queue name rules and refuses FIFO queues clearly', async () => {
    await sqs().queues.create({ QueueName: 'a'.repeat(80) }, ctx());
    for (const bad of ['', 'a'.repeat(81), 'has space', 'dot.name', 'ünïcode']) {
      await rejectsWith(sqs().queues.create({ QueueName: bad }, ctx()), 'InvalidParameterValue', /alphanumeric characters, hyphens, or underscores/);
    }
    await rejectsWith(sqs().queues.create({ QueueName: 'jobs.fifo' }, ctx()), 'InvalidParameterValue', /FIFO queues are not supported/);
    await rejectsWith(sqs().queues.create({ QueueName: 'jobs', Attributes: { FifoQueue: 'true' } }, ctx()), 'InvalidAttributeName', /FIFO queues are not supported/);
    await rejectsWith(sqs().queues.create({ QueueName: 'jobs', Attributes: { ContentBasedDeduplication: 'true' } }, ctx()), 'InvalidAttributeName', /FIFO/);
    await rejectsWith(sqs().queues.create({ QueueName: 'jobs', Attributes: { Colour: 'red' } }, ctx()), 'InvalidAttributeName', /Unknown Attribute Colour/);
  });

  it('reports every default attribute with All, and only the named ones otherwise', async () => {
    f.clock.advance(1500);
    const { QueueUrl } = await sqs().queues.create({ QueueName: 'q' }, ctx());
    const all = await sqs().queues.getAttributes({ QueueUrl, AttributeNames: ['All'] });
    assert.deepEqual(all.Attributes, {
      QueueArn: arn('q'),
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      CreatedTimestamp: String(Math.floor((T0 + 1500) / 1000)),
      LastModifiedTimestamp: String(Math.floor((T0 + 1500) / 1000)),
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
      VisibilityTimeout: '30',
      SqsManagedSseEnabled: 'true',
    });
    assert.deepEqual(await sqs().queues.getAttributes({ QueueUrl, AttributeNames: ['VisibilityTimeout', 'QueueArn'] }), {
      Attributes: { QueueArn: arn('q'), VisibilityTimeout: '30' },
    });
    assert.deepEqual(await sqs().queues.getAttributes({ QueueUrl }), {});
    await rejectsWith(sqs().queues.getAttributes({ QueueUrl, AttributeNames: ['Nope'] }), 'InvalidAttributeName');
  });

  it('validates attribute ranges on create and set, and records the change time', async () => {
    const { QueueUrl } = await sqs().queues.create({ QueueName: 'q' }, ctx());
    const bad: [string, string][] = [
      ['VisibilityTimeout', '43201'],
      ['VisibilityTimeout', '-1'],
      ['VisibilityTimeout', 'thirty'],
      ['MessageRetentionPeriod', '59'],
      ['MessageRetentionPeriod', '1209601'],
      ['DelaySeconds', '901'],
      ['ReceiveMessageWaitTimeSeconds', '21'],
      ['MaximumMessageSize', '1023'],
      ['MaximumMessageSize', '1048577'],
      ['KmsDataKeyReusePeriodSeconds', '59'],
      ['SqsManagedSseEnabled', 'yes'],
      ['Policy', 'not json'],
    ];
    for (const [name, value] of bad) {
      await rejectsWith(sqs().queues.setAttributes({ QueueUrl, Attributes: { [name]: value } }), 'InvalidAttributeValue', new RegExp(name));
      await rejectsWith(sqs().queues.create({ QueueName: 'other', Attributes: { [name]: value } }, ctx()), 'InvalidAttributeValue');
    }
    await rejectsWith(sqs().queues.setAttributes({ QueueUrl, Attributes: { QueueArn: 'x' } }), 'InvalidAttributeName');
    f.clock.advance(5000);
    await sqs().queues.setAttributes({ QueueUrl, Attributes: { VisibilityTimeout: '43200', MessageRetentionPeriod: '60', KmsMasterKeyId: 'alias/aws/sqs' } });
    const { Attributes } = await sqs().queues.getAttributes({ QueueUrl, AttributeNames: ['All'] });
    assert.equal(Attributes!.VisibilityTimeout, '43200');
    assert.equal(Attributes!.MessageRetentionPeriod, '60');
    assert.equal(Attributes!.KmsMasterKeyId, 'alias/aws/sqs');
    assert.equal(Attributes!.KmsDataKeyReusePeriodSeconds, '300');
    assert.equal(Attributes!.LastModifiedTimestamp, String(Math.floor((T0 + 5000) / 1000)));
    assert.notEqual(Attributes!.LastModifiedTimestamp, Attributes!.CreatedTimestamp);
  });

  it('checks redrive policies and lists dead-letter source queues', async () => {
    const dlq = await sqs().queues.create({ QueueName: 'dlq' }, ctx());
    const policy = (target: string, count: unknown) => JSON.stringify({ deadLetterTargetArn: target, maxReceiveCount: count });
    await rejectsWith(sqs().queues.create({ QueueName: 'src', Attributes: { RedrivePolicy: policy(arn('missing'), 3) } }, ctx()), 'InvalidParameterValue', /Dead letter target does not exist/);
    await rejectsWith(sqs().queues.create({ QueueName: 'src', Attributes: { RedrivePolicy: policy(arn('dlq'), 0) } }, ctx()), 'InvalidParameterValue', /maxReceiveCount/);
    await rejectsWith(sqs().queues.create({ QueueName: 'src', Attributes: { RedrivePolicy: policy(arn('dlq'), 1001) } }, ctx()), 'InvalidParameterValue', /maxReceiveCount/);
    // maxReceiveCount given as a string (as the console does) is normalised to a number.
    const a = await sqs().queues.create({ QueueName: 'a-src', Attributes: { RedrivePolicy: policy(arn('dlq'), '3') } }, ctx());
    await sqs().queues.create({ QueueName: 'b-src', Attributes: { RedrivePolicy: policy(arn('dlq'), 5) } }, ctx());
    const got = await sqs().queues.getAttributes({ QueueUrl: a.QueueUrl, AttributeNames: ['RedrivePolicy'] });
    assert.deepEqual(got.Attributes, { RedrivePolicy: policy(arn('dlq'), 3) });
    assert.deepEqual(await sqs().queues.deadLetterSources({ QueueUrl: dlq.QueueUrl }, ctx()), { queueUrls: [url('a-src'), url('b-src')] });
    const first = await sqs().queues.deadLetterSources({ QueueUrl: dlq.QueueUrl, MaxResults: 1 }, ctx());
    assert.deepEqual(first.queueUrls, [url('a-src')]);
    const second = await sqs().queues.deadLetterSources({ QueueUrl: dlq.QueueUrl, MaxResults: 1, NextToken: first.NextToken! }, ctx());
    assert.deepEqual(second, { queueUrls: [url('b-src')] });
    // Removing the policy with an empty string.
    await sqs().queues.setAttributes({ QueueUrl: a.QueueUrl, Attributes: { RedrivePolicy: '' } });
    assert.deepEqual((await sqs().queues.deadLetterSources({ QueueUrl: dlq.QueueUrl }, ctx())).queueUrls, [url('b-src')]);
    // A RedriveAllowPolicy on the DLQ can refuse a source.
    await sqs().queues.setAttributes({ QueueUrl: dlq.QueueUrl, Attributes: { RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) } });
    await rejectsWith(sqs().queues.setAttributes({ QueueUrl: a.QueueUrl, Attributes: { RedrivePolicy: policy(arn('dlq'), 2) } }), 'InvalidParameterValue', /RedriveAllowPolicy/);
  });

  it('lists queues by prefix, paging only when MaxResults is given', async () => {
    for (const name of ['b1', 'a1', 'a2', 'a3']) await sqs().queues.create({ QueueName: name }, ctx());
    assert.deepEqual(await sqs().queues.list({}, ctx()), { QueueUrls: ['a1', 'a2', 'a3', 'b1'].map(url) });
    assert.deepEqual(await sqs().queues.list({ QueueNamePrefix: 'a' }, ctx()), { QueueUrls: ['a1', 'a2', 'a3'].map(url) });
    assert.deepEqual(await sqs().queues.list({ QueueNamePrefix: 'zz' }, ctx()), {});
    const page1 = await sqs().queues.list({ QueueNamePrefix: 'a', MaxResults: 2 }, ctx());
    assert.deepEqual(page1.QueueUrls, ['a1', 'a2'].map(url));
    const page2 = await sqs().queues.list({ QueueNamePrefix: 'a', MaxResults: 2, NextToken: page1.NextToken! }, ctx());
    assert.deepEqual(page2, { QueueUrls: [url('a3')] });
    await rejectsWith(sqs().queues.list({ MaxResults: 1001 }, ctx()), 'InvalidParameterValue');
    await rejectsWith(sqs().queues.list({ NextToken: '!!' }, ctx()), 'InvalidParameterValue');
  });

  it('tags queues on create and after, within the limits', async () => {
    const { QueueUrl } = await sqs().queues.create({ QueueName: 'q', tags: { team: 'shop' } }, ctx());
    await sqs().tags.tag({ QueueUrl, Tags: { env: 'test', team: 'ops' } });
    assert.deepEqual(await sqs().tags.list({ QueueUrl }), { Tags: { env: 'test', team: 'ops' } });
    await sqs().tags.untag({ QueueUrl, TagKeys: ['team', 'absent'] });
    assert.deepEqual(await sqs().tags.list({ QueueUrl }), { Tags: { env: 'test' } });
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    await rejectsWith(sqs().tags.tag({ QueueUrl, Tags: many }), 'InvalidParameterValue', /at most 50/);
  });

  it('deletes a queue with its messages; the URL then names no queue, by its last path segment', async () => {
    const { QueueUrl } = await sqs().queues.create({ QueueName: 'gone' }, ctx());
    await sqs().messages.send({ QueueUrl, MessageBody: 'x' }, ctx());
    await sqs().queues.delete({ QueueUrl: 'http://elsewhere:1/000000000000/gone' });
    await rejectsWith(sqs().queues.getAttributes({ QueueUrl, AttributeNames: ['All'] }), 'QueueDoesNotExist');
    await rejectsWith(sqs().receiver.receive({ QueueUrl }), 'QueueDoesNotExist');
    await rejectsWith(sqs().queues.delete({ QueueUrl }), 'QueueDoesNotExist');
    await rejectsWith(sqs().queues.delete({} as never), 'MissingParameter', /QueueUrl/);
    // Recreated, it starts empty.
    await sqs().queues.create({ QueueName: 'gone' }, ctx());
    assert.deepEqual(await sqs().receiver.receive({ QueueUrl }), {});
  });
});
