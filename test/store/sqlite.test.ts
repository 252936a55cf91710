/**
 * The store contract on SQLite (a fresh file per test, in one temp directory per test file), plus what only
 * SQLite has: the migration ledger, pragmas, the data directory, and durability across kill -9.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ManualClock } from '../../src/clock.js';
import { openStore } from '../../src/store/index.js';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { storeContract } from './contract.js';
import type { NewQueueMessage } from '../../src/store/queues.js';
import { message, queueRecord } from './queue-contract.js';

const root = mkdtempSync(join(tmpdir(), 'mailroom-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(root, `store-${++files}.db`);

storeContract('sqlite', () => openStore({ path: freshPath() }));

describe('SQLite store', () => {
  it('never returns a message twice in one receive, even with a visibility timeout of 0', async () => {
    const store = await openStore({ path: freshPath() });
    const T0 = Date.UTC(2026, 0, 1);
    try {
      await store.createQueue(queueRecord('q'), {});
      // The expired one is passed over, so the receive fetches candidates again, while the two it claimed are
      // still visible (timeout 0).
      await store.sendMessages([message('q', 'expired', { expiresAt: T0 + 5 }), message('q', 'a', { visibleAt: T0 + 10 }), message('q', 'b', { visibleAt: T0 + 10 })]);
      const got = await store.receiveMessages({ queue: 'q', now: T0 + 10, max: 3, visibilityTimeoutMs: 0 });
      assert.deepEqual(got.map((m) => [m.messageId, m.receiveCount]), [['a', 1], ['b', 1]]);
    } finally {
      await store.close();
    }
  });

  it('receives, after a restart, messages sealed before it: the writer thread is handed their data keys first', async () => {
    const path = freshPath();
    const T0 = Date.UTC(2026, 0, 1);
    const first = await openStore({ path });
    // Three data keys (two KMS keys and alias/aws/sqs), one message each: the new thread learns them one by one.
    const sent: NewQueueMessage[] = [];
    try {
      await first.createQueue(queueRecord('q'), {});
      for (const description of ['queue key', 'other key']) {
        const kmsKey = (await first.keyring.createKey({ description })).id;
        sent.push(message('q', description, { keyRef: kmsKey }));
      }
      sent.push(message('q', 'managed'), message('q', 'plain', { keyRef: null }));
      assert.equal(await first.sendMessages(sent), true);
    } finally {
      await first.close();
    }
    // A new process: its writer thread knows no data key; each sealed message goes back to the main thread once.
    const second = await openStore({ path });
    try {
      const got = await second.receiveMessages({ queue: 'q', now: T0, max: 10, visibilityTimeoutMs: 30_000 });
      assert.deepEqual(got.map((m) => [m.messageId, m.body, m.receiveCount]), sent.map((m) => [m.messageId, m.body, 1]));
      assert.deepEqual(await second.deleteMessages('q', got.map((m) => m.receiptHandle)), ['ok', 'ok', 'ok', 'ok']);
    } finally {
      await second.close();
    }
  });

  it('records each migration in the ledger, stamped by the injected clock', async () => {
    const path = freshPath();
    const clock = new ManualClock(Date.UTC(2030, 5, 1));
    const store = await openStore({ path, clock });
    assert.equal((await store.getBus('default'))?.createdAt, clock.now());
    await store.close();
    clock.advance(1000);
    // Reopening applies nothing again.
    await (await openStore({ path, clock })).close();
    const db = new Database(path, { readonly: true });
    try {
      const ledger = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
      assert.deepEqual(
        ledger,
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: Date.UTC(2030, 5, 1) })),
      );
    } finally {
      db.close();
    }
  });

  it('refuses a database whose schema is newer than it knows', async () => {
    const path = freshPath();
    await (await openStore({ path })).close();
    const db = new Database(path);
    const future = MIGRATIONS.length + 1;
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from-the-future', 0)").run(future);
    db.close();
    await assert.rejects(
      openStore({ path }),
      {
        name: 'SchemaTooNewError',
        message: `database schema version ${future} is newer than this Mailroom (knows up to ${MIGRATIONS.length}); upgrade Mailroom`,
      },
    );
  });

  it('rolls back a failing migration entirely, ledger row included', () => {
    const db = new Database(freshPath());
    try {
      migrate(db, MIGRATIONS, 0);
      const broken = { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half_done (a); SELECT * FROM no_such_table;' };
      assert.throws(() => migrate(db, [...MIGRATIONS, broken], 0), /no such table/);
      assert.deepEqual(db.prepare('SELECT max(version) AS v FROM schema_migrations').get(), { v: MIGRATIONS.length });
      assert.deepEqual(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'half_done'").get(), { n: 0 });
    } finally {
      db.close();
    }
  });

  it('refuses a migration list with a gap', () => {
    const db = new Database(':memory:');
    try {
      assert.throws(() => migrate(db, [{ ...MIGRATIONS[0], version: 2 }], 0), /expected 1/);
    } finally {
      db.close();
    }
  });

  it('runs in WAL mode with full sync, foreign keys and a busy timeout', async () => {
    const store = await openStore({ path: freshPath() });
    try {
      assert.ok(store instanceof SqliteStore);
      assert.deepEqual(store.settings(), { journalMode: 'wal', synchronous: 2, foreignKeys: true, busyTimeoutMs: 5000 });
    } finally {
      await store.close();
    }
  });

  it('creates the data directory (mode 0700) with mailroom.db inside', async () => {
    const dataDir = join(root, 'data', 'nested');
    const store = await openStore({ dataDir });
    await store.close();
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.ok(statSync(join(dataDir, 'mailroom.db')).isFile());
  });

  it('keeps every acknowledged event and its deliveries across kill -9', { timeout: 120_000 }, async () => {
    const dataDir = join(root, 'killed');
    const fixture = fileURLToPath(new URL('./fixtures/ingest-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(child, 'exit');
    const acked: string[] = [];
    const lines = createInterface({ input: child.stdout! });
    // Ids the child printed before dying may still be in the pipe: wait until it is drained, not just for the exit.
    const drained = once(lines, 'close');
    lines.on('line', (id) => {
      acked.push(id);
      if (acked.length === 2000) child.kill('SIGKILL');
    });
    const [code, signal] = await exited;
    await drained;
    assert.equal(signal, 'SIGKILL', `the child must be killed mid-stream, not exit on its own (code ${code})`);
    assert.ok(acked.length >= 2000);

    const store = await openStore({ dataDir });
    try {
      const missing: string[] = [];
      for (const id of acked) {
        const event = await store.getEvent(id);
        const deliveries = await store.listDeliveries({ eventId: id, limit: 10 });
        if (!event || deliveries.length !== 2) missing.push(id);
      }
      assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged events lost`);
      // Whatever else made it to disk came whole: every stored event has both of its deliveries.
      assert.equal(await store.countDeliveries(), 2 * (await store.countEvents()));
    } finally {
      await store.close();
    }
  });
});
