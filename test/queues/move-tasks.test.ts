/**
 * SQS message move tasks in-process on a ManualClock: StartMessageMoveTask's checks, MaxNumberOfMessagesPerSecond
 * honoured batch by batch as the clock advances, one active task per source, CancelMessageMoveTask, FAILED tasks
 * that say why (and are counted), and the runner's leases — resumed after a restart, taken over from a process
 * that died, never run by two processes at once.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { openStore } from '../../src/store/index.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';
import { until } from '../helpers/until.js';
import { rejectsWith, T0 } from './helpers.js';

const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:dlq';
const SRC_ARN = 'arn:aws:sqs:us-east-1:000000000000:src';

describe('SQS message move tasks', () => {
  let dir: string;
  let clock: ManualClock;
  let mailroom: Mailroom;
  const open = async () => (mailroom = await createMailroom({ dataDir: dir, clock }));
  beforeEach(async () => {
    dir = tempDataDir('mailroom-move-');
    clock = new ManualClock(T0);
    await open();
  });
  afterEach(async () => {
    await mailroom.close();
    removeDir(dir);
  });

  const sqs = () => mailroom.sqs;
  const ctx = () => mailroom.context();
  const list = async (max = 1) => (await sqs().moveTasks.list({ SourceArn: DLQ_ARN, MaxResults: max })).Results;
  const count = async (queue: string) => {
    const { Attributes } = await sqs().queues.getAttributes({ QueueUrl: queue, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] });
    return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
  };

  /** Waits until the runner has nothing in progress. */
  const untilIdle = (m: Mailroom = mailroom) => until(() => m.sqs.moveTaskRunner.idle, 'the move task runner to settle');

  /**
   * Moves the clock on in steps of at most half a second, letting every batch that falls due run as it would on a
   * running clock (a batch is a timer set when the one before has finished, so one big jump would fire only one).
   */
  async function advance(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= 500) {
      clock.advance(Math.min(500, left));
      for (let i = 0; i < 3; i++) {
        await untilIdle();
        clock.advance(0);
      }
      await untilIdle();
    }
  }

  /** `n` messages in src whose redrive policy (maxReceiveCount 1) has moved them to dlq. */
  async function deadLetters(n: number, srcAttributes: Record<string, string> = {}): Promise<string[]> {
    await sqs().queues.create({ QueueName: 'dlq' }, ctx());
    await sqs().queues.create({ QueueName: 'src', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 1 }), ...srcAttributes } }, ctx());
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await sqs().messages.send({ QueueUrl: 'src', MessageBody: `job ${i}`, MessageAttributes: { n: { DataType: 'Number', StringValue: String(i) } } }, ctx())).MessageId);
    for (let got = 0; got < n; ) got += (await sqs().receiver.receive({ QueueUrl: 'src', MaxNumberOfMessages: 10, VisibilityTimeout: 0 })).Messages?.length ?? 0;
    assert.deepEqual(await sqs().receiver.receive({ QueueUrl: 'src', MaxNumberOfMessages: 10 }), {}, 'all moved to the DLQ');
    assert.equal(await count('dlq'), n);
    return ids;
  }

  it('refuses bad input with SQS error codes that name the field', async () => {
    const start = (input: object) => sqs().moveTasks.start(input as never);
    await rejectsWith(start({}), 'MissingParameter', /SourceArn/);
    await rejectsWith(start({ SourceArn: 'dlq' }), 'InvalidParameterValue', /SourceArn: arn:/);
    await rejectsWith(start({ SourceArn: DLQ_ARN }), 'ResourceNotFoundException', /SourceArn parameter/);
    await sqs().queues.create({ QueueName: 'dlq' }, ctx());
    await rejectsWith(start({ SourceArn: DLQ_ARN }), 'InvalidParameterValue', /must be configured as a Dead Letter Queue/);
    await sqs().queues.create({ QueueName: 'src', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 1 }) } }, ctx());
    await rejectsWith(start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 0 }), 'InvalidParameterValue', /MaxNumberOfMessagesPerSecond .*between 1 and 500/);
    await rejectsWith(start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 501 }), 'InvalidParameterValue', /MaxNumberOfMessagesPerSecond/);
    await rejectsWith(start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 'fast' }), 'SerializationException', /maxNumberOfMessagesPerSecond/);
    await rejectsWith(start({ SourceArn: DLQ_ARN, DestinationArn: 'arn:aws:sqs:us-east-1:000000000000:nope' }), 'ResourceNotFoundException', /DestinationArn parameter/);
    await rejectsWith(start({ SourceArn: DLQ_ARN, DestinationArn: DLQ_ARN }), 'InvalidParameterValue', /cannot be the same/);
    await rejectsWith(sqs().moveTasks.list({} as never), 'MissingParameter', /SourceArn/);
    await rejectsWith(sqs().moveTasks.list({ SourceArn: DLQ_ARN, MaxResults: 11 }), 'InvalidParameterValue', /MaxResults/);
    await rejectsWith(sqs().moveTasks.list({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope' }), 'ResourceNotFoundException', /SourceArn/);
    await rejectsWith(sqs().moveTasks.cancel({} as never), 'MissingParameter', /TaskHandle/);
    await rejectsWith(sqs().moveTasks.cancel({ TaskHandle: 'no-such-task' }), 'ResourceNotFoundException', /Task does not exist/);
    assert.deepEqual(await list(10), []);
  });

  it('moves at MaxNumberOfMessagesPerSecond, back to the source queue as new messages', async () => {
    const ids = await deadLetters(10);
    clock.advance(60_000);
    const startedAt = clock.now();
    const { TaskHandle } = await sqs().moveTasks.start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 2 });
    await untilIdle();
    // One message now, then one every half second: 2 per second.
    const moved = async () => (await list())[0]!.ApproximateNumberOfMessagesMoved;
    assert.equal(await moved(), 1);
    await advance(1000);
    assert.equal(await moved(), 3);
    await advance(2000);
    assert.equal(await moved(), 7);
    const [running] = await list();
    assert.deepEqual(running, {
      TaskHandle,
      Status: 'RUNNING',
      SourceArn: DLQ_ARN,
      MaxNumberOfMessagesPerSecond: 2,
      ApproximateNumberOfMessagesMoved: 7,
      ApproximateNumberOfMessagesToMove: 10,
      StartedTimestamp: startedAt,
    });
    assert.equal(await count('dlq'), 3);
    await advance(2000);
    const [done] = await list();
    assert.deepEqual([done!.Status, done!.ApproximateNumberOfMessagesMoved, done!.TaskHandle], ['COMPLETED', 10, undefined]);
    assert.equal(await count('dlq'), 0);
    const back = (await sqs().receiver.receive({ QueueUrl: 'src', MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], AttributeNames: ['All'] })).Messages!;
    assert.equal(back.length, 10);
    assert.deepEqual(back.map((m) => m.Body).sort(), ids.map((_, i) => `job ${i}`).sort());
    for (const m of back) {
      assert.ok(!ids.includes(m.MessageId), 'a new MessageId');
      assert.equal(m.Attributes!.ApproximateReceiveCount, '1', 'a fresh receive count');
      assert.equal(m.Attributes!.DeadLetterQueueSourceArn, undefined);
      assert.ok(Number(m.Attributes!.SentTimestamp) >= startedAt, 'sent when moved, not when first sent');
      assert.equal(m.MessageAttributes!.n!.DataType, 'Number');
    }
  });

  it('allows one active task per source queue, and cancels only a RUNNING one', async () => {
    await deadLetters(5);
    const { TaskHandle } = await sqs().moveTasks.start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 1 });
    await untilIdle();
    await rejectsWith(sqs().moveTasks.start({ SourceArn: DLQ_ARN }), 'InvalidParameterValue', /Only one active task is allowed/);
    await advance(1000);
    assert.deepEqual(await sqs().moveTasks.cancel({ TaskHandle }), { ApproximateNumberOfMessagesMoved: 2 });
    await untilIdle();
    const [cancelled] = await list();
    assert.deepEqual([cancelled!.Status, cancelled!.ApproximateNumberOfMessagesMoved], ['CANCELLED', 2]);
    await advance(5000);
    assert.equal(await count('dlq'), 3, 'nothing moves after a cancel');
    await rejectsWith(sqs().moveTasks.cancel({ TaskHandle }), 'UnsupportedOperation', /RUNNING.*CANCELLED/);
    // A new task may start now; it takes the rest, system-optimized, to a DestinationArn.
    await sqs().queues.create({ QueueName: 'elsewhere' }, ctx());
    await sqs().moveTasks.start({ SourceArn: DLQ_ARN, DestinationArn: 'arn:aws:sqs:us-east-1:000000000000:elsewhere' });
    await advance(100);
    assert.deepEqual((await list(10)).map((t) => [t.Status, t.ApproximateNumberOfMessagesMoved]), [['COMPLETED', 3], ['CANCELLED', 2]]);
    assert.equal(await count('elsewhere'), 3);
  });

  it('fails a task loudly when a message has no source queue to return to', async () => {
    await deadLetters(1);
    await sqs().messages.send({ QueueUrl: 'dlq', MessageBody: 'sent straight to the DLQ' }, ctx());
    await sqs().moveTasks.start({ SourceArn: DLQ_ARN });
    await untilIdle();
    const [failed] = await list();
    assert.equal(failed!.Status, 'FAILED');
    assert.equal(failed!.ApproximateNumberOfMessagesMoved, 1);
    assert.match(failed!.FailureReason!, /no source queue to return to; give a DestinationArn/);
    await mailroom.metrics.flush();
    const counted = await mailroom.store.queryMetrics({ namespace: 'Mailroom/Redrive', name: 'MoveTaskFailures', dimensions: { QueueName: 'dlq' }, from: 0, to: Number.MAX_SAFE_INTEGER });
    assert.equal(counted.reduce((n, d) => n + d.sum, 0), 1);
  });

  it('resumes a task after a restart', async () => {
    await deadLetters(6);
    await sqs().moveTasks.start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 1 });
    await advance(1000);
    await mailroom.close();
    await open();
    await untilIdle();
    assert.equal(mailroom.sqs.moveTaskRunner.runningTasks, 1, 'the lease was given back on close, so it is claimed at once');
    await advance(5000);
    const [done] = await list();
    assert.deepEqual([done!.Status, done!.ApproximateNumberOfMessagesMoved], ['COMPLETED', 6]);
    assert.equal(await count('src'), 6);
  });

  it('takes a task over when the process that ran it died, once its lease ends', async () => {
    await deadLetters(3);
    await sqs().moveTasks.start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 1 });
    await untilIdle();
    await mailroom.close();
    // Another process claims it and dies without giving it back.
    const store = await openStore({ dataDir: dir, clock });
    const stolen = await store.claimMoveTasks({ owner: 'dead-process', now: clock.now(), leaseUntil: clock.now() + 60_000 }, 10);
    assert.equal(stolen.tasks.length, 1);
    await store.close();
    await open();
    await untilIdle();
    assert.equal(mailroom.sqs.moveTaskRunner.runningTasks, 0, 'held by the other process');
    await advance(30_000);
    assert.equal((await list())[0]!.ApproximateNumberOfMessagesMoved, 1, 'nothing moves while its lease holds');
    await advance(30_001);
    assert.equal(mailroom.sqs.moveTaskRunner.runningTasks, 1, 'taken over when the lease ended');
    await advance(3000);
    assert.equal((await list())[0]!.Status, 'COMPLETED');
    assert.equal(await count('src'), 3);
  });

  it('never runs one task in two processes sharing the database', async () => {
    await deadLetters(8);
    const second = await createMailroom({ dataDir: dir, clock });
    try {
      await sqs().moveTasks.start({ SourceArn: DLQ_ARN, MaxNumberOfMessagesPerSecond: 4 });
      second.sqs.moveTaskRunner.changed('a task started elsewhere');
      await untilIdle();
      await untilIdle(second);
      assert.equal(mailroom.sqs.moveTaskRunner.runningTasks + second.sqs.moveTaskRunner.runningTasks, 1);
      for (let i = 0; i < 10; i++) {
        await advance(500);
        await untilIdle(second);
      }
      assert.equal((await list())[0]!.Status, 'COMPLETED');
      assert.equal(await count('src'), 8, 'each message moved exactly once');
    } finally {
      await second.close();
    }
  });
});
