/**
 * The behaviour every Store backend must have, as node:test suites. A backend's test file calls
 * `storeContract(name, open)`; `open` must return a fresh, empty (just migrated) store each time, because every
 * test opens its own. Nothing here may depend on one backend: no SQL, no file paths.
 *
 * `skip` lists tests a backend cannot pass yet, each with the reason (named by their `it` title).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type {
  ApiDestinationRecord,
  BusRecord,
  ConnectionRecord,
  NewDelivery,
  RuleRecord,
  TargetRecord,
} from '../../src/store/records.js';
import type { IngestEntry, Store } from '../../src/store/store.js';
import { keysContract } from './keys-contract.js';
import { queueContract } from './queue-contract.js';
import { topicContract } from './topic-contract.js';
import { moveTaskContract } from './move-task-contract.js';
import { redriveContract } from './redrive-contract.js';
import { alarmContract } from './alarm-contract.js';
import { deliveryContract } from './delivery-contract.js';
import { configChangeContract } from './config-change-contract.js';

export interface ContractOptions {
  skip?: { reason: string; tests: string[] }[];
}

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const T0 = Date.UTC(2026, 0, 1);

export function bus(name: string, extra: Partial<BusRecord> = {}): BusRecord {
  return { name, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`, createdAt: T0, lastModifiedAt: T0, ...extra };
}

export function rule(busName: string, name: string, extra: Partial<RuleRecord> = {}): RuleRecord {
  const path = busName === 'default' ? name : `${busName}/${name}`;
  return {
    bus: busName,
    name,
    arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${path}`,
    eventPattern: '{"source":["shop"]}',
    state: 'ENABLED',
    createdAt: T0,
    lastModifiedAt: T0,
    ...extra,
  };
}

export function target(busName: string, ruleName: string, id: string, arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`): TargetRecord {
  return { bus: busName, rule: ruleName, id, arn, spec: JSON.stringify({ Id: id, Arn: arn }) };
}

export function connection(name: string): ConnectionRecord {
  return {
    name,
    arn: `arn:aws:events:${REGION}:${ACCOUNT}:connection/${name}/abc`,
    authorizationType: 'API_KEY',
    state: 'AUTHORIZED',
    authParameters: '{"ApiKeyAuthParameters":{"ApiKeyName":"x-key","ApiKeyValue":"s3cr3t"}}',
    createdAt: T0,
    lastModifiedAt: T0,
  };
}

export function apiDestination(name: string): ApiDestinationRecord {
  return {
    name,
    arn: `arn:aws:events:${REGION}:${ACCOUNT}:api-destination/${name}/abc`,
    connectionArn: connection('c').arn,
    endpoint: 'https://example.com/hook',
    httpMethod: 'POST',
    state: 'ACTIVE',
    createdAt: T0,
    lastModifiedAt: T0,
  };
}

export function delivery(targetId: string, dueAt = T0): NewDelivery {
  return {
    ruleName: 'orders',
    ruleArn: rule('default', 'orders').arn,
    targetId,
    targetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${targetId}`,
    dueAt,
  };
}

/** An event on the default bus with one delivery per target id. */
export function entry(id: string, targetIds: string[] = ['t1']): IngestEntry {
  return {
    event: { id, bus: 'default', receivedAt: T0, payload: JSON.stringify({ id, source: 'shop', detail: { note: 'grüße 🎉' } }) },
    deliveries: targetIds.map((t) => delivery(t)),
  };
}

const names = (items: { name: string }[]) => items.map((i) => i.name);

export function storeContract(name: string, open: () => Promise<Store>, options: ContractOptions = {}): void {
  const skipped = new Map<string, string>();
  for (const s of options.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  let store: Store;
  const test = (title: string, fn: () => Promise<void>) =>
    skipped.has(title) ? it(title, { skip: skipped.get(title) }, fn) : it(title, fn);

  describe(`Store contract: ${name}`, () => {
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('buses', () => {
      test('the default bus exists from the start', async () => {
        const found = await store.getBus('default');
        assert.equal(found?.arn, 'arn:aws:events:us-east-1:000000000000:event-bus/default');
      });

      test('createBus stores every field and refuses a taken name', async () => {
        const full = bus('orders', {
          description: 'd',
          kmsKeyIdentifier: 'alias/k',
          deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
          policy: '{"Version":"2012-10-17"}',
        });
        assert.equal(await store.createBus(full), true);
        assert.deepEqual(await store.getBus('orders'), full);
        assert.equal(await store.createBus(bus('orders', { description: 'other' })), false);
        assert.equal((await store.getBus('orders'))?.description, 'd');
        // Optional fields that were not given come back absent, not undefined or null.
        await store.createBus(bus('plain'));
        assert.deepEqual(await store.getBus('plain'), bus('plain'));
      });

      test('getBus returns undefined for an unknown bus', async () => {
        assert.equal(await store.getBus('nope'), undefined);
      });

      test('listBuses pages by name with prefix, after and limit', async () => {
        for (const n of ['b', 'a2', 'a1', 'a3', 'c']) await store.createBus(bus(n));
        const first = await store.listBuses({ limit: 2 });
        assert.deepEqual(names(first.items), ['a1', 'a2']);
        assert.equal(first.after, 'a2');
        const second = await store.listBuses({ limit: 2, after: first.after });
        assert.deepEqual(names(second.items), ['a3', 'b']);
        const last = await store.listBuses({ limit: 2, after: second.after });
        assert.deepEqual(names(last.items), ['c', 'default']);
        assert.equal(last.after, undefined);
        const prefixed = await store.listBuses({ prefix: 'a', limit: 10 });
        assert.deepEqual(names(prefixed.items), ['a1', 'a2', 'a3']);
        assert.equal(prefixed.after, undefined);
        const prefixedPaged = await store.listBuses({ prefix: 'a', limit: 2, after: 'a1' });
        assert.deepEqual(names(prefixedPaged.items), ['a2', 'a3']);
        assert.equal(prefixedPaged.after, undefined, 'an exactly full last page says there is no more');
      });

      test('names compare exactly: by code point, case-sensitive, no wildcards', async () => {
        for (const n of ['b', 'B', 'a_b', 'axb', 'A%']) await store.createBus(bus(n));
        const all = await store.listBuses({ limit: 10 });
        assert.deepEqual(names(all.items), ['A%', 'B', 'a_b', 'axb', 'b', 'default']);
        assert.deepEqual(names((await store.listBuses({ prefix: 'a_', limit: 10 })).items), ['a_b']);
        assert.deepEqual(names((await store.listBuses({ prefix: 'A', limit: 10 })).items), ['A%']);
      });

      test('deleteBus removes the bus with its rules, targets and tags', async () => {
        await store.createBus(bus('orders'));
        await store.putRule(rule('orders', 'r1'));
        await store.putTargets('orders', 'r1', [target('orders', 'r1', 't1')], 5);
        await store.tagResource(bus('orders').arn, { team: 'a' });
        await store.tagResource(rule('orders', 'r1').arn, { team: 'b' });
        await store.putRule(rule('default', 'r1'));
        await store.putTargets('default', 'r1', [target('default', 'r1', 't1')], 5);

        assert.equal(await store.deleteBus('orders'), true);
        assert.equal(await store.getBus('orders'), undefined);
        assert.deepEqual(await store.allRules('orders'), []);
        assert.deepEqual(await store.allTargets('orders'), []);
        assert.deepEqual(await store.listTags(bus('orders').arn), {});
        assert.deepEqual(await store.listTags(rule('orders', 'r1').arn), {});
        // A rule of the same name on another bus is untouched.
        assert.equal((await store.listTargets('default', 'r1')).length, 1);
        // Re-creating the bus starts empty.
        await store.createBus(bus('orders'));
        assert.deepEqual(await store.allRules('orders'), []);
      });

      test('deleteBus reports an unknown bus', async () => {
        assert.equal(await store.deleteBus('nope'), false);
      });
    });

    describe('rules', () => {
      test('putRule creates, then replaces every field but createdAt', async () => {
        const created = rule('default', 'r', { description: 'first', roleArn: 'arn:role', scheduleExpression: 'rate(1 minute)' });
        assert.equal(await store.putRule(created), true);
        assert.deepEqual(await store.getRule('default', 'r'), created);
        const replacement = rule('default', 'r', { eventPattern: '{"source":["other"]}', state: 'DISABLED', createdAt: T0 + 5, lastModifiedAt: T0 + 5 });
        assert.equal(await store.putRule(replacement), false);
        assert.deepEqual(await store.getRule('default', 'r'), { ...replacement, createdAt: T0 });
      });

      test('putRule on an unknown bus rejects', async () => {
        await assert.rejects(store.putRule(rule('nope', 'r')));
        assert.equal(await store.getRule('nope', 'r'), undefined);
      });

      test('getRule is scoped to its bus', async () => {
        await store.createBus(bus('other'));
        await store.putRule(rule('other', 'r'));
        assert.equal(await store.getRule('default', 'r'), undefined);
        assert.equal((await store.getRule('other', 'r'))?.bus, 'other');
      });

      test('listRules pages within one bus', async () => {
        await store.createBus(bus('other'));
        for (const n of ['r3', 'r1', 'x', 'r2']) await store.putRule(rule('default', n));
        await store.putRule(rule('other', 'r0'));
        const first = await store.listRules('default', { prefix: 'r', limit: 2 });
        assert.deepEqual(names(first.items), ['r1', 'r2']);
        assert.equal(first.after, 'r2');
        const next = await store.listRules('default', { prefix: 'r', limit: 2, after: first.after });
        assert.deepEqual(names(next.items), ['r3']);
        assert.equal(next.after, undefined);
        assert.deepEqual(names((await store.listRules('other', { limit: 10 })).items), ['r0']);
      });

      test('allRules returns every rule of a bus in name order', async () => {
        for (const n of ['b', 'c', 'a']) await store.putRule(rule('default', n));
        assert.deepEqual(names(await store.allRules('default')), ['a', 'b', 'c']);
        assert.deepEqual(await store.allRules('nope'), []);
      });

      test('deleteRule refuses a rule with targets unless forced', async () => {
        await store.putRule(rule('default', 'r'));
        await store.putTargets('default', 'r', [target('default', 'r', 't1')], 5);
        assert.equal(await store.deleteRule('default', 'r', false), 'has-targets');
        assert.ok(await store.getRule('default', 'r'));
        assert.equal(await store.deleteRule('default', 'r', true), 'deleted');
        assert.equal(await store.getRule('default', 'r'), undefined);
        assert.deepEqual(await store.allTargets('default'), []);
        // A new rule of the same name does not inherit the old targets.
        await store.putRule(rule('default', 'r'));
        assert.deepEqual(await store.listTargets('default', 'r'), []);
      });

      test('deleteRule deletes a rule without targets, and its tags', async () => {
        await store.putRule(rule('default', 'r'));
        await store.tagResource(rule('default', 'r').arn, { k: 'v' });
        assert.equal(await store.deleteRule('default', 'r', false), 'deleted');
        assert.deepEqual(await store.listTags(rule('default', 'r').arn), {});
      });

      test('deleteRule reports an unknown rule', async () => {
        assert.equal(await store.deleteRule('default', 'nope', false), 'not-found');
        assert.equal(await store.deleteRule('default', 'nope', true), 'not-found');
      });
    });

    describe('targets', () => {
      beforeEach(async () => {
        await store.putRule(rule('default', 'r'));
      });

      test('putTargets adds, and replaces by id', async () => {
        assert.equal(await store.putTargets('default', 'r', [target('default', 'r', 'b'), target('default', 'r', 'a')], 5), 'ok');
        const replaced = { ...target('default', 'r', 'a', 'arn:aws:sqs:us-east-1:000000000000:new'), spec: '{"Input":"x"}' };
        assert.equal(await store.putTargets('default', 'r', [replaced], 5), 'ok');
        assert.deepEqual(await store.listTargets('default', 'r'), [replaced, target('default', 'r', 'b')]);
      });

      test('putTargets reports an unknown rule', async () => {
        assert.equal(await store.putTargets('default', 'nope', [target('default', 'nope', 't')], 5), 'rule-not-found');
        assert.deepEqual(await store.allTargets('default'), []);
      });

      test('putTargets refuses atomically beyond the per-rule limit', async () => {
        const existing = ['t1', 't2', 't3', 't4'].map((id) => target('default', 'r', id));
        assert.equal(await store.putTargets('default', 'r', existing, 5), 'ok');
        const changed = { ...target('default', 'r', 't1'), spec: '{"changed":true}' };
        const result = await store.putTargets('default', 'r', [changed, target('default', 'r', 'n1'), target('default', 'r', 'n2')], 5);
        assert.equal(result, 'limit-exceeded');
        // Nothing of the refused call was written, not even the replacement that fit.
        assert.deepEqual(await store.listTargets('default', 'r'), existing);
      });

      test('putTargets counts a replaced id once against the limit', async () => {
        const five = ['t1', 't2', 't3', 't4', 't5'].map((id) => target('default', 'r', id));
        assert.equal(await store.putTargets('default', 'r', five, 5), 'ok');
        const again = five.map((t) => ({ ...t, spec: '{"v":2}' }));
        assert.equal(await store.putTargets('default', 'r', again, 5), 'ok');
        assert.deepEqual(await store.listTargets('default', 'r'), again);
        assert.equal(await store.putTargets('default', 'r', [target('default', 'r', 't6')], 5), 'limit-exceeded');
      });

      test('removeTargets removes and reports the ids that were not there', async () => {
        await store.putTargets('default', 'r', ['t1', 't2', 't3'].map((id) => target('default', 'r', id)), 5);
        assert.deepEqual(await store.removeTargets('default', 'r', ['t1', 'x', 't3', 'y']), ['x', 'y']);
        assert.deepEqual(await store.listTargets('default', 'r'), [target('default', 'r', 't2')]);
        assert.deepEqual(await store.removeTargets('default', 'r', ['t1']), ['t1']);
      });

      test('allTargets returns the targets of every rule of a bus', async () => {
        await store.putRule(rule('default', 'q'));
        await store.createBus(bus('other'));
        await store.putRule(rule('other', 'r'));
        await store.putTargets('default', 'r', [target('default', 'r', 't2'), target('default', 'r', 't1')], 5);
        await store.putTargets('default', 'q', [target('default', 'q', 't9')], 5);
        await store.putTargets('other', 'r', [target('other', 'r', 't1')], 5);
        assert.deepEqual(await store.allTargets('default'), [
          target('default', 'q', 't9'),
          target('default', 'r', 't1'),
          target('default', 'r', 't2'),
        ]);
      });

      test('ruleNamesByTarget pages the rules that have a target with that ARN', async () => {
        const arn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
        for (const n of ['r3', 'r1', 'r2', 'other']) await store.putRule(rule('default', n));
        for (const n of ['r3', 'r1', 'r2']) await store.putTargets('default', n, [target('default', n, 'a', arn), target('default', n, 'b', arn)], 5);
        await store.putTargets('default', 'other', [target('default', 'other', 'a')], 5);
        const first = await store.ruleNamesByTarget('default', arn, { limit: 2 });
        assert.deepEqual(first, { items: ['r1', 'r2'], after: 'r2' });
        assert.deepEqual(await store.ruleNamesByTarget('default', arn, { limit: 2, after: 'r2' }), { items: ['r3'] });
        assert.deepEqual(await store.ruleNamesByTarget('other-bus', arn, { limit: 2 }), { items: [] });
      });
    });

    describe('connections and API destinations', () => {
      test('connections: create once, get, list, delete', async () => {
        const c = { ...connection('c1'), description: 'd', lastAuthorizedAt: T0 + 1 };
        assert.equal(await store.createConnection(c), true);
        assert.equal(await store.createConnection(connection('c1')), false);
        await store.createConnection(connection('c2'));
        await store.createConnection(connection('x'));
        assert.deepEqual(await store.getConnection('c1'), c);
        assert.deepEqual(await store.getConnection('c2'), connection('c2'));
        const page = await store.listConnections({ prefix: 'c', limit: 1 });
        assert.deepEqual(names(page.items), ['c1']);
        assert.equal(page.after, 'c1');
        assert.deepEqual(names((await store.listConnections({ prefix: 'c', limit: 1, after: 'c1' })).items), ['c2']);
        await store.tagResource(c.arn, { k: 'v' });
        assert.equal(await store.deleteConnection('c1'), true);
        assert.equal(await store.deleteConnection('c1'), false);
        assert.equal(await store.getConnection('c1'), undefined);
        assert.deepEqual(await store.listTags(c.arn), {});
      });

      test('API destinations: create once, get, list, delete', async () => {
        const d = { ...apiDestination('d1'), description: 'd', invocationRateLimitPerSecond: 20 };
        assert.equal(await store.createApiDestination(d), true);
        assert.equal(await store.createApiDestination(apiDestination('d1')), false);
        await store.createApiDestination(apiDestination('d2'));
        assert.deepEqual(await store.getApiDestination('d1'), d);
        assert.deepEqual(await store.getApiDestination('d2'), apiDestination('d2'));
        const page = await store.listApiDestinations({ limit: 1 });
        assert.deepEqual(names(page.items), ['d1']);
        assert.equal(page.after, 'd1');
        await store.tagResource(d.arn, { k: 'v' });
        assert.equal(await store.deleteApiDestination('d1'), true);
        assert.equal(await store.deleteApiDestination('d1'), false);
        assert.deepEqual(names((await store.listApiDestinations({ limit: 10 })).items), ['d2']);
        assert.deepEqual(await store.listTags(d.arn), {});
      });
    });

    describe('tags', () => {
      test('tagResource merges; untagResource removes keys', async () => {
        const arn = bus('default').arn;
        assert.deepEqual(await store.listTags(arn), {});
        await store.tagResource(arn, { a: '1', b: '2' });
        await store.tagResource(arn, { b: '3', c: '4' });
        assert.deepEqual(await store.listTags(arn), { a: '1', b: '3', c: '4' });
        await store.untagResource(arn, ['a', 'missing']);
        assert.deepEqual(await store.listTags(arn), { b: '3', c: '4' });
        assert.deepEqual(await store.listTags(rule('default', 'r').arn), {}, 'tags belong to one ARN');
      });
    });

    describe('events and deliveries', () => {
      test('ingest writes events and their pending deliveries', async () => {
        const e1 = entry('e1', ['t1', 't2']);
        const e2 = entry('e2', []);
        await store.ingest([e1, e2]);
        assert.deepEqual(await store.getEvent('e1'), e1.event);
        assert.deepEqual(await store.getEvent('e2'), e2.event);
        assert.equal(await store.getEvent('nope'), undefined);
        assert.equal(await store.countEvents(), 2);
        const deliveries = await store.listDeliveries({ eventId: 'e1', limit: 10 });
        assert.equal(deliveries.length, 2);
        for (const [i, d] of deliveries.entries()) {
          const { id, createdAt, ...rest } = d;
          assert.deepEqual(rest, { ...e1.deliveries[i], eventId: 'e1', bus: 'default', status: 'pending', attempts: 0 });
          assert.equal(typeof id, 'string');
          assert.equal(typeof createdAt, 'number');
        }
        assert.notEqual(deliveries[0].id, deliveries[1].id);
        assert.deepEqual(await store.listDeliveries({ eventId: 'e2', limit: 10 }), []);
      });

      test('ingest of one caller is atomic: a duplicate id writes none of its entries', async () => {
        await store.ingest([entry('dup')]);
        await assert.rejects(store.ingest([entry('fresh', ['t1', 't2']), entry('dup')]));
        assert.equal(await store.getEvent('fresh'), undefined);
        assert.equal(await store.countEvents(), 1);
        assert.equal(await store.countDeliveries(), 1);
      });

      test('concurrent ingests share one commit', async () => {
        const before = store.stats().commits;
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.ingest([entry(`c${i}a`), entry(`c${i}b`)])));
        assert.equal(store.stats().commits - before, 1);
        assert.equal(await store.countEvents(), 40);
        // Ingests awaited one after another each get their own commit.
        await store.ingest([entry('s1')]);
        await store.ingest([entry('s2')]);
        assert.equal(store.stats().commits - before, 3);
      });

      test('a failing caller is rejected alone, and later writes still land', async () => {
        await store.ingest([entry('taken')]);
        const results = await Promise.allSettled([
          store.ingest([entry('a1'), entry('a2')]),
          store.ingest([entry('b1'), entry('taken')]),
          store.ingest([entry('c1', ['t1', 't2'])]),
        ]);
        assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
        for (const id of ['a1', 'a2', 'c1']) assert.ok(await store.getEvent(id), id);
        assert.equal(await store.getEvent('b1'), undefined);
        assert.equal(await store.countDeliveries(), 5);
        await store.ingest([entry('later')]);
        assert.ok(await store.getEvent('later'));
      });

      test('listDeliveries filters by event and status, in creation order, up to the limit', async () => {
        await store.ingest([entry('e1', ['t1', 't2', 't3'])]);
        await store.ingest([entry('e2', ['t4'])]);
        const all = await store.listDeliveries({ limit: 10 });
        assert.deepEqual(all.map((d) => d.targetId), ['t1', 't2', 't3', 't4']);
        assert.deepEqual((await store.listDeliveries({ limit: 2 })).map((d) => d.targetId), ['t1', 't2']);
        assert.deepEqual((await store.listDeliveries({ eventId: 'e1', status: 'pending', limit: 2 })).map((d) => d.targetId), ['t1', 't2']);
        assert.deepEqual(await store.listDeliveries({ status: 'done', limit: 10 }), []);
        assert.deepEqual(await store.listDeliveries({ eventId: 'e2', status: 'dead', limit: 10 }), []);
        assert.equal((await store.listDeliveries({ status: 'pending', limit: 10 })).length, 4);
      });

      test('countDeliveries counts all or by status', async () => {
        assert.equal(await store.countDeliveries(), 0);
        await store.ingest([entry('e1', ['t1', 't2']), entry('e2', ['t3'])]);
        assert.equal(await store.countDeliveries(), 3);
        assert.equal(await store.countDeliveries('pending'), 3);
        assert.equal(await store.countDeliveries('done'), 0);
      });

      test('ingest of nothing resolves', async () => {
        await store.ingest([]);
        assert.equal(await store.countEvents(), 0);
      });
    });

    describe('queues', () => {
      queueContract(test, () => store);
    });

    describe('message move tasks', () => {
      moveTaskContract(test, () => store);
    });

    describe('dead-letter redrive', () => {
      redriveContract(test, () => store);
    });

    describe('alarms and metrics', () => {
      alarmContract(test, () => store);
    });

    describe('delivery engine, metrics and functions', () => {
      deliveryContract(test, () => store);
    });

    describe('topics', () => {
      topicContract(test, () => store);
    });

    describe('keys and sealing', () => {
      keysContract(test, () => store);
    });

    describe('configuration change log', () => {
      configChangeContract(test, () => store);
    });

    describe('lifecycle', () => {
      test('close commits what is already queued, then refuses ingest', async () => {
        const pending = store.ingest([entry('queued')]);
        const closed = store.close();
        assert.equal(store.close(), closed, 'a second close returns the same promise');
        await closed;
        await pending;
        await assert.rejects(store.ingest([entry('late')]), /closed/);
      });
    });
  });
}
