/**
 * The store contract on PostgreSQL (an embedded server, or MAILROOM_TEST_DATABASE_URL; a fresh schema per test),
 * plus what only a shared database has: migrations under concurrent starts, claims and receives by several stores
 * at once, and wake-ups across them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { ManualClock } from '../../src/clock.js';
import { openStore } from '../../src/store/index.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { distributionOf } from '../../src/store/metric-distribution.js';
import { TEST_ROOT_KEY, testDatabase } from '../helpers/postgres.js';
import { storeContract } from './contract.js';
import { alarmRecord } from './alarm-contract.js';
import { task } from './move-task-contract.js';
import { message, queueRecord } from './queue-contract.js';

const db = await testDatabase();

storeContract('postgres', async () => openStore({ path: await db.storeSchema(), rootKey: TEST_ROOT_KEY }));

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL store', () => {
  it('records each migration in the ledger, stamped by the injected clock', async () => {
    const url = await db.freshSchema();
    const clock = new ManualClock(Date.UTC(2030, 5, 1));
    const store = await openStore({ path: url, clock, rootKey: TEST_ROOT_KEY });
    assert.equal(store.kind, 'postgres');
    assert.equal((await store.getBus('default'))?.createdAt, clock.now());
    await store.close();
    clock.advance(1000);
    await (await openStore({ path: url, clock, rootKey: TEST_ROOT_KEY })).close();
    const ledger = await query(url, 'SELECT version, name, applied_at::int8 AS applied_at FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      ledger,
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: String(Date.UTC(2030, 5, 1)) })),
    );
  });

  it('migrates once when several processes start on an empty database at the same time', async () => {
    const url = await db.freshSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openStore({ path: url, rootKey: TEST_ROOT_KEY })));
    try {
      const ledger = await query<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(ledger.map((r) => r.version), MIGRATIONS.map((m) => m.version));
      assert.equal((await stores[3]!.listBuses({ limit: 10 })).items.length, 1);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('refuses a database whose schema is newer than it knows', async () => {
    const url = await db.freshSchema();
    await (await openStore({ path: url, rootKey: TEST_ROOT_KEY })).close();
    const future = MIGRATIONS.length + 1;
    await query(url, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from-the-future', 0)", [future]);
    await assert.rejects(openStore({ path: url, rootKey: TEST_ROOT_KEY }), {
      name: 'SchemaTooNewError',
      message: `database schema version ${future} is newer than this Mailroom (knows up to ${MIGRATIONS.length}); upgrade Mailroom`,
    });
  });

  it('keeps every payload, message, input, error, answer, dead letter and secret sealed in the database', async () => {
    const url = await db.storeSchema();
    await using store = await openStore({ path: url, rootKey: TEST_ROOT_KEY });
    const marker = `SECRET-MARKER-${randomUUID()}`;
    const plainMarker = `PLAINTEXT-MARKER-${randomUUID()}`;
    const T0 = Date.UTC(2026, 0, 1);
    const secret = (what: string) => JSON.stringify({ what, marker, note: 'grüße 🎉' });
    const delivery = (t: string) => ({ ruleName: 'r', ruleArn: 'arn:r', targetId: t, targetArn: `arn:target:${t}`, dueAt: T0 });
    await store.ingest([{ event: { id: 'e1', bus: 'default', receivedAt: T0, payload: secret('event') }, deliveries: ['a', 'b', 'c', 'd'].map(delivery) }]);
    await store.createConnection({ name: 'c', arn: 'arn:c', authorizationType: 'API_KEY', state: 'AUTHORIZED', authParameters: secret('connection'), createdAt: T0, lastModifiedAt: T0 });
    await store.createQueue(queueRecord('q'), {});
    await store.createQueue(queueRecord('dlq'), {});
    await store.sendMessages([
      message('q', 'm1', { body: secret('message'), attributes: { a: { DataType: 'String', StringValue: marker } } }),
      message('q', 'm2', { body: plainMarker, keyRef: null }),
    ]);
    await store.createTopic({ arn: 'arn:aws:sns:us-east-1:000000000000:t', name: 't', attributes: {}, createdAt: T0, lastModifiedAt: T0 }, {});
    await store.publish('arn:aws:sns:us-east-1:000000000000:t', [{ id: 'p1', topicArn: 'arn:aws:sns:us-east-1:000000000000:t', receivedAt: T0, payload: secret('topic message') }], T0);
    await store.putSigningKey({ privateKeyPem: secret('signing key'), certificatePem: 'cert', createdAt: T0 });
    const [a, b, c, d] = await store.claimDue({ now: T0, owner: 'o', leaseUntil: T0 + 60_000, limit: 10, skipTargets: [] });
    const outcome = (x: typeof a) => ({ id: x!.id, owner: 'o', leaseUntil: x!.leaseUntil, attempts: 1 });
    const failed = { attempt: 1, at: T0, durationMs: 1, ok: false, errorMessage: secret('attempt error'), body: secret('target answer') };
    const deadMessage = message('dlq', 'dl', { body: secret('dead letter') });
    const results = await store.settle([
      { ...outcome(a), next: { status: 'pending', dueAt: T0 + 1000 }, lastError: secret('last error'), attempt: failed },
      { ...outcome(b), next: { status: 'done' }, followUps: [{ kind: 'function', eventId: 'e1', bus: 'default', ruleName: 'r', ruleArn: 'arn:r', targetId: 'f', targetArn: 'arn:f', input: secret('input'), dueAt: T0 }] },
      { ...outcome(c), next: { status: 'dead' }, deadLetter: { message: deadMessage, queueArn: queueRecord('dlq').arn, attributes: { ERROR: marker } } },
      { ...outcome(d), next: { status: 'dead' }, deadLetter: { message: { ...deadMessage, queue: 'missing' }, queueArn: queueRecord('missing').arn, attributes: { ERROR: marker } } },
    ]);
    assert.deepEqual(results.map((r) => r.applied), [true, true, true, true]);
    const [dead] = (await store.peekMessages('dlq', T0, { limit: 1 })).items;
    await store.redriveDeadLetters([{ deadLetter: { queue: 'dlq', ref: dead!.ref, messageId: 'dl' }, delivery: { kind: 'target', eventId: 'gone', bus: 'default', ruleName: 'r', ruleArn: 'arn:r', targetId: 't', targetArn: 'arn:t', input: secret('redriven input'), dueAt: T0 }, event: { id: 'gone', bus: 'default', payload: secret('redriven event') } }], T0);
    // Every table's rows as text (bytea as hex): neither the marker nor its UTF-8 bytes may appear.
    const tables = await query<{ name: string }>(url, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()');
    const needles = (text: string) => [text, Buffer.from(text, 'utf8').toString('hex')];
    const holding = async (text: string) => {
      const found: string[] = [];
      for (const { name } of tables) {
        const rows = await query<{ row: string }>(url, `SELECT t::text AS row FROM "${name}" t`);
        if (rows.some((r) => needles(text).some((n) => r.row.includes(n)))) found.push(name);
      }
      return found;
    };
    assert.deepEqual(await holding(plainMarker), ['queue_messages'], 'the scan sees stored data: a queue with SSE off keeps plaintext');
    assert.deepEqual(await holding(marker), []);
    // And all of it opens again.
    assert.equal((await store.getEvent('e1'))?.payload, secret('event'));
    assert.equal((await store.getConnection('c'))?.authParameters, secret('connection'));
    assert.equal((await store.signingKey())?.privateKeyPem, secret('signing key'));
    assert.deepEqual((await store.attemptHistory(a!.id)).map((x) => [x.errorMessage, x.body]), [[failed.errorMessage, failed.body]]);
    assert.equal((await store.listFallbackDeadLetters(1))[0]?.attributes.ERROR, marker);
    const pending = await store.listDeliveries({ status: 'pending', limit: 10 });
    assert.equal(pending.find((x) => x.id === a!.id)?.lastError, secret('last error'));
    const inputs = (await store.claimDue({ now: T0 + 1000, owner: 'o', leaseUntil: T0 + 60_000, limit: 10, skipTargets: [] })).map((x) => x.input).sort();
    assert.deepEqual(inputs, [secret('input'), secret('redriven input'), undefined].sort());
  });
});

/** Runs `fn` with `n` stores open on the file's store schema (emptied), as `n` processes would be; closes them after. */
async function withStores(n: number, fn: (stores: PostgresStore[]) => Promise<void>): Promise<void> {
  const url = await db.storeSchema();
  const stores = await Promise.all(Array.from({ length: n }, () => PostgresStore.open(url, new ManualClock(), { rootKey: TEST_ROOT_KEY })));
  try {
    await fn(stores);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

// The PostgreSQL-only behaviour that needs several stores on one database (the file's store schema, emptied).
describe('PostgreSQL store shared by several processes', () => {
  it('claims due deliveries concurrently without handing one out twice', async () => {
    await withStores(3, async (stores) => {
      const now = Date.UTC(2026, 0, 1);
      const entries = Array.from({ length: 300 }, (_, i) => ({
        event: { id: `e${i}`, bus: 'default', receivedAt: now, payload: '{}' },
        deliveries: [{ ruleName: 'r', ruleArn: 'arn:r', targetId: 't', targetArn: `arn:t${i % 7}`, dueAt: now }],
      }));
      await stores[0]!.ingest(entries);
      // Each store claims in small batches, all at once, until nothing is left.
      const claimAll = async (store: PostgresStore, owner: string) => {
        const ids: string[] = [];
        for (;;) {
          const claimed = await store.claimDue({ now, owner, leaseUntil: now + 60_000, limit: 7, skipTargets: [] });
          if (claimed.length === 0) return ids;
          ids.push(...claimed.map((c) => c.id));
        }
      };
      const sets = await Promise.all(stores.map((s, i) => claimAll(s, `owner-${i}`)));
      const all = sets.flat();
      assert.equal(all.length, 300, 'every delivery claimed');
      assert.equal(new Set(all).size, 300, 'no delivery claimed twice');
      assert.ok(sets.every((s) => s.length > 0), `every store got some work: ${sets.map((s) => s.length).join(', ')}`);
      // A settle fenced on another owner's lease changes nothing.
      const [theirs] = await stores[1]!.listDeliveries({ limit: 1 });
      const stolen = await stores[0]!.settle([{ id: theirs!.id, owner: 'intruder', leaseUntil: now + 60_000, next: { status: 'done' }, attempts: 1 }]);
      assert.deepEqual(stolen, [{ applied: false }]);
    });
  });

  it('never gives one queue message to two receivers within its visibility timeout', async () => {
    await withStores(3, async (stores) => {
      const now = Date.UTC(2026, 0, 1);
      await stores[0]!.createQueue({ name: 'q', arn: 'arn:aws:sqs:us-east-1:000000000000:q', attributes: { MessageRetentionPeriod: '345600' }, createdAt: now, lastModifiedAt: now }, {});
      const messages = Array.from({ length: 200 }, (_, i) => ({
        queue: 'q', messageId: `m${i}`, body: `b${i}`, attributes: {}, md5OfBody: 'x', sentAt: now, visibleAt: now, expiresAt: now + 86_400_000,
      }));
      assert.equal(await stores[0]!.sendMessages(messages), true);
      const receiveAll = async (store: PostgresStore) => {
        const ids: string[] = [];
        for (;;) {
          const got = await store.receiveMessages({ queue: 'q', now, max: 10, visibilityTimeoutMs: 30_000 });
          if (got.length === 0) return ids;
          ids.push(...got.map((m) => m.messageId));
        }
      };
      // Two receivers per store, six at once.
      const sets = await Promise.all([...stores, ...stores].map(receiveAll));
      const all = sets.flat();
      assert.equal(all.length, 200);
      assert.equal(new Set(all).size, 200, 'no message received twice');
      assert.deepEqual(await stores[2]!.queueCounts('q', now), { visible: 0, inFlight: 200, delayed: 0 });
    });
  });

  it('wakes every store when deliveries are recorded or messages sent, in any of them', async () => {
    await withStores(2, async ([writer, listener]) => {
      const woke: string[] = [];
      let wake: () => void = () => {};
      const next = () => new Promise<void>((resolve) => (wake = resolve));
      listener.onWake('deliveries', () => {
        woke.push('deliveries');
        wake();
      });
      listener.onWake('queues', (queue) => {
        woke.push(`queue ${queue}`);
        wake();
      });
      await listener.wakeUpsReady();
      let woken = next();
      await writer.ingest([{ event: { id: 'e1', bus: 'default', receivedAt: 0, payload: '{}' }, deliveries: [{ ruleName: 'r', ruleArn: 'arn:r', targetId: 't', targetArn: 'arn:t', dueAt: 0 }] }]);
      await woken;
      woken = next();
      await writer.createQueue({ name: 'q', arn: 'arn:q', attributes: {}, createdAt: 0, lastModifiedAt: 0 }, {});
      await writer.sendMessages([{ queue: 'q', messageId: 'm', body: 'b', attributes: {}, md5OfBody: 'x', sentAt: 0, visibleAt: 0, expiresAt: 1e12 }]);
      await woken;
      assert.deepEqual(woke, ['deliveries', 'queue q']);
    });
  });

  it('lets one StartMessageMoveTask through when several race for the same source queue', async () => {
    await withStores(3, async (stores) => {
      const started = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 3]!.createMoveTask(task(`t${i}`, 'dlq', { startedAt: i }))));
      assert.equal(started.filter(Boolean).length, 1, `exactly one created: ${started.join(', ')}`);
      assert.equal((await stores[0]!.listMoveTasks('dlq', 100)).length, 1);
    });
  });

  it('gives each due alarm to exactly one evaluator when several claim at once', async () => {
    await withStores(3, async (stores) => {
      const now = Date.UTC(2026, 0, 1, 1);
      for (let i = 0; i < 60; i++) await stores[0]!.putAlarm(alarmRecord(`a${String(i).padStart(2, '0')}`, { nextEvaluationAt: now - i }), []);
      const claimAll = async (store: PostgresStore, owner: string) => {
        const names: string[] = [];
        for (;;) {
          const claimed = await store.claimDueAlarms({ now, owner, leaseUntil: now + 60_000, limit: 4, horizon: now + 600_000 });
          if (claimed.length === 0) return names;
          names.push(...claimed.map((a) => a.name));
        }
      };
      const sets = await Promise.all([...stores, ...stores].map((s, i) => claimAll(s, `owner-${i}`)));
      const all = sets.flat();
      assert.equal(all.length, 60, 'every due alarm claimed');
      assert.equal(new Set(all).size, 60, 'no alarm claimed twice');
    });
  });

  it('merges metric writes from several stores into the same buckets without losing a sample', async () => {
    await withStores(3, async (stores) => {
      const minute = Date.UTC(2026, 0, 1);
      // Every write touches the same two buckets, in either order, so writers contend for both rows.
      const writes = Array.from({ length: 30 }, (_, i) => {
        const datum = (name: string) => ({ namespace: 'App', name, dimensions: {}, minute, unit: 'None', sum: i, count: 1, min: i, max: i });
        return stores[i % 3]!.recordMetrics(i % 2 ? [datum('x'), datum('y')] : [datum('y'), datum('x')]);
    });
    await Promise.all(writes);
    for (const name of ['x', 'y']) {
      const [bucket] = await stores[0]!.queryMetrics({ namespace: 'App', name, dimensions: {}, from: minute, to: minute + 60_000 });
      assert.equal(bucket?.count, 30);
      assert.equal(bucket?.sum, (29 * 30) / 2);
      assert.deepEqual(distributionOf(bucket!), Array.from({ length: 30 }, (_, i) => [i, 1]));
    }
    });
  });

  it('redrives a dead letter once when two stores redrive it at the same time', async () => {
    await withStores(2, async (stores) => {
      await stores[0]!.createQueue(queueRecord('dlq'), {});
      await stores[0]!.sendMessages([message('dlq', 'm1')]);
      const [dead] = (await stores[0]!.peekMessages('dlq', 0, { limit: 1 })).items;
      const item = {
        deadLetter: { queue: 'dlq', ref: dead!.ref, messageId: 'm1' },
        delivery: { kind: 'target' as const, eventId: 'e1', bus: 'default', ruleName: 'r', ruleArn: 'arn:r', targetId: 't', targetArn: 'arn:t', dueAt: 0 },
        event: { id: 'e1', bus: 'default', payload: '{}' },
      };
      const results = (await Promise.all(stores.map((s) => s.redriveDeadLetters([item], 0)))).flat();
      assert.equal(results.filter((r) => 'deliveryId' in r).length, 1, JSON.stringify(results));
      assert.equal(await stores[1]!.countDeliveries(), 1);
    });
  });
});
