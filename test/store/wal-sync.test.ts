/**
 * WalSync: callers share fsyncs, but never one that began before they asked; a failed fsync fails its callers
 * only; and it syncs a real WAL file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { WalSync } from '../../src/store/sqlite/wal-sync.js';

/** A WalSync whose fsyncs wait until the test finishes them, one by one. */
function scripted(walPath: string) {
  const running: { finish: (error?: Error) => void }[] = [];
  let started = 0;
  const sync = new WalSync(walPath, () => {
    started++;
    return new Promise<void>((resolve, reject) => running.push({ finish: (error) => (error ? reject(error) : resolve()) }));
  });
  /** Lets the oldest fsync still running end, and the promises waiting on it settle. */
  const finish = async (error?: Error) => {
    await until(() => running.length > 0);
    running.shift()!.finish(error);
    await new Promise((r) => setImmediate(r));
  };
  return { sync, finish, started: () => started };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

describe('WalSync', () => {
  let dir: string;
  let walPath: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-wal-sync-'));
    // The scripted fsyncs only need a file to open; the last test uses a real WAL.
    walPath = join(dir, 'file');
    writeFileSync(walPath, 'frames');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes callers that come during an fsync wait for the next one, which they all share', async () => {
    const { sync, finish, started } = scripted(walPath);
    const settled: string[] = [];
    const first = sync.sync().then(() => settled.push('first'));
    await until(() => started() === 1);
    const later = [1, 2, 3].map((i) => sync.sync().then(() => settled.push(`later ${i}`)));
    await finish();
    await first;
    // The first fsync may have begun before the later callers' writes: it does not answer them.
    assert.deepEqual(settled, ['first']);
    await finish();
    await Promise.all(later);
    assert.deepEqual(settled, ['first', 'later 1', 'later 2', 'later 3']);
    assert.equal(started(), 2);
    await sync.close();
  });

  it('fails the callers of a failed fsync only', async () => {
    const { sync, finish } = scripted(walPath);
    const failed = assert.rejects(sync.sync(), /EIO/);
    await finish(new Error('EIO'));
    await failed;
    const next = sync.sync();
    await finish();
    await next;
    await sync.close();
  });

  it('syncs a real WAL file', async () => {
    const db = openDatabase(join(dir, 'real.sqlite'));
    try {
      db.pragma('synchronous = NORMAL');
      db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')");
      const sync = new WalSync(join(dir, 'real.sqlite-wal'));
      await Promise.all([sync.sync(), sync.sync()]);
      await sync.close();
    } finally {
      db.close();
    }
  });
});
