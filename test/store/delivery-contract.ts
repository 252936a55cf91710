/**
 * The DeliveryStore part of the store contract (called by contract.ts): claims lease due deliveries to one owner,
 * settling is fenced by the lease, a batch of outcomes is applied outcome by outcome (one that cannot be written
 * is reported alone), and a claimed delivery's `rowRef` is only a way to find the row faster — never a way to
 * settle another one. Times are explicit: the store never reads a clock.
 */
import assert from 'node:assert/strict';
import type { ClaimedDelivery, DeliveryOutcome, NextState } from '../../src/store/deliveries.js';
import type { Store } from '../../src/store/store.js';

const T0 = Date.UTC(2026, 0, 1);

type Test = (title: string, fn: () => Promise<void>) => void;

export function deliveryContract(test: Test, store: () => Store): void {
  async function ingest(...ids: string[]): Promise<void> {
    await store().ingest(
      ids.map((id) => ({
        event: { id, bus: 'default', receivedAt: T0, payload: JSON.stringify({ id }) },
        deliveries: [{ ruleName: 'r', ruleArn: 'arn:rule', targetId: 't', targetArn: 'arn:target', dueAt: T0 }],
      })),
    );
  }

  const claim = (owner: string, now = T0, leaseUntil = now + 1000) => store().claimDue({ now, owner, leaseUntil, limit: 10, skipTargets: [] });

  const outcome = (d: ClaimedDelivery, owner: string, next: NextState = { status: 'done' }): DeliveryOutcome => ({
    id: d.id,
    owner,
    leaseUntil: d.leaseUntil,
    ...(d.rowRef !== undefined && { rowRef: d.rowRef }),
    next,
    attempts: d.attempts + 1,
    attempt: { attempt: d.attempts + 1, at: T0, durationMs: 1, ok: next.status === 'done' },
  });

  test('claimDue leases due deliveries to one owner, and settling needs that lease', async () => {
    await ingest('e1', 'e2');
    const claimed = await claim('a');
    assert.equal(claimed.length, 2);
    assert.deepEqual(await claim('b'), [], 'leased deliveries are not due for anyone else');
    const [first, second] = claimed as [ClaimedDelivery, ClaimedDelivery];
    const results = await store().settle([{ ...outcome(first, 'b') }, { ...outcome(second, 'a'), leaseUntil: second.leaseUntil + 1 }]);
    assert.deepEqual(
      results.map((r) => r.applied),
      [false, false],
      'another owner, or another lease, settles nothing',
    );
    assert.deepEqual(
      (await store().settle([outcome(first, 'a'), outcome(second, 'a')])).map((r) => r.applied),
      [true, true],
    );
    assert.equal(await store().countDeliveries('done'), 2);
  });

  test('a delivery taken over after its lease ended cannot be settled under the old lease', async () => {
    await ingest('e1');
    const [old] = await claim('a', T0, T0 + 1000);
    const [taken] = await claim('b', T0 + 1000, T0 + 2000);
    assert.equal(taken?.id, old!.id);
    assert.deepEqual(await store().settle([outcome(old!, 'a')]), [{ applied: false }]);
    assert.deepEqual(await store().settle([outcome(taken!, 'b')]), [{ applied: true }]);
  });

  test('settles a batch outcome by outcome: plain ones, ones with a history, and one that cannot be written', async () => {
    await ingest('e1', 'e2', 'e3');
    const [plain, retried, broken] = (await claim('a')) as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    const results = await store().settle([
      outcome(plain, 'a'),
      { ...outcome(retried, 'a', { status: 'pending', dueAt: T0 + 5000 }), lastError: 'ERROR_FROM_TARGET: 503' },
      // Not a state the store accepts: this outcome alone fails.
      outcome(broken, 'a', { status: 'exploded' } as unknown as NextState),
    ]);
    assert.deepEqual(results.slice(0, 2), [{ applied: true }, { applied: true }]);
    assert.equal(results[2]!.applied, false);
    assert.ok(results[2]!.error, 'the failure is reported with its reason');
    assert.equal(await store().countDeliveries('done'), 1);
    assert.deepEqual(
      (await store().attemptHistory(retried.id)).map((a) => a.ok),
      [false],
      'a failed attempt is kept as history',
    );
    assert.deepEqual(await store().attemptHistory(plain.id), [], 'a first attempt that succeeded leaves none');
    // The broken one is still leased: it falls due again when its lease ends.
    assert.deepEqual(await claim('b', T0 + 999), []);
    assert.deepEqual((await claim('b', T0 + 1000)).map((d) => d.id), [broken.id]);
  });

  test("a claimed delivery's rowRef never settles another delivery", async () => {
    await ingest('e1', 'e2');
    const [mine, other] = (await claim('a')) as [ClaimedDelivery, ClaimedDelivery];
    if (other.rowRef === undefined) return; // a backend without row handles has nothing to mix up
    await store().settle([{ ...outcome(mine, 'a'), rowRef: other.rowRef }]);
    const stillLeased = await claim('b', T0 + 1000);
    assert.ok(
      stillLeased.some((d) => d.id === other.id),
      'the other delivery was not settled by an outcome carrying its rowRef',
    );
  });
}
