/**
 * The ConfigChangeStore part of the store contract (called by contract.ts): every backend logs each configuration
 * change in the transaction that makes it, in commit order, under its own origin, and prunes the log the same way.
 */
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { apiDestination, bus, connection, rule, target } from './contract.js';

type Test = (title: string, fn: () => Promise<void>) => void;

export function configChangeContract(test: Test, store: () => Store): void {
  const logged = async (after = 0) => (await store().readConfigChanges(after, 100)).changes.map((c) => [c.kind, c.bus ?? null, c.name].join(' '));

  test('logs every change of a bus, rule, targets, connection or API destination, in order; not a write that changed nothing', async () => {
    const start = await store().latestConfigChange();
    assert.deepEqual((await store().readConfigChanges(start, 100)).changes, []);
    await store().createBus(bus('orders'));
    await store().createBus(bus('orders'));
    await store().putRule(rule('orders', 'r1'));
    await store().putTargets('orders', 'r1', [target('orders', 'r1', 't1')], 5);
    await store().putTargets('orders', 'missing', [target('orders', 'missing', 't1')], 5);
    await store().removeTargets('orders', 'r1', ['nope']);
    await store().removeTargets('orders', 'r1', ['t1', 'nope']);
    await store().deleteRule('orders', 'missing', true);
    await store().deleteRule('orders', 'r1', false);
    await store().createConnection(connection('c'));
    await store().createApiDestination(apiDestination('d'));
    await store().deleteApiDestination('d');
    await store().deleteConnection('c');
    await store().deleteBus('orders');
    assert.deepEqual(await logged(start), [
      'bus orders orders',
      'rule orders r1',
      'targets orders r1',
      'targets orders r1',
      'rule orders r1',
      'connection  c',
      'api-destination  d',
      'api-destination  d',
      'connection  c',
      'bus orders orders',
    ]);
    const { changes } = await store().readConfigChanges(start, 100);
    assert.ok(changes.every((c, i) => c.origin === store().instanceId && (i === 0 || c.seq > changes[i - 1]!.seq)), 'ascending, from this store');
    assert.equal(await store().latestConfigChange(), changes.at(-1)!.seq);
    assert.deepEqual(await logged(changes[7]!.seq), ['connection  c', 'bus orders orders'], 'after a position');
    assert.equal((await store().readConfigChanges(start, 3)).changes.length, 3, 'at most the limit');
  });

  test('pruneConfigChanges deletes what is older than a time; a reader behind what was pruned is told it missed changes', async () => {
    await store().putRule(rule('default', 'a'));
    await store().putRule(rule('default', 'b'));
    const [first, second] = (await store().readConfigChanges(0, 100)).changes;
    assert.equal(await store().pruneConfigChanges(first!.at), 0, 'nothing older than the first');
    assert.equal(await store().pruneConfigChanges(second!.at + 1), 2);
    assert.deepEqual(await store().readConfigChanges(first!.seq, 100), { changes: [], missed: true });
    assert.deepEqual(await store().readConfigChanges(second!.seq, 100), { changes: [], missed: false }, 'a reader that had seen everything missed nothing');
    assert.equal(await store().latestConfigChange(), second!.seq, 'the position survives pruning');
    await store().putRule(rule('default', 'c'));
    const { changes, missed } = await store().readConfigChanges(second!.seq, 100);
    assert.equal(missed, false);
    assert.deepEqual(changes.map((c) => c.name), ['c']);
    assert.ok(changes[0]!.seq > second!.seq, 'positions are never reused');
  });
}
