/**
 * The DeliveryStore, MetricStore and FunctionStore parts of the store contract (called by contract.ts), so every
 * backend claims under a lease, fences settlements on it, writes attempts, dead letters, fallbacks and follow-ups,
 * and keeps metrics and function registrations the same way. A batch of outcomes is applied outcome by outcome (one
 * that cannot be written is reported alone), and a claimed delivery's `rowRef` is only a way to find the row faster
 * — never a way to settle another one. Times are explicit, as the dispatcher passes them; the store reads no clock.
 */
import assert from 'node:assert/strict';
import type { ClaimedDelivery, DeliveryOutcome, NextState } from '../../src/store/deliveries.js';
import type { Store } from '../../src/store/store.js';
import { message, queueRecord } from './queue-contract.js';

const T0 = Date.UTC(2026, 0, 1);
const LEASE = 60_000;

type Test = (title: string, fn: () => Promise<void>) => void;

/** An event `id` with one delivery per target, each due at the given time (default T0). */
function event(id: string, targets: Record<string, number>) {
  return {
    event: { id, bus: 'default', receivedAt: T0 - 5, payload: JSON.stringify({ id, note: 'grüße' }) },
    deliveries: Object.entries(targets).map(([t, dueAt]) => ({ ruleName: 'r', ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', targetId: t, targetArn: `arn:target:${t}`, dueAt })),
  };
}

export function deliveryContract(test: Test, store: () => Store): void {
  const claim = (now: number, limit = 10, skipTargets: string[] = [], owner = 'me') => store().claimDue({ now, owner, leaseUntil: now + LEASE, limit, skipTargets });
  const done = (c: { id: string; leaseUntil: number; rowRef?: number }, extra: Partial<DeliveryOutcome> = {}): DeliveryOutcome => ({
    id: c.id, owner: 'me', leaseUntil: c.leaseUntil, ...(c.rowRef !== undefined && { rowRef: c.rowRef }), next: { status: 'done' }, attempts: 1, ...extra,
  });

  test('claimDue leases due deliveries oldest first, up to the limit, skipping the given targets', async () => {
    await store().ingest([event('e1', { a: T0 + 2, b: T0 + 1, c: T0, later: T0 + 1000 }), event('e2', { a: T0 + 3 })]);
    assert.equal(await store().nextDueAt(), T0);
    const claimed = await claim(T0 + 10, 2, ['arn:target:c']);
    assert.deepEqual(claimed.map((c) => [c.eventId, c.targetId]), [['e1', 'b'], ['e1', 'a']]);
    const [first] = claimed;
    assert.deepEqual(
      { kind: first!.kind, bus: first!.bus, attempts: first!.attempts, eventReceivedAt: first!.eventReceivedAt, leaseUntil: first!.leaseUntil, input: first!.input },
      { kind: 'target', bus: 'default', attempts: 0, eventReceivedAt: T0 - 5, leaseUntil: T0 + 10 + LEASE, input: undefined },
    );
    assert.deepEqual(JSON.parse(first!.event), { id: 'e1', note: 'grüße' });
    // Leased deliveries are not due again until the lease ends; the rest still are.
    assert.deepEqual((await claim(T0 + 10)).map((c) => c.targetId).sort(), ['a', 'c']);
    assert.deepEqual(await claim(T0 + 10), []);
    const [leased] = await store().listDeliveries({ eventId: 'e1', limit: 1 });
    assert.equal(leased!.leaseOwner, 'me');
    assert.equal(leased!.dueAt, leased!.leaseUntil);
    assert.equal(await store().nextDueAt(), T0 + 1000);
    // A lease that ran out falls due again, attempts unchanged: the owner may have died.
    const again = await claim(T0 + 10 + LEASE, 10, [], 'other');
    assert.equal(again[0]!.targetId, 'later', 'due at T0 + 1000, before the leases ran out');
    assert.deepEqual(again.map((c) => [c.eventId, c.targetId, c.attempts]).sort(), [['e1', 'a', 0], ['e1', 'b', 0], ['e1', 'c', 0], ['e1', 'later', 0], ['e2', 'a', 0]]);
  });

  test('settle applies only under the claim\'s own lease', async () => {
    await store().ingest([event('e1', { a: T0, b: T0 })]);
    const [a, b] = await claim(T0);
    const results = await store().settle([done(a!, { owner: 'someone-else' }), done(b!, { leaseUntil: b!.leaseUntil + 1 }), done(a!)]);
    assert.deepEqual(results, [{ applied: false }, { applied: false }, { applied: true }]);
    assert.deepEqual(await store().settle([done(a!)]), [{ applied: false }], 'a settled delivery cannot be settled again');
    // A lease taken over after it ran out fences the old owner out.
    const [taken] = await claim(b!.leaseUntil, 10, [], 'other');
    assert.equal(taken!.id, b!.id);
    assert.deepEqual(await store().settle([done(b!)]), [{ applied: false }]);
    assert.equal(await store().countDeliveries('done'), 1);
    assert.equal(await store().countDeliveries('pending'), 1);
  });

  test('a retry is due again at its time with its attempts and error; attempts after a failure are kept', async () => {
    await store().ingest([event('e1', { a: T0, b: T0 })]);
    const [a, b] = await claim(T0);
    const failed = { attempt: 1, at: T0, durationMs: 12.4, ok: false, errorCode: 'HTTP_500', errorMessage: 'boom', status: 500, body: 'oops ✗' };
    assert.deepEqual(await store().settle([
      done(a!, { next: { status: 'pending', dueAt: T0 + 999.2 }, lastError: 'boom', attempt: failed }),
      done(b!, { attempt: { attempt: 1, at: T0, durationMs: 3, ok: true } }),
    ]), [{ applied: true }, { applied: true }]);
    assert.deepEqual(await store().attemptHistory(b!.id), [], 'a first attempt that succeeded leaves no history');
    const [retry] = await store().listDeliveries({ status: 'pending', limit: 10 });
    assert.deepEqual([retry!.id, retry!.dueAt, retry!.attempts, retry!.lastError, retry!.leaseOwner], [a!.id, T0 + 1000, 1, 'boom', undefined]);
    assert.deepEqual(await claim(T0 + 999), []);
    const [again] = await claim(T0 + 1000);
    assert.equal(again!.attempts, 1);
    await store().settle([done(again!, { attempts: 2, attempt: { attempt: 2, at: T0 + 1000, durationMs: 5, ok: true } })]);
    assert.deepEqual(await store().attemptHistory(a!.id), [
      { ...failed, durationMs: 12 },
      { attempt: 2, at: T0 + 1000, durationMs: 5, ok: true },
    ]);
  });

  test('a dead letter goes to its queue, or to the fallback store when the queue is missing', async () => {
    await store().createQueue(queueRecord('dlq'), {});
    await store().ingest([event('e1', { a: T0, b: T0, c: T0 })]);
    const [a, b, c] = await claim(T0);
    const deadLetter = (queue: string, id: string) => ({ message: message(queue, id, { attributes: { ERROR_CODE: { DataType: 'String', StringValue: 'HTTP_500' } } }), queueArn: queueRecord(queue).arn, attributes: { ERROR_CODE: 'HTTP_500' } });
    const results = await store().settle([
      done(a!, { next: { status: 'dead' }, deadLetter: deadLetter('dlq', 'dl-a') }),
      done(b!, { next: { status: 'dead' }, deadLetter: deadLetter('missing', 'dl-b') }),
      done(c!, { next: { status: 'dead' }, fallback: { deliveryId: c!.id, reason: 'denied by policy', body: 'the event', attributes: { ERROR_CODE: 'X' }, at: T0 + 1 } }),
    ]);
    assert.deepEqual(results, [{ applied: true, deadLetter: 'queued' }, { applied: true, deadLetter: 'fallback' }, { applied: true, deadLetter: 'fallback' }]);
    const [queued] = await store().receiveMessages({ queue: 'dlq', now: T0, max: 10, visibilityTimeoutMs: 0 });
    assert.equal(queued!.messageId, 'dl-a');
    assert.deepEqual(queued!.attributes, { ERROR_CODE: { DataType: 'String', StringValue: 'HTTP_500' } });
    // Newest first; the store stamps a fallback it makes itself with its own clock.
    const [explicit, missing] = await store().listFallbackDeadLetters(10);
    assert.deepEqual(explicit, { deliveryId: c!.id, reason: 'denied by policy', body: 'the event', attributes: { ERROR_CODE: 'X' }, at: T0 + 1 });
    assert.equal(typeof missing!.at, 'number');
    assert.deepEqual({ ...missing, at: 0 }, {
      deliveryId: b!.id, queueArn: queueRecord('missing').arn, reason: `The dead-letter queue ${queueRecord('missing').arn} does not exist.`,
      body: message('missing', 'dl-b').body, attributes: { ERROR_CODE: 'HTTP_500' }, at: 0,
    });
    assert.equal((await store().listFallbackDeadLetters(1)).length, 1);
    assert.equal(await store().countDeliveries('dead'), 3);
  });

  test('follow-ups are new pending deliveries of the same event; one that cannot be written fails alone', async () => {
    await store().ingest([event('e1', { a: T0, b: T0 })]);
    const [a, b] = await claim(T0);
    const followUp = (eventId: string) => ({ kind: 'function' as const, eventId, bus: 'default', ruleName: 'r', ruleArn: 'arn:r', targetId: 'f', targetArn: 'arn:function:f', input: '{"in":"put"}', dueAt: T0 + 5 });
    const results = await store().settle([done(a!, { followUps: [followUp('e1')] }), done(b!, { followUps: [followUp('no-such-event')] })]);
    assert.deepEqual(results[0], { applied: true });
    assert.equal(results[1]!.applied, false);
    assert.match(results[1]!.error!, /unknown event/);
    const [next] = await claim(T0 + 5);
    assert.deepEqual([next!.kind, next!.eventId, next!.targetArn, next!.input, next!.attempts], ['function', 'e1', 'arn:function:f', '{"in":"put"}', 0]);
    // The outcome that failed changed nothing: its delivery is still leased, and falls due when the lease ends.
    assert.equal((await store().listDeliveries({ status: 'done', limit: 10 })).length, 1);
    assert.deepEqual((await claim(b!.leaseUntil)).map((c) => c.id), [b!.id]);
  });

  test('settles a batch outcome by outcome: plain ones, ones with a history, and one that cannot be written', async () => {
    await store().ingest([event('e1', { a: T0, b: T0, c: T0 })]);
    const [plain, retried, broken] = (await claim(T0)) as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    const failed = { attempt: 1, at: T0, durationMs: 1, ok: false };
    const results = await store().settle([
      done(plain, { attempt: { attempt: 1, at: T0, durationMs: 1, ok: true } }),
      done(retried, { next: { status: 'pending', dueAt: T0 + 2 * LEASE }, lastError: 'ERROR_FROM_TARGET: 503', attempt: failed }),
      // Not a state the store accepts: this outcome alone fails.
      done(broken, { next: { status: 'exploded' } as unknown as NextState }),
    ]);
    assert.deepEqual(results.slice(0, 2), [{ applied: true }, { applied: true }]);
    assert.equal(results[2]!.applied, false);
    assert.ok(results[2]!.error, 'the failure is reported with its reason');
    assert.equal(await store().countDeliveries('done'), 1);
    assert.deepEqual((await store().attemptHistory(retried.id)).map((a) => a.ok), [false], 'a failed attempt is kept as history');
    assert.deepEqual(await store().attemptHistory(plain.id), [], 'a first attempt that succeeded leaves none');
    // The broken one is still leased: it falls due again when its lease ends.
    assert.deepEqual(await claim(T0 + LEASE - 1, 10, [], 'other'), []);
    assert.deepEqual((await claim(T0 + LEASE, 10, [], 'other')).map((d) => d.id), [broken.id]);
  });

  test("a claimed delivery's rowRef never settles another delivery", async () => {
    await store().ingest([event('e1', { a: T0, b: T0 })]);
    const [mine, other] = (await claim(T0)) as [ClaimedDelivery, ClaimedDelivery];
    if (other.rowRef === undefined) return; // a backend without row handles has nothing to mix up
    await store().settle([done(mine, { rowRef: other.rowRef })]);
    const stillLeased = await claim(T0 + LEASE, 10, [], 'other');
    assert.ok(stillLeased.some((d) => d.id === other.id), 'the other delivery was not settled by an outcome carrying its rowRef');
  });

  test('release gives leased deliveries back, due now, attempts unchanged, only for their owner', async () => {
    await store().ingest([event('e1', { a: T0, b: T0 })]);
    const [a, b] = await claim(T0);
    await store().release([a!.id, b!.id], 'someone-else', T0 + 1);
    assert.deepEqual(await claim(T0 + 1), []);
    await store().release([a!.id], 'me', T0 + 1);
    assert.equal(await store().nextDueAt(), T0 + 1);
    const [back] = await claim(T0 + 1, 10, [], 'other');
    assert.deepEqual([back!.id, back!.attempts], [a!.id, 0]);
  });

  test('recordMetrics adds up per minute and dimensions; queryMetrics reads [from, to) in time order', async () => {
    const datum = (minute: number, sum: number, dimensions: Record<string, string> = { A: '1', B: '2' }) =>
      ({ namespace: 'AWS/Events', name: 'Invocations', dimensions, minute, unit: 'Count', sum, count: 1, min: sum, max: sum });
    await store().recordMetrics([datum(T0 + 60_000, 5), datum(T0, 2), datum(T0, 7, { B: '2', A: '1' })]);
    await store().recordMetrics([datum(T0, 1), datum(T0, 3, { A: '1' })]);
    const q = { namespace: 'AWS/Events', name: 'Invocations', dimensions: { B: '2', A: '1' }, from: T0, to: T0 + 60_000 };
    // Single samples: their values are known, so the bucket keeps them (see metric-distribution.ts).
    const distribution = [[1, 1], [2, 1], [7, 1]];
    assert.deepEqual(await store().queryMetrics(q), [{ ...datum(T0, 10), dimensions: q.dimensions, count: 3, min: 1, max: 7, distribution }]);
    assert.deepEqual((await store().queryMetrics({ ...q, to: T0 + 120_000 })).map((d) => d.minute), [T0, T0 + 60_000]);
    assert.deepEqual((await store().queryMetrics({ ...q, dimensions: { A: '1' } })).map((d) => d.sum), [3]);
  });

  test('functions: put replaces, delete reports, all lists by name', async () => {
    await store().putFunction('b', '{"v":1}', T0);
    await store().putFunction('a', '{"v":1}', T0);
    await store().putFunction('b', '{"v":2}', T0 + 1);
    assert.deepEqual(await store().allFunctions(), { a: '{"v":1}', b: '{"v":2}' });
    assert.equal(await store().deleteFunction('a'), true);
    assert.equal(await store().deleteFunction('a'), false);
    assert.deepEqual(Object.keys(await store().allFunctions()), ['b']);
  });
}
