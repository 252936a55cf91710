/**
 * The writer thread's delivery work (delivery-writes.ts) commits claims and settles without an fsync each
 * (synchronous=NORMAL) on the connection whose commits acknowledge ingested events: it must leave that connection
 * at synchronous=FULL afterwards, every time. (A prepared PRAGMA statement's run() may change nothing: SQLite
 * applies the pragma when the statement is compiled.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { DeliveryWrites } from '../../src/store/sqlite/delivery-writes.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const dir = tempDataDir('mailroom-delivery-writes-');
after(() => removeDir(dir));

it('leaves the ingest connection at synchronous=FULL after every run of delivery work', () => {
  const db = new Database(join(dir, 'm.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  migrate(db, MIGRATIONS, Date.now());
  const writes = new DeliveryWrites(db);
  for (let i = 0; i < 3; i++) {
    const reply = writes.run({ now: Date.now(), keys: [], usable: [], claims: [{ now: Date.now(), owner: 'o', leaseUntil: Date.now() + 1000, limit: 10, skipTargets: [] }] });
    assert.equal(reply.claims.length, 1);
    assert.equal(db.pragma('synchronous', { simple: true }), 2, `run ${i + 1}`);
  }
  db.close();
});
