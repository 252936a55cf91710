/**
 * Checkpointer: its thread copies the main connection's WAL into the database file while the main connection's
 * own threshold is raised, the threshold goes back to SQLite's default once the thread stops, and a store's queue
 * writes start it (and its close stops it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Checkpointer, CHECKPOINT_INTERVAL_MS, MAIN_SAFETY_NET_PAGES } from '../../src/store/sqlite/checkpointer.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { openStore } from '../../src/store/index.js';

/** Waits for `condition`, checking a few times per checkpoint interval, for 10 s at most. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    assert.ok(Date.now() < deadline, 'no checkpoint within 10 s');
    await delay(CHECKPOINT_INTERVAL_MS / 4);
  }
}

describe('Checkpointer', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-checkpointer-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('checkpoints the WAL from its own thread, with the main threshold raised meanwhile', async () => {
    const path = join(dir, 'x.db');
    const db = openDatabase(path);
    db.exec('CREATE TABLE t (v BLOB)');
    const autocheckpoint = () => db.pragma('wal_autocheckpoint', { simple: true });
    assert.equal(autocheckpoint(), 1000);
    let frames = 0;
    const checkpointer = new Checkpointer(db, path, (n) => (frames += n));
    checkpointer.start();
    const sizeBefore = statSync(path).size;
    const insert = db.prepare('INSERT INTO t VALUES (randomblob(4000))');
    db.transaction(() => {
      for (let i = 0; i < 50; i++) insert.run();
    })();
    // Nothing on the main connection checkpoints: 50 pages are far below either threshold. (The thread does not
    // keep the process alive, hence a timer while waiting for it.)
    await until(() => frames > 0);
    assert.ok(frames >= 50, `copied ${frames} frames`);
    assert.equal(autocheckpoint(), MAIN_SAFETY_NET_PAGES, 'raised once the thread runs');
    assert.ok(statSync(path).size >= sizeBefore + 50 * 4096, 'the pages are in the database file');
    await checkpointer.close();
    assert.equal(autocheckpoint(), 1000, 'back to the default once it stops');
    checkpointer.start();
    assert.equal(autocheckpoint(), 1000, 'never started again');
    db.close();
  });

  it("is started by a store's queue write, and copies what the store wrote", async () => {
    const path = join(dir, 's.db');
    const store = await openStore({ path });
    // Opening migrated the schema into the WAL, far below the main connection's threshold: the file stays small.
    const sizeAtOpen = statSync(path).size;
    const now = Date.now();
    await store.createQueue({ name: 'q', arn: 'arn:aws:sqs:us-east-1:000000000000:q', attributes: { SqsManagedSseEnabled: 'false' }, createdAt: now, lastModifiedAt: now }, {});
    assert.equal(statSync(path).size, sizeAtOpen);
    await store.receiveMessages({ queue: 'q', now, max: 1, visibilityTimeoutMs: 1000 });
    // The thread's first checkpoint, within its interval, copies the schema and the queue into the file.
    await until(() => statSync(path).size > sizeAtOpen);
    await store.close();
  });
});
