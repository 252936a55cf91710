/**
 * prepareMessageInsert, the SQLite seam the delivery engine uses to append a dead letter inside its own
 * transaction: it inserts into an existing queue, answers false for a missing one, and rolls back with the
 * caller's transaction.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { SystemClock } from '../../src/clock.js';
import { openKeyring } from '../../src/keys/index.js';
import { openStore } from '../../src/store/index.js';
import { SqliteKeyStore } from '../../src/store/sqlite/key-store.js';
import { messageColumns } from '../../src/store/sealing.js';
import { prepareMessageInsert } from '../../src/store/sqlite/queue-messages.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';
import { message, queueRecord } from '../store/queue-contract.js';

it('appends a message inside the caller\'s transaction, and nothing to a missing queue', async () => {
  const dir = tempDataDir();
  const path = join(dir, 'm.db');
  try {
    const store = await openStore({ path });
    await store.createQueue(queueRecord('dlq'), {});
    await store.close();
    const db = new Database(path);
    // The store's keyring, unlocked on this raw connection with the root key the store generated beside it.
    const keyStore = new SqliteKeyStore(db, async (fn) => fn());
    const sealer = await openKeyring(keyStore, {}, join(dir, 'root.key'), new SystemClock(), { warn: () => undefined });
    const insert = prepareMessageInsert(db, (m) => messageColumns(sealer, m));
    const count = () => (db.prepare('SELECT count(*) AS n FROM queue_messages').get() as { n: number }).n;
    assert.equal(db.transaction(() => insert(message('dlq', 'm1')))(), true);
    assert.equal(db.transaction(() => insert(message('missing', 'm2')))(), false);
    assert.throws(() =>
      db.transaction(() => {
        insert(message('dlq', 'm3'));
        throw new Error('the outcome failed');
      })(),
    );
    assert.equal(count(), 1);
    db.close();
    const reopened = await openStore({ path });
    const [got] = await reopened.receiveMessages({ queue: 'dlq', now: Date.UTC(2026, 0, 1), max: 10, visibilityTimeoutMs: 0 });
    assert.equal(got?.messageId, 'm1');
    await reopened.close();
  } finally {
    removeDir(dir);
  }
});
