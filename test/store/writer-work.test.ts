/**
 * The writer thread's work besides ingest (writer-work.ts: the delivery engine's claims and settles, SQS's sends,
 * receives and deletes). It commits without an fsync each (synchronous=NORMAL) on the connection whose commits
 * acknowledge ingested events: it must leave that connection at synchronous=FULL afterwards, every time. (A
 * prepared PRAGMA statement's run() may change nothing: SQLite applies the pragma when the statement is compiled.)
 * It seals and opens only with data keys the main thread handed it, for KMS key versions the main thread says are
 * usable; otherwise it undoes the call and says so.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { migrate } from '../../src/store/sqlite/migrate.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { randomBytes } from 'node:crypto';
import { SEALED_RECORD, WRAPPED_DATA_KEY_BYTES, writePrefix } from '../../src/keys/blob.js';
import { packSends, unpackReceived, type PackedMessages } from '../../src/store/sqlite/queue-protocol.js';
import type { ThreadReply, ThreadWork } from '../../src/store/sqlite/writer-protocol.js';
import { WriterWork } from '../../src/store/sqlite/writer-work.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const dir = tempDataDir('mailroom-writer-work-');

/** Every answer the work got, its parts merged. */
function runAll(work: WriterWork, threadWork: ThreadWork): ThreadReply {
  const merged: ThreadReply = {};
  work.run(threadWork, (reply) => {
    if (reply.deliveries) merged.deliveries = reply.deliveries;
    if (reply.queues) merged.queues = { ...merged.queues, ...reply.queues };
  });
  return merged;
}
after(() => removeDir(dir));

it('leaves the ingest connection at synchronous=FULL after every run of work', () => {
  const db = new Database(join(dir, 'm.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  migrate(db, MIGRATIONS, Date.now());
  const work = new WriterWork(db);
  for (let i = 0; i < 3; i++) {
    const now = Date.now();
    const reply = runAll(work, {
      now,
      keys: [],
      usable: [],
      autocheckpointPages: 1000,
      deliveries: { claims: [{ now, owner: 'o', leaseUntil: now + 1000, limit: 10, skipTargets: [] }] },
      queues: { sends: packSends([]), receives: [{ queue: 'q', now, max: 10, visibilityTimeoutMs: 1000 }], deletes: [] },
    });
    assert.equal(reply.deliveries?.claims.length, 1);
    assert.deepEqual(reply.queues, { receives: [{ strings: [], numbers: [] }], deletes: [] });
    assert.equal(db.pragma('synchronous', { simple: true }), 2, `run ${i + 1}`);
  }
  db.close();
});

it('answers need-key, writing and claiming nothing, for a data key the thread was not given or may not use', () => {
  const db = new Database(join(dir, 'k.db'));
  db.pragma('journal_mode = WAL');
  migrate(db, MIGRATIONS, Date.now());
  db.prepare(`INSERT INTO queues (name, arn, attributes, created_at, last_modified_at) VALUES ('q', 'arn:q', '{"MessageRetentionPeriod":"345600"}', 0, 0)`).run();
  const work = new WriterWork(db);
  const head = Buffer.concat([writePrefix(SEALED_RECORD, 'k1', 1), randomBytes(WRAPPED_DATA_KEY_BYTES)]).toString('latin1');
  const now = Date.now();
  const message = { queue: 'q', messageId: 'm1', body: 'secret', attributes: {}, md5OfBody: '0cc175b9c0f1b6a831c399e269772661', sentAt: now, visibleAt: now, expiresAt: now + 60_000 };
  const send = (keys: { head: string; key: Uint8Array }[], usable: string[]) =>
    runAll(work, { now, keys, usable, autocheckpointPages: 1000, queues: { sends: packSends([{ messages: [message], keys: [{ head, keyId: 'k1' }] }]), receives: [], deletes: [] } }).queues;
  const count = () => db.prepare('SELECT count(*) FROM queue_messages').pluck().get();

  assert.deepEqual(send([], ['k1/1']), { sends: ['need-key'] }, 'a data key it was not given');
  assert.equal(count(), 0);
  // Given, but its KMS key version is not usable now (disabled since the main thread picked it).
  assert.deepEqual(send([{ head, key: new Uint8Array(randomBytes(32)) }], []), { sends: ['need-key'] });
  assert.equal(count(), 0);
  assert.deepEqual(send([], ['k1/1']), { sends: [true] });
  assert.equal(count(), 1);
  assert.ok(!db.prepare('SELECT body FROM queue_messages').pluck().get()!.toString().includes('secret'), 'sealed on the thread');

  // Its key version is not among the usable ones (as when the KMS key is disabled): the receive is undone.
  const receive = (usable: string[]) => runAll(work, { now, keys: [], usable, autocheckpointPages: 1000, queues: { sends: packSends([]), receives: [{ queue: 'q', now, max: 10, visibilityTimeoutMs: 30_000 }], deletes: [] } }).queues!;
  const refused = receive([]).receives![0]!;
  assert.ok('needKey' in refused && Buffer.from(refused.needKey).toString('latin1').startsWith(head));
  assert.equal(db.prepare('SELECT receive_count FROM queue_messages').pluck().get(), 0, 'not claimed');
  const [got] = unpackReceived(receive(['k1/1']).receives![0] as PackedMessages);
  assert.deepEqual([got?.body, got?.receiveCount], ['secret', 1]);
  db.close();
});

it('leaves checkpoints to the Checkpointer thread while the work says it runs', () => {
  const db = new Database(join(dir, 'c.db'));
  db.pragma('journal_mode = WAL');
  migrate(db, MIGRATIONS, Date.now());
  const work = new WriterWork(db);
  const run = (autocheckpointPages: number) => runAll(work, { now: Date.now(), keys: [], usable: [], autocheckpointPages });
  run(10_000);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 10_000);
  run(1000);
  assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  db.close();
});
