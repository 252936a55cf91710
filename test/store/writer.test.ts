/**
 * The SQLite writer thread, which commits ingest beside the event loop (src/store/sqlite/writer*.ts).
 * First the main thread's side against a scripted thread (fixtures/fake-writer.ts): per-caller outcomes and their
 * error codes, a group that was not committed, a thread that dies mid-group and is replaced. Then the real thread
 * inside a store: its settings, control-plane writes racing its commits, close with writes queued.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { WriterThread, WriterThreadError } from '../../src/store/sqlite/writer.js';
import { secretKey } from '../../src/keys/aead.js';
import type { WriterEntry } from '../../src/store/sqlite/writer-protocol.js';
import { bus, entry, rule, target } from './contract.js';

const FAKE = new URL('./fixtures/fake-writer.ts', import.meta.url);

const root = mkdtempSync(join(tmpdir(), 'mailroom-writer-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(root, `store-${++files}.db`);

/** An entry as the main thread hands it to the writer thread, with a data key to seal its payload there. */
const dataKey = { keyId: 'test-key', version: 1, key: secretKey(randomBytes(32)), head: Buffer.from('head'), createdAt: 0, seals: 0 };
function sealedEntry(id: string): WriterEntry {
  return { ...entry(id), dataKey };
}

/** Lets pending I/O callbacks (the writer thread's answers) run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SQLite writer thread (main side)', () => {
  it('answers each caller of a group, carrying the error code of a rejected one', async () => {
    const writer = new WriterThread('unused.db', FAKE);
    try {
      const outcomes = await writer.flush([[sealedEntry('a')], [sealedEntry('b'), sealedEntry('dup-1')], [sealedEntry('c')]], 0);
      assert.equal(outcomes.length, 3);
      assert.equal(outcomes[0], undefined);
      assert.equal(outcomes[2], undefined);
      assert.ok(outcomes[1] instanceof Error);
      assert.equal(outcomes[1].message, 'UNIQUE constraint failed: events.id');
      assert.equal((outcomes[1] as Error & { code?: string }).code, 'SQLITE_CONSTRAINT_UNIQUE');
    } finally {
      await writer.close();
    }
  });

  it('rejects a group that was not committed, and takes the next one', async () => {
    const writer = new WriterThread('unused.db', FAKE);
    try {
      await assert.rejects(writer.flush([[sealedEntry('a')], [sealedEntry('fail')]], 0), { name: 'SqliteError', code: 'SQLITE_IOERR' });
      assert.deepEqual(await writer.flush([[sealedEntry('b')]], 0), [undefined]);
    } finally {
      await writer.close();
    }
  });

  it('rejects the group in flight when the thread dies, and starts a new thread for the next', async () => {
    const writer = new WriterThread('unused.db', FAKE);
    try {
      assert.deepEqual(await writer.flush([[sealedEntry('a')]], 0), [undefined]);
      const lost = writer.flush([[sealedEntry('b')], [sealedEntry('crash')]], 0);
      await assert.rejects(lost, (error: unknown) => {
        assert.ok(error instanceof WriterThreadError);
        assert.match(error.message, /simulated writer crash/);
        assert.match(error.message, /may or may not be stored/);
        return true;
      });
      assert.deepEqual(await writer.flush([[sealedEntry('c')]], 0), [undefined]);
    } finally {
      await writer.close();
    }
  });

  it('refuses a second group while one is in flight', async () => {
    const writer = new WriterThread('unused.db', FAKE);
    try {
      const first = writer.flush([[sealedEntry('a')]], 0);
      await assert.rejects(writer.flush([[sealedEntry('b')]], 0), /already in flight/);
      await first;
    } finally {
      await writer.close();
    }
  });
});

describe('SQLite writer thread (in the store)', () => {
  it('fails a write with a clear error when the thread cannot open the database', async () => {
    const writer = new WriterThread(join(root, 'no-such-dir', 'x.db'));
    await assert.rejects(writer.flush([[sealedEntry('a')]], 0), (error: unknown) => {
      assert.ok(error instanceof WriterThreadError);
      assert.match(error.message, /directory does not exist/);
      return true;
    });
    await writer.close();
  });

  it('commits on a connection with the same durability settings as the main one', async () => {
    const store = await openStore({ path: freshPath() });
    try {
      assert.ok(store instanceof SqliteStore);
      assert.deepEqual(await store.writerSettings(), { journalMode: 'wal', synchronous: 2, foreignKeys: true, busyTimeoutMs: 5000 });
    } finally {
      await store.close();
    }
  });

  it('lets control-plane transactions run between concurrent ingest commits', async () => {
    const store = await openStore({ path: freshPath() }) as SqliteStore;
    try {
      await store.writerSettings(); // the thread is up, so the loop below overlaps its commits
      let stop = false;
      const callers = Array.from({ length: 20 }, async (_, c) => {
        let events = 0;
        while (!stop) {
          await store.ingest([entry(`c${c}-${events}`), entry(`c${c}-${events + 1}`, ['t1', 't2'])]);
          events += 2;
        }
        return events;
      });
      // Read-then-write transactions on the main connection while the writer thread keeps committing: neither side
      // may fail with SQLITE_BUSY, and ingest must not be starved (it was, when both sides just took turns on the
      // lock through busy_timeout).
      await store.createBus(bus('orders'));
      for (let i = 0; i < 150; i++) {
        await store.putRule(rule('orders', `r${i % 5}`));
        assert.equal(await store.putTargets('orders', `r${i % 5}`, [target('orders', `r${i % 5}`, `t${i}`)], 1000), 'ok');
        await store.tagResource(rule('orders', `r${i % 5}`).arn, { n: String(i) });
        if (i % 10 === 9) assert.deepEqual(await store.removeTargets('orders', `r${i % 5}`, [`t${i - 5}`]), []);
        await turn();
      }
      assert.equal(await store.deleteRule('orders', 'r0', true), 'deleted');
      assert.equal(await store.deleteBus('orders'), true);
      stop = true;
      const events = (await Promise.all(callers)).reduce((sum, n) => sum + n, 0);
      assert.ok(store.stats().commits > 10, 'the ingest callers kept committing throughout');
      assert.equal(await store.countEvents(), events);
      assert.equal(await store.countDeliveries(), (events / 2) * 3);
    } finally {
      await store.close();
    }
  });

  it('close commits a group in flight and the one accumulating behind it, then stops the thread', async () => {
    const path = freshPath();
    const store = await openStore({ path });
    await store.ingest([entry('first')]);
    const inFlight = Array.from({ length: 50 }, (_, i) => store.ingest([entry(`a${i}`)]));
    await turn();
    const accumulating = Array.from({ length: 50 }, (_, i) => store.ingest([entry(`b${i}`)]));
    await store.close();
    await Promise.all([...inFlight, ...accumulating]);
    await assert.rejects(store.ingest([entry('late')]), /closed/);
    const reopened = await openStore({ path });
    try {
      assert.equal(await reopened.countEvents(), 101);
    } finally {
      await reopened.close();
    }
  });
});
