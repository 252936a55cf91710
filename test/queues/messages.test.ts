/**
 * SQS message semantics in-process on a ManualClock: send/receive/delete, visibility timeouts and redelivery,
 * delays, receipt handles, long polling, redrive to a dead-letter queue, retention, purge, batches, and SQS's
 * validation of bodies and message attributes.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ReceivedSqsMessage } from '../../src/queues/index.js';
import { openFixture, rejectsWith, T0, untilWaiting, type SqsFixture } from './helpers.js';

describe('SQS messages', () => {
  let f: SqsFixture;
  let QueueUrl: string;
  beforeEach(async () => {
    f = await openFixture();
    ({ QueueUrl } = await f.mailroom.sqs.queues.create({ QueueName: 'work' }, f.mailroom.context()));
  });
  afterEach(() => f.close());

  const sqs = () => f.mailroom.sqs;
  const ctx = () => f.mailroom.context();
  const send = (body: string, extra: object = {}) => sqs().messages.send({ QueueUrl, MessageBody: body, ...extra }, ctx());
  const receive = async (extra: object = {}, url = QueueUrl): Promise<ReceivedSqsMessage[]> =>
    (await sqs().receiver.receive({ QueueUrl: url, ...extra })).Messages ?? [];
  const counts = async (url = QueueUrl) => {
    const { Attributes } = await sqs().queues.getAttributes({ QueueUrl: url, AttributeNames: ['All'] });
    return [Attributes!.ApproximateNumberOfMessages, Attributes!.ApproximateNumberOfMessagesNotVisible, Attributes!.ApproximateNumberOfMessagesDelayed].map(Number);
  };

  it('sends, receives with system attributes, and deletes', async () => {
    const sent = await send('hello', { MessageAttributes: { n: { DataType: 'Number', StringValue: '1493147359900' } } });
    assert.equal(sent.MD5OfMessageBody, '5d41402abc4b2a76b9719d911017c592');
    const [m] = await receive({ AttributeNames: ['All'], MessageAttributeNames: ['All'] });
    assert.equal(m!.MessageId, sent.MessageId);
    assert.equal(m!.Body, 'hello');
    assert.equal(m!.MD5OfBody, sent.MD5OfMessageBody);
    assert.deepEqual(m!.MessageAttributes, { n: { DataType: 'Number', StringValue: '1493147359900' } });
    assert.equal(m!.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
    assert.deepEqual(m!.Attributes, {
      SenderId: '000000000000',
      SentTimestamp: String(T0),
      ApproximateReceiveCount: '1',
      ApproximateFirstReceiveTimestamp: String(T0),
    });
    assert.deepEqual(await counts(), [0, 1, 0]);
    await sqs().receipts.delete({ QueueUrl, ReceiptHandle: m!.ReceiptHandle });
    assert.deepEqual(await counts(), [0, 0, 0]);
    // Deleting again succeeds, as in SQS: a retried delete must not fail.
    await sqs().receipts.delete({ QueueUrl, ReceiptHandle: m!.ReceiptHandle });
    f.clock.advance(60_000);
    assert.deepEqual(await receive(), []);
  });

  it('hides a received message for the visibility timeout, then redelivers it with a new handle', async () => {
    await send('job');
    const [first] = await receive();
    f.clock.advance(29_999);
    assert.deepEqual(await receive(), [], 'still invisible just before 30 s');
    f.clock.advance(1);
    const [second] = await receive({ AttributeNames: ['ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp'] });
    assert.equal(second!.MessageId, first!.MessageId);
    assert.notEqual(second!.ReceiptHandle, first!.ReceiptHandle);
    assert.deepEqual(second!.Attributes, { ApproximateReceiveCount: '2', ApproximateFirstReceiveTimestamp: String(T0) });
    // The first handle no longer owns the message.
    await rejectsWith(sqs().receipts.delete({ QueueUrl, ReceiptHandle: first!.ReceiptHandle }), 'ReceiptHandleIsInvalid', /expired/);
    await rejectsWith(sqs().receipts.changeVisibility({ QueueUrl, ReceiptHandle: first!.ReceiptHandle, VisibilityTimeout: 5 }), 'ReceiptHandleIsInvalid');
    await rejectsWith(sqs().receipts.delete({ QueueUrl, ReceiptHandle: 'garbage' }), 'ReceiptHandleIsInvalid', /not a valid receipt handle/);
    await sqs().receipts.delete({ QueueUrl, ReceiptHandle: second!.ReceiptHandle });
  });

  it('honours a per-receive VisibilityTimeout and ChangeMessageVisibility', async () => {
    await send('a');
    const [m] = await receive({ VisibilityTimeout: 5 });
    f.clock.advance(5000);
    const [again] = await receive({ VisibilityTimeout: 0 });
    assert.equal(again!.Body, 'a');
    const [third] = await receive();
    await sqs().receipts.changeVisibility({ QueueUrl, ReceiptHandle: third!.ReceiptHandle, VisibilityTimeout: 100 });
    f.clock.advance(99_000);
    assert.deepEqual(await receive(), []);
    await sqs().receipts.changeVisibility({ QueueUrl, ReceiptHandle: third!.ReceiptHandle, VisibilityTimeout: 0 });
    assert.equal((await receive())[0]!.Body, 'a');
    await rejectsWith(sqs().receipts.changeVisibility({ QueueUrl, ReceiptHandle: m!.ReceiptHandle, VisibilityTimeout: 43_201 }), 'InvalidParameterValue', /Must be between 0 and 43200/);
    await rejectsWith(receive({ VisibilityTimeout: 43_201 }), 'InvalidParameterValue');
    await rejectsWith(receive({ MaxNumberOfMessages: 11 }), 'InvalidParameterValue', /MaxNumberOfMessages/);
    await rejectsWith(receive({ MaxNumberOfMessages: 0 }), 'InvalidParameterValue');
    await rejectsWith(receive({ WaitTimeSeconds: 21 }), 'InvalidParameterValue', /WaitTimeSeconds/);
  });

  it('delays messages by DelaySeconds (message or queue default) and counts them as delayed', async () => {
    await send('later', { DelaySeconds: 10 });
    await sqs().queues.setAttributes({ QueueUrl, Attributes: { DelaySeconds: '20' } });
    await send('queue-default');
    assert.deepEqual(await counts(), [0, 0, 2]);
    f.clock.advance(10_000);
    assert.deepEqual((await receive({ MaxNumberOfMessages: 10 })).map((m) => m.Body), ['later']);
    f.clock.advance(10_000);
    assert.deepEqual((await receive({ MaxNumberOfMessages: 10 })).map((m) => m.Body), ['queue-default']);
    await rejectsWith(send('x', { DelaySeconds: 901 }), 'InvalidParameterValue', /DelaySeconds/);
  });

  it('receives up to MaxNumberOfMessages, oldest first, never the same message twice', async () => {
    for (let i = 0; i < 15; i++) await send(`m${i}`);
    const first = await receive({ MaxNumberOfMessages: 10 });
    const second = await receive({ MaxNumberOfMessages: 10 });
    assert.deepEqual(first.map((m) => m.Body), Array.from({ length: 10 }, (_, i) => `m${i}`));
    assert.deepEqual(second.map((m) => m.Body), ['m10', 'm11', 'm12', 'm13', 'm14']);
    // Concurrent receivers split the messages between them.
    f.clock.advance(30_000);
    const parallel = await Promise.all(Array.from({ length: 5 }, () => receive({ MaxNumberOfMessages: 4 })));
    const ids = parallel.flat().map((m) => m.MessageId);
    assert.equal(ids.length, 15);
    assert.equal(new Set(ids).size, 15);
  });

  it('answers a long poll as soon as a message is sent', { timeout: 10_000 }, async () => {
    // The timers of a Mailroom at rest (the queue gauge sampler's).
    const atRest = f.clock.pendingTimers;
    const polling = receive({ WaitTimeSeconds: 20 });
    await untilWaiting(f.mailroom);
    await send('wake up');
    assert.deepEqual((await polling).map((m) => m.Body), ['wake up']);
    assert.equal(f.clock.now(), T0, 'no clock time had to pass');
    await f.mailroom.metrics.flush();
    assert.equal(f.clock.pendingTimers, atRest, 'the wait timer was cancelled');
  });

  it('wakes a long poll when a delayed or invisible message becomes visible, and times out empty', { timeout: 10_000 }, async () => {
    await send('delayed', { DelaySeconds: 5 });
    const polling = receive({ WaitTimeSeconds: 20 });
    await untilWaiting(f.mailroom);
    f.clock.advance(5000);
    assert.deepEqual((await polling).map((m) => m.Body), ['delayed']);

    // Queue-level ReceiveMessageWaitTimeSeconds applies when the request says nothing.
    await sqs().queues.setAttributes({ QueueUrl, Attributes: { ReceiveMessageWaitTimeSeconds: '20' } });
    const empty = receive();
    await untilWaiting(f.mailroom);
    f.clock.advance(19_999);
    await untilWaiting(f.mailroom);
    f.clock.advance(1);
    assert.deepEqual(await empty, []);
    assert.equal(f.clock.now(), T0 + 25_000);
  });

  it('answers a waiting long poll with QueueDoesNotExist when its queue is deleted', { timeout: 10_000 }, async () => {
    const polling = receive({ WaitTimeSeconds: 20 });
    await untilWaiting(f.mailroom);
    await sqs().queues.delete({ QueueUrl });
    await rejectsWith(polling, 'QueueDoesNotExist');
  });

  it('moves a message to the dead-letter queue on the receive that would exceed maxReceiveCount', async () => {
    const dlq = await sqs().queues.create({ QueueName: 'work-dlq' }, ctx());
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:work-dlq';
    await sqs().queues.setAttributes({ QueueUrl, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) } });
    const sent = await send('poison', { MessageAttributes: { kind: { DataType: 'String', StringValue: 'bad' } } });
    for (let i = 1; i <= 2; i++) {
      const [m] = await receive({ VisibilityTimeout: 0, AttributeNames: ['ApproximateReceiveCount'] });
      assert.equal(m!.Attributes!.ApproximateReceiveCount, String(i));
    }
    assert.deepEqual(await receive(), [], 'the third receive moves it instead of returning it');
    assert.deepEqual(await counts(), [0, 0, 0]);
    const [dead] = await receive({ AttributeNames: ['All'], MessageAttributeNames: ['All'] }, dlq.QueueUrl);
    assert.equal(dead!.MessageId, sent.MessageId);
    assert.equal(dead!.Body, 'poison');
    assert.equal(dead!.Attributes!.DeadLetterQueueSourceArn, 'arn:aws:sqs:us-east-1:000000000000:work');
    assert.equal(dead!.Attributes!.SentTimestamp, String(T0));
    assert.equal(dead!.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
  });

  it('never returns a message past its retention period, and deletes expired ones', async () => {
    await sqs().queues.setAttributes({ QueueUrl, Attributes: { MessageRetentionPeriod: '60' } });
    await send('short-lived');
    f.clock.advance(30_000);
    await send('younger');
    f.clock.advance(30_000);
    assert.deepEqual(await counts(), [1, 0, 0]);
    assert.deepEqual((await receive({ MaxNumberOfMessages: 10 })).map((m) => m.Body), ['younger']);
    f.clock.advance(30_000);
    assert.equal(await f.mailroom.store.deleteExpiredMessages(f.clock.now()), 1);
    assert.deepEqual(await counts(), [0, 0, 0]);
  });

  it('purges messages sent so far, once per 60 seconds', async () => {
    await send('a');
    await send('b');
    await receive();
    await sqs().queues.purge({ QueueUrl });
    assert.deepEqual(await counts(), [0, 0, 0]);
    await rejectsWith(sqs().queues.purge({ QueueUrl }), 'PurgeQueueInProgress');
    f.clock.advance(1);
    await send('after');
    f.clock.advance(60_000);
    await sqs().queues.purge({ QueueUrl });
    assert.deepEqual(await receive(), []);
  });

  it('validates bodies, sizes and message attributes as SQS does', async () => {
    await rejectsWith(send(''), 'MissingParameter', /MessageBody/);
    await rejectsWith(send('bad \u0000 char'), 'InvalidMessageContents', /Invalid characters/);
    await rejectsWith(send('lone \ud800 surrogate'), 'InvalidMessageContents');
    await send('tab\tnewline\n emoji 🎉 ok');
    await sqs().queues.setAttributes({ QueueUrl, Attributes: { MaximumMessageSize: '1024' } });
    await send('x'.repeat(1024));
    await rejectsWith(send('x'.repeat(1025)), 'InvalidParameterValue', /Message must be shorter than 1024 bytes/);
    // Attribute names, types and values count towards the size.
    await rejectsWith(send('x'.repeat(1000), { MessageAttributes: { name: { DataType: 'String', StringValue: 'y'.repeat(20) } } }), 'InvalidParameterValue', /shorter than 1024/);
    const attr = (a: object) => send('x', { MessageAttributes: a });
    const string = (value: string) => ({ DataType: 'String', StringValue: value });
    await rejectsWith(attr(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, string('v')]))), 'InvalidParameterValue', /exceeds the allowed maximum \[10\]/);
    for (const name of ['AWS.x', 'amazon.y', 'bad name', '.dot', 'dot.', 'two..dots', 'a'.repeat(257)]) {
      await rejectsWith(attr({ [name]: string('v') }), 'InvalidParameterValue', /attribute name/);
    }
    await rejectsWith(attr({ a: { DataType: 'Text', StringValue: 'v' } }), 'InvalidParameterValue', /supported type prefixes/);
    await rejectsWith(attr({ a: string('') }), 'InvalidParameterValue');
    await rejectsWith(attr({ a: { DataType: 'Number', StringValue: 'ten' } }), 'InvalidParameterValue', /to a number/);
    await rejectsWith(attr({ a: { DataType: 'Binary', StringValue: 'v' } }), 'InvalidParameterValue');
    await rejectsWith(attr({ a: string('\u0001') }), 'InvalidMessageContents');
    await attr({ 'Ok_name.with-dots': { DataType: 'Number.int', StringValue: '-1.5e3' }, b: { DataType: 'Binary.gif', BinaryValue: 'R0lG' } });
    await rejectsWith(send('x', { MessageDeduplicationId: 'd' }), 'InvalidParameterValue');
  });

  it('filters message attributes by name and prefix on receive, with the digest of what is returned', async () => {
    await send('x', {
      MessageAttributes: {
        'order.id': { DataType: 'String', StringValue: '42' },
        'order.total': { DataType: 'Number', StringValue: '9.5' },
        other: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
      },
    });
    const pick = async (names: string[] | undefined) => {
      const [m] = await receive({ VisibilityTimeout: 0, ...(names && { MessageAttributeNames: names }) });
      return m!;
    };
    assert.equal((await pick(undefined)).MessageAttributes, undefined);
    assert.deepEqual(Object.keys((await pick(['order.*'])).MessageAttributes!), ['order.id', 'order.total']);
    assert.deepEqual(Object.keys((await pick(['other'])).MessageAttributes!), ['other']);
    assert.equal(Object.keys((await pick(['.*'])).MessageAttributes!).length, 3);
    const only = await pick(['order.id']);
    assert.notEqual(only.MD5OfMessageAttributes, (await pick(['All'])).MD5OfMessageAttributes);
    assert.equal((await pick(['nothing-matches'])).MessageAttributes, undefined);
  });

  it('sends, deletes and changes visibility in batches with per-entry failures', async () => {
    const out = await sqs().messages.sendBatch(
      { QueueUrl, Entries: [{ Id: 'a', MessageBody: 'one' }, { Id: 'b', MessageBody: '' }, { Id: 'c', MessageBody: 'three', DelaySeconds: 1000 }, { Id: 'd', MessageBody: 'four' }] },
      ctx(),
    );
    assert.deepEqual(out.Successful.map((s) => s.Id), ['a', 'd']);
    assert.deepEqual(out.Failed.map((x) => [x.Id, x.Code, x.SenderFault]), [['b', 'MissingParameter', true], ['c', 'InvalidParameterValue', true]]);
    // An attribute without a DataType fails its entry alone, as SendMessage fails with it.
    const untyped = await sqs().messages.sendBatch(
      { QueueUrl, Entries: [{ Id: 'u', MessageBody: 'untyped', MessageAttributes: { kind: { StringValue: 'x' } as never } }] },
      ctx(),
    );
    assert.deepEqual(untyped.Failed.map((x) => [x.Id, x.Code, x.SenderFault]), [['u', 'InvalidParameterValue', true]]);
    assert.deepEqual(untyped.Successful, []);
    const messages = await receive({ MaxNumberOfMessages: 10 });
    assert.deepEqual(messages.map((m) => m.Body), ['one', 'four']);
    const changed = await sqs().receipts.changeVisibilityBatch({
      QueueUrl,
      Entries: [{ Id: 'x', ReceiptHandle: messages[0]!.ReceiptHandle, VisibilityTimeout: 0 }, { Id: 'y', ReceiptHandle: 'nope', VisibilityTimeout: 0 }],
    });
    assert.deepEqual(changed.Successful, [{ Id: 'x' }]);
    assert.deepEqual(changed.Failed.map((x) => [x.Id, x.Code]), [['y', 'ReceiptHandleIsInvalid']]);
    // An entry without a handle fails on its own and leaves the others' results where they belong.
    const entries = [{ Id: 'n' }, { Id: 'p', ReceiptHandle: messages[1]!.ReceiptHandle }, { Id: 'm' }, { Id: 'q', ReceiptHandle: 'nope' }];
    const deleted = await sqs().receipts.deleteBatch({ QueueUrl, Entries: entries as { Id: string; ReceiptHandle: string }[] });
    assert.deepEqual(deleted.Successful, [{ Id: 'p' }]);
    assert.deepEqual(deleted.Failed.map((x) => [x.Id, x.Code]), [['n', 'MissingParameter'], ['m', 'MissingParameter'], ['q', 'ReceiptHandleIsInvalid']]);

    await rejectsWith(sqs().messages.sendBatch({ QueueUrl, Entries: [] }, ctx()), 'EmptyBatchRequest');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, MessageBody: 'x' }));
    await rejectsWith(sqs().messages.sendBatch({ QueueUrl, Entries: eleven }, ctx()), 'TooManyEntriesInBatchRequest');
    await rejectsWith(sqs().messages.sendBatch({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] }, ctx()), 'BatchEntryIdsNotDistinct');
    await rejectsWith(sqs().messages.sendBatch({ QueueUrl, Entries: [{ Id: 'not valid!', MessageBody: 'x' }] }, ctx()), 'InvalidBatchEntryId');
    const big = Array.from({ length: 2 }, (_, i) => ({ Id: `b${i}`, MessageBody: 'x'.repeat(600_000) }));
    await rejectsWith(sqs().messages.sendBatch({ QueueUrl, Entries: big }, ctx()), 'BatchRequestTooLong');
    await rejectsWith(sqs().receipts.deleteBatch({ QueueUrl, Entries: [] }), 'EmptyBatchRequest');
  });
});
