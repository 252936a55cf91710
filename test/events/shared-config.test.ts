/**
 * Rules, targets and API destinations changed through one process take effect in every process sharing the store
 * (PostgreSQL): two Mailroom instances on one database, as two processes would be. Their clocks are ManualClocks
 * that the routing tests never advance, so what reaches the other instance there comes by NOTIFY; the poll that
 * bounds the time when a notification is lost, and the pruning of the log, are tested on the feed itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ConfigFeed } from '../../src/events/config-feed.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import type { ConfigChange } from '../../src/store/config-changes.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import pino from 'pino';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { TEST_ROOT_KEY, testDatabase } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';

const db = await testDatabase();
const T0 = Date.UTC(2026, 10, 25, 12);
const queue = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('configuration shared by two processes on PostgreSQL', () => {
  let a: Mailroom;
  let b: Mailroom;
  let sink: HttpSink;

  before(async () => {
    sink = await startSink();
    const url = await db.freshSchema();
    // A only accepts; B delivers.
    [a, b] = await Promise.all([
      createMailroom({ store: url, rootKey: TEST_ROOT_KEY, clock: new ManualClock(T0), deliver: false, evaluateAlarms: false }),
      createMailroom({ store: url, rootKey: TEST_ROOT_KEY, clock: new ManualClock(T0), evaluateAlarms: false }),
    ]);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await sink.close();
  });

  /** Resolves once `to` has applied every configuration change committed so far (it does not look by itself). */
  const synced = async (to: Mailroom) => to.configFeed.applied(await a.store.latestConfigChange());
  const put = async (via: Mailroom, detail: object = {}) => {
    const out = await via.eventBridge.events.put({ Entries: [{ Source: 'shop', DetailType: 'Order', Detail: JSON.stringify(detail) }] }, via.context());
    assert.equal(out.FailedEntryCount, 0);
    return (out.Entries[0] as { EventId: string }).EventId;
  };
  const targetsOf = async (eventId: string) => (await b.store.listDeliveries({ eventId, limit: 10 })).map((d) => `${d.ruleName}/${d.targetId}`).sort();

  it('a rule and targets put through one process match events put through the other; removals and deletions too', async () => {
    const bus = 'routing';
    await a.eventBridge.buses.create({ Name: bus }, a.context());
    const putOn = async (via: Mailroom) => {
      const out = await via.eventBridge.events.put({ Entries: [{ Source: 'shop', DetailType: 'Order', Detail: '{}', EventBusName: bus }] }, via.context());
      return (out.Entries[0] as { EventId: string }).EventId;
    };
    // B has the bus's routing table loaded (no rules yet) before anything changes.
    assert.deepEqual(await targetsOf(await putOn(b)), []);

    await a.eventBridge.rules.put({ Name: 'orders', EventBusName: bus, EventPattern: JSON.stringify({ source: ['shop'] }) }, a.context());
    await a.eventBridge.targets.put({ Rule: 'orders', EventBusName: bus, Targets: [{ Id: 'one', Arn: queue('one') }, { Id: 'two', Arn: queue('two') }] });
    await synced(b);
    assert.deepEqual(await targetsOf(await putOn(b)), ['orders/one', 'orders/two']);

    await a.eventBridge.targets.remove({ Rule: 'orders', EventBusName: bus, Ids: ['two'] });
    await synced(b);
    assert.deepEqual(await targetsOf(await putOn(b)), ['orders/one'], 'a removed target receives no more');

    await a.eventBridge.rules.disable({ Name: 'orders', EventBusName: bus });
    await synced(b);
    assert.deepEqual(await targetsOf(await putOn(b)), []);
    await a.eventBridge.rules.enable({ Name: 'orders', EventBusName: bus });
    await synced(b);
    assert.deepEqual(await targetsOf(await putOn(b)), ['orders/one']);

    // Deleted and put again with other targets: B must not keep the old ones.
    await a.eventBridge.rules.delete({ Name: 'orders', EventBusName: bus, Force: true });
    await a.eventBridge.rules.put({ Name: 'orders', EventBusName: bus, EventPattern: JSON.stringify({ source: ['shop'] }) }, a.context());
    await a.eventBridge.targets.put({ Rule: 'orders', EventBusName: bus, Targets: [{ Id: 'three', Arn: queue('three') }] });
    await synced(b);
    assert.deepEqual(await targetsOf(await putOn(b)), ['orders/three']);

    // Changes made through B are B's own: A learns of them, B applied them as it made them.
    await b.eventBridge.targets.put({ Rule: 'orders', EventBusName: bus, Targets: [{ Id: 'four', Arn: queue('four') }] });
    assert.deepEqual(await targetsOf(await putOn(b)), ['orders/four', 'orders/three']);
    await synced(a);
    assert.deepEqual(await targetsOf(await putOn(a)), ['orders/four', 'orders/three']);

    await a.eventBridge.buses.delete({ Name: bus });
    await synced(b);
    const out = await b.eventBridge.events.put({ Entries: [{ Source: 'shop', DetailType: 'Order', Detail: '{}', EventBusName: bus }] }, b.context());
    assert.equal(out.FailedEntryCount, 1, 'the bus is gone for B too');
  });

  it('a target removed through one process is not delivered to by the other, even for an event matched before', async () => {
    await a.eventBridge.rules.put({ Name: 'late', EventPattern: JSON.stringify({ source: ['shop'], detail: { late: [true] } }) }, a.context());
    await a.eventBridge.targets.put({ Rule: 'late', Targets: [{ Id: 'q', Arn: queue('late-target') }] });
    await synced(b);
    // Matched through A with A's clock ahead, so the delivery is not yet due for B; then the target is removed.
    (a.clock as ManualClock).advance(10_000);
    const id = await put(a, { late: true });
    assert.deepEqual(await targetsOf(id), ['late/q']);
    await a.eventBridge.targets.remove({ Rule: 'late', Ids: ['q'] });
    await synced(b);
    (b.clock as ManualClock).advance(10_000);
    b.delivery.dispatcher.wake();
    const settled = async () => (await b.store.listDeliveries({ eventId: id, limit: 1 }))[0]?.status !== 'pending';
    await until(settled, 'the delivery to settle');
    const [delivery] = await b.store.listDeliveries({ eventId: id, limit: 1 });
    assert.equal(delivery!.status, 'dropped');
    assert.match(delivery!.lastError!, /target was removed/);
  });

  it('an API destination deleted through one process stops deliveries from the other at once, not after its lookup cache', async () => {
    const connection = await a.eventBridge.connections.create(
      { Name: 'api', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } },
      a.context(),
    );
    const destination = await a.eventBridge.apiDestinations.create(
      { Name: 'hook', ConnectionArn: connection.ConnectionArn, InvocationEndpoint: `${sink.url}/hook`, HttpMethod: 'POST' },
      a.context(),
    );
    await a.eventBridge.rules.put({ Name: 'hooked', EventPattern: JSON.stringify({ source: ['shop'], detail: { hook: [true] } }) }, a.context());
    await a.eventBridge.targets.put({ Rule: 'hooked', Targets: [{ Id: 'api', Arn: destination.ApiDestinationArn, RetryPolicy: { MaximumRetryAttempts: 0 } }] });
    await synced(b);
    // B delivers one (and so has the destination in its lookup cache, for 5 s of a clock that does not move).
    const first = sink.nextRequest();
    await put(a, { hook: true });
    await first;

    await a.eventBridge.apiDestinations.delete({ Name: 'hook' });
    await synced(b);
    const id = await put(a, { hook: true });
    const settled = async () => (await b.store.listDeliveries({ eventId: id, limit: 1 }))[0]?.status !== 'pending';
    await until(settled, 'the second delivery to settle');
    const [delivery] = await b.store.listDeliveries({ eventId: id, limit: 1 });
    assert.equal(delivery!.status, 'dropped', 'failed for good: no retries, no dead-letter queue');
    assert.match(delivery!.lastError!, /API destination .* does not exist/);
    assert.equal(sink.requests.length, 1, 'nothing more reached the deleted destination');
  });
});

describe('the configuration feed', () => {
  /** The store as a feed sees it without wake-ups: only the poll brings changes. */
  const withoutWakeUps = (store: PostgresStore) => ({
    instanceId: 'another process',
    latestConfigChange: () => store.latestConfigChange(),
    readConfigChanges: (after: number, limit: number) => store.readConfigChanges(after, limit),
    pruneConfigChanges: (before: number) => store.pruneConfigChanges(before),
  });
  const logger = pino({ level: 'silent' });

  it('finds a change by polling within pollMs of the clock when no notification comes', async () => {
    const url = await db.storeSchema();
    await using store = await PostgresStore.open(url, new ManualClock(T0), { rootKey: TEST_ROOT_KEY });
    const clock = new ManualClock(T0);
    const feed = new ConfigFeed({ store: withoutWakeUps(store), clock, logger, pollMs: 250 });
    const seen: (ConfigChange & { own: boolean })[] = [];
    feed.subscribe({ changed: (c, own) => void seen.push({ ...c, own }), reset: () => assert.fail('no reset expected') });
    await feed.start();
    await store.putRule({ bus: 'default', name: 'r', arn: 'arn:r', state: 'ENABLED', eventPattern: '{"source":["x"]}', createdAt: T0, lastModifiedAt: T0 });
    const seq = await store.latestConfigChange();
    clock.advance(249);
    assert.equal(seen.length, 0, 'not before the poll');
    clock.advance(1);
    await feed.applied(seq);
    assert.deepEqual(seen.map((c) => [c.kind, c.bus, c.name, c.own]), [['rule', 'default', 'r', false]]);
    await feed.stop();
    assert.equal(clock.pendingTimers, 0);
  });

  it('prunes changes older than its retention, and a reader left behind them resets instead of missing them', async () => {
    const url = await db.storeSchema();
    const clock = new ManualClock(T0);
    await using store = await PostgresStore.open(url, clock, { rootKey: TEST_ROOT_KEY });
    const rule = (name: string) => store.putRule({ bus: 'default', name, arn: `arn:${name}`, state: 'ENABLED', createdAt: T0, lastModifiedAt: T0 });
    // A reader that stopped looking (never polls: its clock does not move).
    const stalled = new ConfigFeed({ store: withoutWakeUps(store), clock: new ManualClock(T0), logger });
    let resets = 0;
    stalled.subscribe({ changed: () => {}, reset: () => resets++ });
    await stalled.start();
    const pruner = new ConfigFeed({ store: withoutWakeUps(store), clock, logger, pollMs: 1000, retentionMs: 10_000 });
    await pruner.start();
    // The pruner looks every second and prunes at most once a minute: first at T0 + 1 s (nothing is old enough),
    // next about a minute later, when 'old' (T0) is past the retention and 'new' (T0 + 70 s) is not. Time moves in
    // small steps, each after the pruner had a turn to arm its next look.
    await rule('old');
    clock.advance(70_000);
    await rule('new');
    const pruned = async () => (await store.readConfigChanges(0, 10)).changes.length === 1;
    await until(async () => {
      clock.advance(100);
      return pruned();
    }, 'the old change to be pruned');
    assert.deepEqual((await store.readConfigChanges(0, 10)).changes.map((c) => c.name), ['new']);
    await stalled.poll();
    assert.equal(resets, 1);
    await Promise.all([stalled.stop(), pruner.stop()]);
  });

  it('sees every change, in commit order, while several stores write at once', async () => {
    const url = await db.storeSchema();
    const writers = await Promise.all(Array.from({ length: 3 }, () => PostgresStore.open(url, new ManualClock(T0), { rootKey: TEST_ROOT_KEY })));
    await using reader = await PostgresStore.open(url, new ManualClock(T0), { rootKey: TEST_ROOT_KEY });
    try {
      const feed = new ConfigFeed({ store: withoutWakeUps(reader), clock: new ManualClock(T0), logger });
      const seen: string[] = [];
      feed.subscribe({ changed: (c) => void seen.push(c.name), reset: () => assert.fail('no reset expected') });
      await feed.start();
      let writing = true;
      const reading = (async () => {
        while (writing) await feed.poll();
      })();
      await Promise.all(
        writers.map((store, w) =>
          Promise.all(Array.from({ length: 40 }, (_, i) => store.putRule({ bus: 'default', name: `w${w}-${i}`, arn: `arn:${w}-${i}`, state: 'ENABLED', createdAt: T0, lastModifiedAt: T0 }))),
        ),
      );
      writing = false;
      await reading;
      await feed.poll();
      assert.equal(seen.length, 120, 'each change once');
      assert.equal(new Set(seen).size, 120);
      await feed.stop();
    } finally {
      await Promise.all(writers.map((s) => s.close()));
    }
  });
});
