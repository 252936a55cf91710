/**
 * PutEvents routing in-process: which deliveries an event gets as rules and targets change. Every change must take
 * effect for the very next PutEvents, with no restart or rebuild.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

describe('routing at ingest', () => {
  let mailroom: Mailroom;
  let dir: string;
  const clock = new ManualClock(Date.UTC(2026, 10, 25, 12, 0, 0));

  beforeEach(async () => {
    dir = tempDataDir();
    mailroom = await createMailroom({ dataDir: dir, clock, deliver: false });
  });
  afterEach(async () => {
    await mailroom.close();
    removeDir(dir);
  });

  const eb = () => mailroom.eventBridge;
  const ctx = () => mailroom.context();
  const queue = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

  async function send(detail: object, source = 'shop'): Promise<string> {
    const out = await eb().events.put({ Entries: [{ Source: source, DetailType: 'Order', Detail: JSON.stringify(detail) }] }, ctx());
    assert.equal(out.FailedEntryCount, 0);
    return (out.Entries[0] as { EventId: string }).EventId;
  }
  async function targetsOf(eventId: string): Promise<string[]> {
    const deliveries = await mailroom.store.listDeliveries({ eventId, limit: 100 });
    return deliveries.map((d) => `${d.ruleName}/${d.targetId}`).sort();
  }

  it('records one pending delivery per target of each matching rule, due now', async () => {
    await eb().rules.put({ Name: 'big', EventPattern: JSON.stringify({ detail: { amount: [{ numeric: ['>', 100] }] } }) }, ctx());
    await eb().rules.put({ Name: 'all', EventPattern: JSON.stringify({ source: ['shop'] }) }, ctx());
    await eb().targets.put({ Rule: 'big', Targets: [{ Id: 'a', Arn: queue('a') }, { Id: 'b', Arn: queue('b') }] });
    await eb().targets.put({ Rule: 'all', Targets: [{ Id: 'c', Arn: queue('c') }] });

    const big = await send({ amount: 150 });
    assert.deepEqual(await targetsOf(big), ['all/c', 'big/a', 'big/b']);
    const d = (await mailroom.store.listDeliveries({ eventId: big, limit: 10 })).find((x) => x.ruleName === 'big');
    assert.equal(d!.status, 'pending');
    assert.equal(d!.dueAt, clock.now());
    assert.equal(d!.ruleArn, 'arn:aws:events:us-east-1:000000000000:rule/big');
    assert.deepEqual(await targetsOf(await send({ amount: 5 })), ['all/c']);
    assert.deepEqual(await targetsOf(await send({ amount: 500 }, 'other')), ['big/a', 'big/b']);
    await send({}, 'nobody-listens');

    await mailroom.metrics.flush();
    const sum = async (name: string, dimensions: Record<string, string>) =>
      (await mailroom.store.queryMetrics({ namespace: 'AWS/Events', name, dimensions, from: 0, to: Number.MAX_SAFE_INTEGER })).reduce((n, d) => n + d.sum, 0);
    assert.equal(await sum('MatchedEvents', {}), 3);
    assert.equal(await sum('TriggeredRules', { RuleName: 'big' }), 2);
    assert.equal(await sum('TriggeredRules', { EventBusName: 'default', RuleName: 'all' }), 2);
  });

  it('stores the EventBridge envelope', async () => {
    const id = await send({ amount: 1 });
    const event = await mailroom.store.getEvent(id);
    assert.deepEqual(JSON.parse(event!.payload), {
      version: '0',
      id,
      'detail-type': 'Order',
      source: 'shop',
      account: '000000000000',
      time: '2026-11-25T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { amount: 1 },
    });
    assert.deepEqual(Object.keys(JSON.parse(event!.payload)), ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
  });

  it('applies disable, enable, pattern changes, target removal and rule deletion at once', async () => {
    await eb().rules.put({ Name: 'r', EventPattern: JSON.stringify({ detail: { kind: ['a'] } }) }, ctx());
    await eb().targets.put({ Rule: 'r', Targets: [{ Id: 't', Arn: queue('t') }] });
    assert.deepEqual(await targetsOf(await send({ kind: 'a' })), ['r/t']);

    await eb().rules.disable({ Name: 'r' });
    assert.deepEqual(await targetsOf(await send({ kind: 'a' })), []);
    await eb().rules.enable({ Name: 'r' });
    assert.deepEqual(await targetsOf(await send({ kind: 'a' })), ['r/t']);

    await eb().rules.put({ Name: 'r', EventPattern: JSON.stringify({ detail: { kind: ['b'] } }) }, ctx());
    assert.deepEqual(await targetsOf(await send({ kind: 'a' })), []);
    assert.deepEqual(await targetsOf(await send({ kind: 'b' })), ['r/t']);

    await eb().targets.remove({ Rule: 'r', Ids: ['t'] });
    assert.deepEqual(await targetsOf(await send({ kind: 'b' })), []);
    await eb().targets.put({ Rule: 'r', Targets: [{ Id: 't2', Arn: queue('t2') }] });
    assert.deepEqual(await targetsOf(await send({ kind: 'b' })), ['r/t2']);

    await eb().rules.delete({ Name: 'r', Force: true });
    assert.deepEqual(await targetsOf(await send({ kind: 'b' })), []);
  });

  it('routes a custom bus separately from the default bus, and reads rules back after a restart', async () => {
    await eb().buses.create({ Name: 'orders' }, ctx());
    await eb().rules.put({ Name: 'r', EventBusName: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }, ctx());
    await eb().targets.put({ Rule: 'r', EventBusName: 'orders', Targets: [{ Id: 't', Arn: queue('t') }] });
    assert.deepEqual(await targetsOf(await send({})), []);

    await mailroom.close();
    mailroom = await createMailroom({ dataDir: dir, clock, deliver: false });
    const out = await eb().events.put({ Entries: [{ EventBusName: 'orders', Source: 'shop', DetailType: 'Order', Detail: '{}' }] }, ctx());
    assert.deepEqual(await targetsOf((out.Entries[0] as { EventId: string }).EventId), ['r/t']);
  });

  it('does not route through a bus deleted and created again with the old rules', async () => {
    await eb().buses.create({ Name: 'temp' }, ctx());
    await eb().rules.put({ Name: 'r', EventBusName: 'temp', EventPattern: JSON.stringify({ source: ['shop'] }) }, ctx());
    await eb().targets.put({ Rule: 'r', EventBusName: 'temp', Targets: [{ Id: 't', Arn: queue('t') }] });
    await eb().buses.delete({ Name: 'temp' });
    const gone = await eb().events.put({ Entries: [{ EventBusName: 'temp', Source: 'shop', DetailType: 'x', Detail: '{}' }] }, ctx());
    assert.equal((gone.Entries[0] as { ErrorCode: string }).ErrorCode, 'ResourceNotFoundException');
    await eb().buses.create({ Name: 'temp' }, ctx());
    const out = await eb().events.put({ Entries: [{ EventBusName: 'temp', Source: 'shop', DetailType: 'x', Detail: '{}' }] }, ctx());
    assert.deepEqual(await targetsOf((out.Entries[0] as { EventId: string }).EventId), []);
  });

  it('uses the entry\'s Time when given, to the second', async () => {
    const out = await eb().events.put({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}', Time: Date.UTC(2025, 0, 2, 3, 4, 5, 678) / 1000 }] }, ctx());
    const event = await mailroom.store.getEvent((out.Entries[0] as { EventId: string }).EventId);
    assert.equal((JSON.parse(event!.payload) as { time: string }).time, '2025-01-02T03:04:05Z');
  });
});
