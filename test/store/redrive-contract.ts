/**
 * The RedriveStore part of the store contract (called by contract.ts), so every backend peeks at messages without
 * receiving them and redrives dead letters — delivery recorded, dead letter deleted, in one transaction — the same
 * way. Times are explicit: the store never reads a clock.
 */
import assert from 'node:assert/strict';
import type { RedriveItem } from '../../src/store/redrive.js';
import type { Store } from '../../src/store/store.js';
import { message, queueRecord } from './queue-contract.js';

const T0 = Date.UTC(2026, 0, 1);

type Test = (title: string, fn: () => Promise<void>) => void;

export function redriveContract(test: Test, store: () => Store): void {
  /** An event with one delivery that a dispatcher claimed and dead-lettered into the fallback store. */
  async function fallbackDeadLetter(eventId: string): Promise<string> {
    await store().ingest([{ event: { id: eventId, bus: 'default', receivedAt: T0, payload: JSON.stringify({ id: eventId }) }, deliveries: [{ ruleName: 'r', ruleArn: 'arn:rule', targetId: 't', targetArn: 'arn:target', dueAt: T0 }] }]);
    const [claimed] = await store().claimDue({ now: T0, owner: 'me', leaseUntil: T0 + 1000, limit: 1, skipTargets: [] });
    const attributes = { RULE_ARN: 'arn:rule', TARGET_ARN: 'arn:target' };
    const fallback = { deliveryId: claimed!.id, reason: 'no queue', body: claimed!.event, attributes, at: T0 };
    await store().settle([{ id: claimed!.id, owner: 'me', leaseUntil: claimed!.leaseUntil, next: { status: 'dead' }, attempts: 1, fallback }]);
    return claimed!.id;
  }

  const redriveOf = (deadLetter: RedriveItem['deadLetter'], eventId: string, dueAt: number): RedriveItem => ({
    deadLetter,
    delivery: { kind: 'target', eventId, bus: 'default', ruleName: 'r', ruleArn: 'arn:rule', targetId: 't', targetArn: 'arn:target', dueAt },
    event: { id: eventId, bus: 'default', payload: JSON.stringify({ id: eventId }) },
  });

  test('peekMessages lists a queue in order, in pages, without receiving anything', async () => {
    await store().createQueue(queueRecord('q'), {});
    await store().sendMessages([message('q', 'm1'), message('q', 'm2', { visibleAt: T0 + 50 }), message('q', 'm3'), message('q', 'old', { expiresAt: T0 + 1 })]);
    const first = await store().peekMessages('q', T0 + 1, { limit: 2 });
    assert.deepEqual(first.items.map((m) => m.messageId), ['m1', 'm2']);
    assert.equal(first.items[1]!.visibleAt, T0 + 50);
    assert.deepEqual(first.items[0]!.receiveCount, 0);
    const rest = await store().peekMessages('q', T0 + 1, { after: first.after, limit: 2 });
    assert.deepEqual(rest, { items: [(await store().findMessage('q', 'm3', T0 + 1))!] }, 'expired messages are left out; no page after the last');
    assert.equal((await store().receiveMessages({ queue: 'q', now: T0 + 1, max: 10, visibilityTimeoutMs: 0 })).length, 2, 'still all there');
    assert.equal((await store().findMessage('q', 'm1', T0 + 1))!.receiveCount, 1);
    assert.equal(await store().findMessage('q', 'old', T0 + 1), undefined);
    assert.equal(await store().findMessage('other', 'm1', T0), undefined);
  });

  test('redriveDeadLetters records each delivery and deletes its dead letter, from a queue or the fallback store', async () => {
    await store().createQueue(queueRecord('dlq'), {});
    await store().ingest([{ event: { id: 'e1', bus: 'default', receivedAt: T0, payload: '{"id":"e1"}' }, deliveries: [] }]);
    await store().sendMessages([message('dlq', 'm1'), message('dlq', 'm2')]);
    const [m1, m2] = (await store().peekMessages('dlq', T0, { limit: 10 })).items;
    const fallbackId = await fallbackDeadLetter('e2');
    const results = await store().redriveDeadLetters(
      [
        redriveOf({ queue: 'dlq', ref: m1!.ref, messageId: 'm1' }, 'e1', T0 + 100),
        redriveOf({ queue: 'dlq', ref: m2!.ref, messageId: 'not-m2' }, 'e1', T0 + 200),
        redriveOf({ fallbackDeliveryId: fallbackId }, 'e2', T0 + 300),
        // The event is no longer stored: the dead letter's copy is written back.
        redriveOf({ queue: 'dlq', ref: m2!.ref, messageId: 'm2' }, 'e3', T0 + 400),
      ],
      T0 + 10,
    );
    assert.ok('deliveryId' in results[0]! && 'gone' in results[1]! && 'deliveryId' in results[2]! && 'deliveryId' in results[3]!);
    assert.deepEqual((await store().peekMessages('dlq', T0, { limit: 10 })).items, []);
    assert.deepEqual(await store().listFallbackDeadLetters(10), []);
    assert.deepEqual(await store().redriveDeadLetters([redriveOf({ fallbackDeliveryId: fallbackId }, 'e2', T0)], T0 + 10), [{ gone: true }]);
    const pending = await store().listDeliveries({ status: 'pending', limit: 10 });
    assert.deepEqual(
      pending.map((d) => [d.id, d.eventId, d.attempts, d.dueAt, d.createdAt]),
      [results[0], results[2], results[3]].map((r, i) => ['deliveryId' in r! ? r.deliveryId : '', ['e1', 'e2', 'e3'][i], 0, T0 + [100, 300, 400][i]!, T0 + 10]),
    );
    assert.deepEqual(await store().getEvent('e3'), { id: 'e3', bus: 'default', receivedAt: T0 + 10, payload: '{"id":"e3"}' });
    // The redriven delivery is claimed like any other, with its event.
    const claimed = await store().claimDue({ now: T0 + 400, owner: 'me', leaseUntil: T0 + 1000, limit: 10, skipTargets: [] });
    assert.deepEqual(claimed.map((c) => [c.eventId, c.attempts, c.createdAt]), [['e1', 0, T0 + 10], ['e2', 0, T0 + 10], ['e3', 0, T0 + 10]]);
  });
}
