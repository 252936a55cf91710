/**
 * The AWS/SQS metrics in-process on a ManualClock: the counts recorded by sends, receives (empty ones apart) and
 * deletes, and the gauges the sampler records at the start of each minute — visible, in flight, delayed, and the
 * age of the oldest message — for every queue, empty ones included.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { MetricDatum } from '../../src/store/metrics.js';
import { openFixture, T0, type SqsFixture } from './helpers.js';

const MINUTE = 60_000;

describe('AWS/SQS metrics', () => {
  let f: SqsFixture;
  let work: string;
  let idle: string;
  beforeEach(async () => {
    f = await openFixture();
    ({ QueueUrl: work } = await f.mailroom.sqs.queues.create({ QueueName: 'work' }, f.mailroom.context()));
    ({ QueueUrl: idle } = await f.mailroom.sqs.queues.create({ QueueName: 'idle' }, f.mailroom.context()));
  });
  afterEach(() => f.close());

  const sqs = () => f.mailroom.sqs;
  const send = (body: string, extra: object = {}) => sqs().messages.send({ QueueUrl: work, MessageBody: body, ...extra }, f.mailroom.context());
  const receive = async (url: string, extra: object = {}) => (await sqs().receiver.receive({ QueueUrl: url, ...extra })).Messages ?? [];

  async function rows(name: string, queue: string, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<MetricDatum[]> {
    return f.mailroom.store.queryMetrics({ namespace: 'AWS/SQS', name, dimensions: { QueueName: queue }, from, to });
  }
  const sum = async (name: string, queue: string) => (await rows(name, queue)).reduce((n, d) => n + d.sum, 0);

  /** The one sample of a gauge recorded for `minute`. */
  async function gauge(name: string, queue: string, minute: number): Promise<number> {
    const got = await rows(name, queue, minute, minute + MINUTE);
    assert.equal(got.length, 1, `${name} ${queue}: ${JSON.stringify(got)}`);
    assert.equal(got[0]!.count, 1, `${name} ${queue} sampled once`);
    return got[0]!.sum;
  }

  it('counts sends, receives, empty receives and deletes, and samples the gauges each minute', async () => {
    await send('a', { MessageAttributes: { n: { DataType: 'Number', StringValue: '1' } } });
    f.clock.advance(15_000);
    await sqs().messages.sendBatch({ QueueUrl: work, Entries: [{ Id: 'b', MessageBody: 'b' }, { Id: 'c', MessageBody: 'c' }] }, f.mailroom.context());
    await send('d');
    await send('e', { DelaySeconds: 120 });

    const [a, b] = await receive(work, { MaxNumberOfMessages: 2 });
    assert.deepEqual([a!.Body, b!.Body], ['a', 'b']);
    await sqs().receipts.delete({ QueueUrl: work, ReceiptHandle: a!.ReceiptHandle });
    // A repeated delete of the same handle succeeds and is counted, as in SQS.
    await sqs().receipts.delete({ QueueUrl: work, ReceiptHandle: a!.ReceiptHandle });
    await sqs().receipts.deleteBatch({ QueueUrl: work, Entries: [{ Id: 'b', ReceiptHandle: b!.ReceiptHandle }] });
    assert.equal((await receive(work, { VisibilityTimeout: 300 })).length, 1);
    assert.deepEqual(await receive(idle), []);

    // The sampler's first tick: the start of the next minute.
    f.clock.advance(45_000);
    await f.mailroom.queueGauges.settled();
    await f.mailroom.metrics.flush();

    assert.equal(await sum('NumberOfMessagesSent', 'work'), 5);
    const sizes = await rows('SentMessageSize', 'work');
    assert.deepEqual([sizes.reduce((n, d) => n + d.sum, 0), sizes.reduce((n, d) => n + d.count, 0), Math.min(...sizes.map((d) => d.min)), Math.max(...sizes.map((d) => d.max))], [9 + 4, 5, 1, 9]);
    assert.equal(sizes[0]!.unit, 'Bytes');
    assert.equal(await sum('NumberOfMessagesReceived', 'work'), 3);
    assert.equal(await sum('NumberOfEmptyReceives', 'work'), 0);
    assert.equal(await sum('NumberOfEmptyReceives', 'idle'), 1);
    assert.equal(await sum('NumberOfMessagesReceived', 'idle'), 0);
    assert.equal(await sum('NumberOfMessagesDeleted', 'work'), 3);

    const minute = T0 + MINUTE;
    assert.equal(await gauge('ApproximateNumberOfMessagesVisible', 'work', minute), 1, 'd');
    assert.equal(await gauge('ApproximateNumberOfMessagesNotVisible', 'work', minute), 1, 'c, received for 300 s');
    assert.equal(await gauge('ApproximateNumberOfMessagesDelayed', 'work', minute), 1, 'e, delayed 120 s');
    assert.equal(await gauge('ApproximateAgeOfOldestMessage', 'work', minute), 45, 'c, sent 15 s after the first minute began');
    assert.equal((await rows('ApproximateAgeOfOldestMessage', 'work'))[0]!.unit, 'Seconds');
    for (const name of ['ApproximateNumberOfMessagesVisible', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'ApproximateAgeOfOldestMessage']) {
      assert.equal(await gauge(name, 'idle', minute), 0, `${name} of an empty queue`);
    }
    assert.deepEqual(await rows('ApproximateNumberOfMessagesVisible', 'work', T0, minute), [], 'no sample before the first tick');

    // Two more ticks, one a minute: by the second the delayed message is visible, the in-flight one still not.
    f.clock.advance(2 * MINUTE);
    await f.mailroom.queueGauges.settled();
    await f.mailroom.metrics.flush();
    assert.equal(await gauge('ApproximateNumberOfMessagesDelayed', 'work', minute + MINUTE), 1);
    assert.equal(await gauge('ApproximateNumberOfMessagesVisible', 'work', minute + 2 * MINUTE), 2);
    assert.equal(await gauge('ApproximateNumberOfMessagesDelayed', 'work', minute + 2 * MINUTE), 0);
    assert.equal(await gauge('ApproximateNumberOfMessagesNotVisible', 'work', minute + 2 * MINUTE), 1);
    assert.equal(await gauge('ApproximateAgeOfOldestMessage', 'work', minute + 2 * MINUTE), 165);
  });

  it('stops sampling on close', async () => {
    const sampler = f.mailroom.queueGauges;
    const before = f.clock.pendingTimers;
    await sampler.stop();
    assert.equal(f.clock.pendingTimers, before - 1, 'the next tick was cancelled');
  });
});
