/**
 * The QueueStore part of the store contract (called by contract.ts inside its `describe('queues')`), so every
 * backend — SQLite now, PostgreSQL next — must receive atomically, honour receipt handles, redrive, expire and
 * purge the same way. Times are explicit: the store never reads a clock for queue semantics.
 */
import assert from 'node:assert/strict';
import type { NewQueueMessage, QueueRecord } from '../../src/store/queues.js';
import type { Store } from '../../src/store/store.js';

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

export function queueRecord(name: string, attributes: Record<string, string> = {}): QueueRecord {
  return {
    name,
    arn: `arn:aws:sqs:us-east-1:000000000000:${name}`,
    attributes: { VisibilityTimeout: '30', MessageRetentionPeriod: '345600', ...attributes },
    createdAt: T0,
    lastModifiedAt: T0,
  };
}

export function message(queue: string, id: string, extra: Partial<NewQueueMessage> = {}): NewQueueMessage {
  return {
    queue,
    messageId: id,
    body: `body of ${id} — ünïcode 🎉`,
    attributes: {},
    md5OfBody: 'd41d8cd98f00b204e9800998ecf8427e',
    sentAt: T0,
    visibleAt: T0,
    expiresAt: T0 + 4 * DAY,
    ...extra,
  };
}

type Test = (title: string, fn: () => Promise<void>) => void;

export function queueContract(test: Test, store: () => Store): void {
  const receive = (queue: string, now: number, max = 10, visibilityTimeoutMs = 30_000) => store().receiveMessages({ queue, now, max, visibilityTimeoutMs });

  test('createQueue stores the queue with its tags and refuses a taken name', async () => {
    assert.equal(await store().createQueue(queueRecord('q'), { team: 'a' }), true);
    assert.deepEqual(await store().getQueue('q'), queueRecord('q'));
    assert.equal(await store().createQueue(queueRecord('q', { VisibilityTimeout: '5' }), {}), false);
    assert.equal((await store().getQueue('q'))?.attributes.VisibilityTimeout, '30');
    assert.deepEqual(await store().listQueueTags('q'), { team: 'a' });
    assert.equal(await store().getQueue('other'), undefined);
  });

  test('listQueues pages by name with a prefix; setQueueAttributes replaces them', async () => {
    for (const n of ['b', 'a2', 'a1', 'a_3']) await store().createQueue(queueRecord(n), {});
    const page = await store().listQueues({ prefix: 'a', limit: 2 });
    assert.deepEqual(page.items.map((q) => q.name), ['a1', 'a2']);
    assert.deepEqual((await store().listQueues({ prefix: 'a', after: page.after, limit: 2 })).items.map((q) => q.name), ['a_3']);
    assert.equal(await store().setQueueAttributes('b', { VisibilityTimeout: '9' }, T0 + 1), true);
    assert.deepEqual((await store().getQueue('b'))?.attributes, { VisibilityTimeout: '9' });
    assert.equal((await store().getQueue('b'))?.lastModifiedAt, T0 + 1);
    assert.equal(await store().setQueueAttributes('missing', {}, T0), false);
  });

  test('deleteQueue takes messages and tags with it', async () => {
    await store().createQueue(queueRecord('q'), { k: 'v' });
    await store().sendMessages([message('q', 'm1')]);
    assert.equal(await store().deleteQueue('q'), true);
    assert.equal(await store().deleteQueue('q'), false);
    await store().createQueue(queueRecord('q'), {});
    assert.deepEqual(await receive('q', T0), []);
    assert.deepEqual(await store().listQueueTags('q'), {});
  });

  test('sendMessages writes all or nothing, and nothing to a missing queue', async () => {
    assert.equal(await store().sendMessages([message('nope', 'm1')]), false);
    await store().createQueue(queueRecord('q'), {});
    const attributes = { a: { DataType: 'String', StringValue: 'x' }, b: { DataType: 'Binary', BinaryValue: 'AAEC' } };
    assert.equal(await store().sendMessages([message('q', 'm1', { attributes, md5OfMessageAttributes: 'abc', senderId: 'AKID' }), message('q', 'm2')]), true);
    const got = await receive('q', T0);
    assert.deepEqual(got.map((m) => m.messageId), ['m1', 'm2']);
    assert.equal(got[0]!.body, 'body of m1 — ünïcode 🎉');
    assert.deepEqual(got[0]!.attributes, attributes);
    assert.equal(got[0]!.md5OfMessageAttributes, 'abc');
    assert.equal(got[0]!.senderId, 'AKID');
    assert.equal(got[1]!.md5OfMessageAttributes, undefined);
  });

  test('receiveMessages claims visible messages oldest first, never twice within the timeout', async () => {
    await store().createQueue(queueRecord('q'), {});
    await store().sendMessages([message('q', 'late', { visibleAt: T0 + 10 }), message('q', 'm1'), message('q', 'm2'), message('q', 'm3')]);
    const first = await receive('q', T0, 2);
    assert.deepEqual(first.map((m) => [m.messageId, m.receiveCount, m.firstReceivedAt]), [['m1', 1, T0], ['m2', 1, T0]]);
    assert.deepEqual((await receive('q', T0 + 10)).map((m) => m.messageId), ['m3', 'late']);
    assert.deepEqual(await receive('q', T0 + 29_999), []);
    assert.equal(await store().nextVisibleAt('q', T0 + 10), T0 + 30_000);
    assert.deepEqual(await store().queueCounts('q', T0 + 10), { visible: 0, inFlight: 4, delayed: 0 });
    const again = await receive('q', T0 + 30_000, 10, 1000);
    assert.deepEqual(again.map((m) => [m.messageId, m.receiveCount, m.firstReceivedAt]), [['m1', 2, T0], ['m2', 2, T0]]);
    assert.notEqual(again[0]!.receiptHandle, first[0]!.receiptHandle);
  });

  test('receipt handles: only the latest deletes or changes visibility; a deleted message is gone', async () => {
    await store().createQueue(queueRecord('q'), {});
    await store().createQueue(queueRecord('other'), {});
    await store().sendMessages([message('q', 'm1')]);
    const [old] = await receive('q', T0, 1, 0);
    const [latest] = await receive('q', T0, 1, 0);
    assert.deepEqual(await store().deleteMessages('q', [old!.receiptHandle]), ['stale']);
    assert.equal(await store().changeMessageVisibility('q', old!.receiptHandle, T0 + 5), 'stale');
    assert.deepEqual(await store().deleteMessages('q', ['not-a-handle']), ['invalid']);
    assert.deepEqual(await store().deleteMessages('other', [latest!.receiptHandle]), ['gone']);
    assert.equal(await store().changeMessageVisibility('q', latest!.receiptHandle, T0 + 5000), 'ok');
    assert.deepEqual(await receive('q', T0 + 4999), []);
    assert.deepEqual(await store().queueCounts('q', T0), { visible: 0, inFlight: 1, delayed: 0 });
    assert.deepEqual(await store().deleteMessages('q', [latest!.receiptHandle]), ['ok']);
    assert.deepEqual(await store().deleteMessages('q', [latest!.receiptHandle]), ['gone']);
    assert.deepEqual(await receive('q', T0 + 5000), []);
  });

  test('deleteMessages answers each handle of a batch in order, as if deleted one after the other', async () => {
    await store().createQueue(queueRecord('q'), {});
    await store().sendMessages(['m1', 'm2', 'm3'].map((id) => message('q', id)));
    const [stale] = await receive('q', T0, 1, 0);
    const [m1, m2, m3] = await receive('q', T0, 3, 60_000);
    assert.deepEqual([m1, m2, m3].map((m) => m!.messageId), ['m1', 'm2', 'm3']);
    const results = await store().deleteMessages('q', [m2!.receiptHandle, stale!.receiptHandle, 'not-a-handle', m1!.receiptHandle, m2!.receiptHandle]);
    assert.deepEqual(results, ['ok', 'stale', 'invalid', 'ok', 'gone']);
    assert.deepEqual(await store().queueCounts('q', T0), { visible: 0, inFlight: 1, delayed: 0 });
    assert.deepEqual(await store().deleteMessages('q', []), []);
  });

  test('a redrive policy moves a message past maxReceiveCount to the dead-letter queue, keeping its id', async () => {
    await store().createQueue(queueRecord('src'), {});
    await store().createQueue(queueRecord('dlq', { MessageRetentionPeriod: '60' }), {});
    await store().sendMessages([message('src', 'm1')]);
    const redrive = { maxReceiveCount: 2, deadLetterQueue: 'dlq', sourceArn: queueRecord('src').arn };
    const req = (now: number) => ({ queue: 'src', now, max: 10, visibilityTimeoutMs: 0, redrive });
    assert.equal((await store().receiveMessages(req(T0))).length, 1);
    assert.equal((await store().receiveMessages(req(T0 + 1))).length, 1);
    assert.deepEqual(await store().receiveMessages(req(T0 + 2)), []);
    const [dead] = await receive('dlq', T0 + 2);
    assert.equal(dead!.messageId, 'm1');
    assert.equal(dead!.deadLetterSourceArn, queueRecord('src').arn);
    // Retention in the DLQ counts from the original send.
    assert.deepEqual(await receive('dlq', T0 + 60_000), []);
    // Without its dead-letter queue, a message stays where it is rather than being lost.
    await store().sendMessages([message('src', 'm2')]);
    const lost = { ...redrive, deadLetterQueue: 'missing' };
    for (let i = 0; i < 4; i++) assert.equal((await store().receiveMessages({ ...req(T0 + 10 + i), redrive: lost })).length, 1);
  });

  test('expired messages are never received, not counted, and swept', async () => {
    await store().createQueue(queueRecord('q'), {});
    await store().sendMessages([message('q', 'old', { expiresAt: T0 + 100 }), message('q', 'young', { expiresAt: T0 + 200 })]);
    assert.deepEqual(await store().queueCounts('q', T0 + 100), { visible: 1, inFlight: 0, delayed: 0 });
    assert.deepEqual((await receive('q', T0 + 100)).map((m) => m.messageId), ['young']);
    assert.equal(await store().deleteExpiredMessages(T0 + 200), 1);
    assert.deepEqual(await store().queueCounts('q', T0), { visible: 0, inFlight: 0, delayed: 0 });
  });

  test('queueGauges reports every queue, empty ones too, with its oldest unexpired message', async () => {
    await store().createQueue(queueRecord('busy'), {});
    await store().createQueue(queueRecord('empty'), {});
    await store().sendMessages([
      message('busy', 'old', { sentAt: T0 }),
      message('busy', 'taken', { sentAt: T0 + 1 }),
      message('busy', 'delayed', { sentAt: T0 + 2, visibleAt: T0 + 60_000 }),
    ]);
    await receive('busy', T0 + 3, 2);
    // Older than all of them, but expired by the time the gauges are read.
    await store().sendMessages([message('busy', 'expired', { sentAt: T0 - 10, visibleAt: T0 + 60_000, expiresAt: T0 + 5 })]);
    assert.deepEqual(await store().queueGauges(T0 + 10), [
      { queue: 'busy', visible: 0, inFlight: 2, delayed: 1, oldestSentAt: T0 },
      { queue: 'empty', visible: 0, inFlight: 0, delayed: 0 },
    ]);
    assert.deepEqual((await store().queueGauges(T0 + 30_003)).find((g) => g.queue === 'busy'), { queue: 'busy', visible: 2, inFlight: 0, delayed: 1, oldestSentAt: T0 });
  });

  test('purgeQueue deletes what was sent up to then and records when', async () => {
    assert.equal(await store().purgeQueue('nope', T0), false);
    await store().createQueue(queueRecord('q'), {});
    await store().sendMessages([message('q', 'a'), message('q', 'later', { sentAt: T0 + 5, visibleAt: T0 + 5 })]);
    assert.equal(await store().purgeQueue('q', T0 + 1), true);
    assert.equal((await store().getQueue('q'))?.lastPurgedAt, T0 + 1);
    assert.deepEqual((await receive('q', T0 + 5)).map((m) => m.messageId), ['later']);
  });

  test('deadLetterSourceQueues finds queues whose RedrivePolicy names the ARN', async () => {
    const dlqArn = queueRecord('dlq').arn;
    const policy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
    await store().createQueue(queueRecord('dlq'), {});
    for (const n of ['s2', 's1', 'unrelated']) await store().createQueue(queueRecord(n, n === 'unrelated' ? {} : { RedrivePolicy: policy }), {});
    assert.deepEqual(await store().deadLetterSourceQueues(dlqArn, { limit: 1 }), { items: ['s1'], after: 's1' });
    assert.deepEqual(await store().deadLetterSourceQueues(dlqArn, { after: 's1', limit: 10 }), { items: ['s2'] });
  });

  test('tagQueue merges, untagQueue removes, both refuse a missing queue', async () => {
    assert.equal(await store().tagQueue('nope', { a: '1' }), false);
    assert.equal(await store().untagQueue('nope', ['a']), false);
    await store().createQueue(queueRecord('q'), {});
    await store().tagQueue('q', { a: '1', b: '2' });
    await store().tagQueue('q', { b: '3' });
    await store().untagQueue('q', ['a', 'zz']);
    assert.deepEqual(await store().listQueueTags('q'), { b: '3' });
  });
}
