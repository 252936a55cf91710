/**
 * The MoveTaskStore part of the store contract (called by contract.ts), so every backend leases move tasks and
 * moves messages out of a dead-letter queue the same way. Times are explicit: the store never reads a clock.
 */
import assert from 'node:assert/strict';
import type { MoveTaskRecord } from '../../src/store/move-tasks.js';
import type { Store } from '../../src/store/store.js';
import { message, queueRecord } from './queue-contract.js';

const T0 = Date.UTC(2026, 0, 1);
const LEASE = 60_000;

type Test = (title: string, fn: () => Promise<void>) => void;

export function task(handle: string, sourceQueue = 'dlq', extra: Partial<MoveTaskRecord> = {}): MoveTaskRecord {
  return { handle, sourceQueue, sourceArn: queueRecord(sourceQueue).arn, status: 'RUNNING', moved: 0, toMove: 0, startedAt: T0, updatedAt: T0, ...extra };
}

export function moveTaskContract(test: Test, store: () => Store): void {
  const lease = (owner: string, now = T0) => ({ owner, now, leaseUntil: now + LEASE });
  const visible = async (queue: string, now: number) => (await store().peekMessages(queue, now, { limit: 100 })).items;

  /** A dead-letter queue holding `ids`, each moved there by src's redrive policy, as SQS does. */
  async function deadLetterQueue(ids: string[]): Promise<void> {
    await store().createQueue(queueRecord('src', { DelaySeconds: '5', MessageRetentionPeriod: '600' }), {});
    await store().createQueue(queueRecord('dlq'), {});
    const attributes = { kind: { DataType: 'String', StringValue: 'poison' } };
    await store().sendMessages(ids.map((id) => message('src', id, { attributes, md5OfMessageAttributes: 'md5-attrs', senderId: 'AKID' })));
    const redrive = { maxReceiveCount: 1, deadLetterQueue: 'dlq', sourceArn: queueRecord('src').arn };
    await store().receiveMessages({ queue: 'src', now: T0, max: 10, visibilityTimeoutMs: 0 });
    assert.deepEqual(await store().receiveMessages({ queue: 'src', now: T0, max: 10, visibilityTimeoutMs: 0, redrive }), []);
  }

  test('createMoveTask allows one active task per source queue', async () => {
    assert.equal(await store().createMoveTask(task('a')), true);
    assert.equal(await store().createMoveTask(task('b', 'dlq', { startedAt: T0 + 1 })), false);
    assert.equal(await store().createMoveTask(task('other', 'dlq2')), true);
    assert.deepEqual(await store().getMoveTask('a'), task('a'));
    assert.equal(await store().getMoveTask('b'), undefined);
    // Once the first is cancelled and finished, a new one may start.
    assert.equal((await store().cancelMoveTask('a', T0 + 1)).result, 'cancelling');
    assert.equal(await store().createMoveTask(task('b', 'dlq', { startedAt: T0 + 2 })), false, 'a CANCELLING task is still active');
    await store().claimMoveTasks(lease('me', T0 + 2), 10);
    assert.deepEqual(await store().moveMessages({ handle: 'a', ...lease('me', T0 + 2), max: 10 }), { status: 'CANCELLED', moved: 0, total: 0, destinations: [] });
    assert.equal(await store().createMoveTask(task('b', 'dlq', { startedAt: T0 + 3, destinationArn: queueRecord('src').arn, maxPerSecond: 7 })), true);
    const listed = await store().listMoveTasks('dlq', 10);
    assert.deepEqual(listed.map((t) => [t.handle, t.status]), [['b', 'RUNNING'], ['a', 'CANCELLED']]);
    assert.equal(listed[0]!.destinationArn, queueRecord('src').arn);
    assert.equal(listed[0]!.maxPerSecond, 7);
    assert.deepEqual((await store().listMoveTasks('dlq', 1)).map((t) => t.handle), ['b']);
  });

  test('claimMoveTasks leases free tasks to one owner until the lease ends, and says when to look again', async () => {
    await deadLetterQueue(['m1', 'm2']);
    await store().createMoveTask(task('a'));
    await store().createMoveTask(task('b', 'dlq2', { startedAt: T0 + 1 }));
    const mine = await store().claimMoveTasks(lease('me'), 1);
    assert.deepEqual(mine.tasks.map((t) => t.handle), ['a'], 'oldest first, up to the limit');
    const theirs = await store().claimMoveTasks(lease('them', T0 + 10), 10);
    assert.deepEqual(theirs.tasks.map((t) => t.handle), ['b']);
    assert.equal(theirs.nextLeaseEnd, T0 + LEASE, "the other owner's lease on a");
    assert.deepEqual((await store().claimMoveTasks(lease('them', T0 + LEASE), 10)).tasks, [], 'not before the lease has ended');
    // A batch renews the lease; once it ends unrenewed, another owner takes the task over.
    await store().moveMessages({ handle: 'a', ...lease('me', T0 + 100), max: 1 });
    assert.equal((await store().claimMoveTasks(lease('them', T0 + LEASE + 1), 10)).tasks.length, 0);
    // Its own lease on b has run out as well: it claims that again too.
    assert.deepEqual((await store().claimMoveTasks(lease('them', T0 + 100 + LEASE + 1), 10)).tasks.map((t) => t.handle), ['a', 'b']);
    assert.deepEqual(await store().moveMessages({ handle: 'a', ...lease('me', T0 + 200_000), max: 1 }), { lost: true }, 'the old owner is fenced out');
    // Given back, a task is free at once.
    await store().releaseMoveTask('b', 'them');
    assert.deepEqual((await store().claimMoveTasks(lease('me', T0 + 120_000), 10)).tasks.map((t) => t.handle), ['b']);
  });

  test('moveMessages moves a batch back to each source queue as new messages, then completes', async () => {
    await deadLetterQueue(['m1', 'm2', 'm3']);
    await store().createMoveTask(task('t', 'dlq', { toMove: 3 }));
    await store().claimMoveTasks(lease('me'), 10);
    const now = T0 + 1000;
    assert.deepEqual(await store().moveMessages({ handle: 't', ...lease('me', now), max: 2 }), { status: 'RUNNING', moved: 2, total: 2, destinations: ['src'] });
    assert.deepEqual((await visible('dlq', now)).map((m) => m.messageId), ['m3']);
    const moved = await visible('src', now);
    assert.equal(moved.length, 2);
    for (const m of moved) {
      assert.ok(!['m1', 'm2', 'm3'].includes(m.messageId), 'a new MessageId');
      assert.deepEqual(m.attributes, { kind: { DataType: 'String', StringValue: 'poison' } });
      assert.equal(m.senderId, 'AKID');
      assert.equal(m.sentAt, now);
      assert.equal(m.visibleAt, now + 5000, "the destination's DelaySeconds");
      assert.equal(m.expiresAt, now + 600_000, "the destination's retention, from the move");
      assert.equal(m.receiveCount, 0);
      assert.equal(m.deadLetterSourceArn, undefined);
    }
    assert.deepEqual(moved.map((m) => m.body).sort(), ['body of m1 — ünïcode 🎉', 'body of m2 — ünïcode 🎉']);
    const [received] = await store().receiveMessages({ queue: 'src', now: now + 5000, max: 1, visibilityTimeoutMs: 0 });
    assert.equal(received!.md5OfMessageAttributes, 'md5-attrs');
    const third = await store().moveMessages({ handle: 't', ...lease('me', now + 1), max: 2 });
    assert.ok(!third.lost && third.status === 'RUNNING' && third.moved === 1);
    assert.deepEqual(await store().moveMessages({ handle: 't', ...lease('me', now + 2), max: 2 }), { status: 'COMPLETED', moved: 0, total: 3, destinations: [] });
    const done = await store().getMoveTask('t');
    assert.deepEqual([done!.status, done!.moved, done!.toMove, done!.updatedAt], ['COMPLETED', 3, 3, now + 2]);
    assert.deepEqual(await store().moveMessages({ handle: 't', ...lease('me', now + 3), max: 2 }), { lost: true }, 'a finished task moves nothing');
  });

  test('moveMessages to a DestinationArn; in-flight and expired messages stay', async () => {
    await deadLetterQueue(['m1', 'm2']);
    await store().createQueue(queueRecord('elsewhere'), {});
    await store().sendMessages([message('dlq', 'short-lived', { expiresAt: T0 + 10 })]);
    // m1 is being looked at by a consumer of the dead-letter queue.
    await store().receiveMessages({ queue: 'dlq', now: T0, max: 1, visibilityTimeoutMs: 60_000 });
    await store().createMoveTask(task('t', 'dlq', { destinationArn: queueRecord('elsewhere').arn }));
    await store().claimMoveTasks(lease('me'), 10);
    const result = await store().moveMessages({ handle: 't', ...lease('me', T0 + 10), max: 10 });
    assert.deepEqual(result, { status: 'RUNNING', moved: 1, total: 1, destinations: ['elsewhere'] });
    assert.deepEqual((await visible('elsewhere', T0 + 10)).map((m) => m.body), ['body of m2 — ünïcode 🎉']);
    assert.deepEqual((await visible('src', T0 + 10)).length, 0);
    assert.deepEqual((await store().queueCounts('dlq', T0 + 10)), { visible: 0, inFlight: 1, delayed: 0 });
  });

  test('moveMessages fails the task when a message has nowhere to go, keeping what moved', async () => {
    await deadLetterQueue(['m1']);
    await store().sendMessages([message('dlq', 'sent-directly', { sentAt: T0 + 1, visibleAt: T0 + 1 })]);
    await store().createMoveTask(task('t'));
    await store().claimMoveTasks(lease('me'), 10);
    const result = await store().moveMessages({ handle: 't', ...lease('me', T0 + 1), max: 10 });
    assert.ok(!result.lost && result.status === 'FAILED');
    assert.equal(result.moved, 1);
    assert.match(result.failureReason!, /sent-directly.*no source queue/);
    assert.deepEqual((await visible('dlq', T0 + 1)).map((m) => m.messageId), ['sent-directly']);
    assert.equal((await store().getMoveTask('t'))!.failureReason, result.failureReason);
    // A destination queue that was deleted fails the task too.
    await deadLetterQueue(['m2']);
    await store().createQueue(queueRecord('gone'), {});
    await store().createMoveTask(task('t2', 'dlq', { startedAt: T0 + 2, destinationArn: queueRecord('gone').arn }));
    await store().deleteQueue('gone');
    await store().claimMoveTasks(lease('me', T0 + 2), 10);
    const second = await store().moveMessages({ handle: 't2', ...lease('me', T0 + 2), max: 10 });
    assert.ok(!second.lost && second.status === 'FAILED' && second.moved === 0);
    assert.match(second.failureReason!, /destination queue .*gone does not exist/);
  });

  test('cancelMoveTask cancels only a RUNNING task', async () => {
    await deadLetterQueue(['m1']);
    assert.deepEqual(await store().cancelMoveTask('nope', T0), { result: 'not-found' });
    await store().createMoveTask(task('t'));
    await store().claimMoveTasks(lease('me'), 10);
    const cancelled = await store().cancelMoveTask('t', T0 + 5);
    assert.equal(cancelled.result, 'cancelling');
    assert.equal(cancelled.result === 'cancelling' && cancelled.task.status, 'CANCELLING');
    assert.equal((await store().cancelMoveTask('t', T0 + 6)).result, 'not-running');
    assert.deepEqual(await store().moveMessages({ handle: 't', ...lease('me', T0 + 7), max: 10 }), { status: 'CANCELLED', moved: 0, total: 0, destinations: [] });
    assert.deepEqual((await visible('dlq', T0 + 7)).map((m) => m.messageId), ['m1'], 'nothing moved after the cancel');
  });
}
