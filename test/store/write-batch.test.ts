/**
 * WriteBatch on a real SQLite file: writes of one turn share one transaction, each keeps its own outcome, a failed
 * commit fails them all, and close() drains what was submitted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { WriteBatch } from '../../src/store/sqlite/write-batch.js';

describe('WriteBatch', () => {
  let dir: string;
  let db: Database.Database;
  let commits: number;
  let failCommit: Error | undefined;
  let batch: WriteBatch;
  const insert = (value: string) => db.prepare('INSERT INTO t (v) VALUES (?)').run(value).changes;
  const values = () => db.prepare<[], { v: string }>('SELECT v FROM t ORDER BY rowid').all().map((r) => r.v);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailroom-write-batch-'));
    db = openDatabase(join(dir, 'db.sqlite'));
    db.exec('CREATE TABLE t (v TEXT NOT NULL UNIQUE)');
    commits = 0;
    failCommit = undefined;
    batch = new WriteBatch(db, async (run) => {
      commits++;
      if (failCommit) throw failCommit;
      return run();
    });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the writes of one turn together, each with its own result, and later ones apart', async () => {
    const results = await Promise.all(['a', 'b', 'c'].map((v) => batch.submit(() => insert(v))));
    assert.deepEqual(results, [1, 1, 1]);
    assert.equal(commits, 1);
    await batch.submit(() => insert('d'));
    assert.equal(commits, 2);
    assert.deepEqual(values(), ['a', 'b', 'c', 'd']);
  });

  it('fails a write that throws on its own: its own transaction rolls back, the others commit', async () => {
    const both = db.transaction((first: string, second: string) => {
      insert(first);
      insert(second);
    });
    const results = await Promise.allSettled([
      batch.submit(() => insert('a')),
      // 'b' goes in, then the duplicate 'a' fails: the savepoint takes 'b' back out with it.
      batch.submit(() => both('b', 'a')),
      batch.submit(() => insert('c')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.equal(commits, 1);
    assert.deepEqual(values(), ['a', 'c']);
  });

  it('fails every write of a group whose commit fails, and keeps working', async () => {
    failCommit = new Error('disk on fire');
    const results = await Promise.allSettled(['a', 'b'].map((v) => batch.submit(() => insert(v))));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual(values(), []);
    failCommit = undefined;
    await batch.submit(() => insert('c'));
    assert.deepEqual(values(), ['c']);
  });

  it('close() commits what was submitted and refuses what comes after', async () => {
    const submitted = batch.submit(() => insert('a'));
    await batch.close();
    assert.deepEqual(values(), ['a']);
    assert.equal(await submitted, 1);
    await assert.rejects(batch.submit(() => insert('b')), /closed/);
  });
});
