import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { migrate } from '../src/store/sqlite/migrate.js';
const [sync, cache, ckpt, mem] = process.argv.slice(2);
const dir = mem === 'shm' ? mkdtempSync('/dev/shm/probe-') : mkdtempSync(join(tmpdir(), 'probe-'));
const db = new Database(join(dir, 'x.db')); db.pragma('journal_mode=WAL'); db.pragma('synchronous=' + sync); db.pragma('foreign_keys=ON'); db.pragma('cache_size=' + cache); db.pragma('wal_autocheckpoint=' + ckpt);
migrate(db, MIGRATIONS, Date.now());
const ie = db.prepare('INSERT INTO events (id, bus, received_at, payload) VALUES (?, ?, ?, ?)');
const id2 = db.prepare(`INSERT INTO deliveries (id, event_id, bus, rule_name, rule_arn, target_id, target_arn, status, attempts, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`);
let c = 0;
const payload = Buffer.from('{"version":"0","id":"x","detail-type":"OrderPlaced","source":"shop.orders","account":"000000000000","time":"2026","region":"us-east-1","resources":[],"detail":{"orderId":"o-1","amount":4200}}');
const ids = Array.from({ length: 400000 }, () => randomUUID());
let tIns = 0, tCommit = 0;
for (let r = 0; r < 100; r++) {
  const a = performance.now();
  db.exec('BEGIN');
  for (let i = 0; i < 2000; i++) { const id = ids[c]; ie.run(id, 'default', 1, payload); id2.run(String(1e12 + c++), id, 'default', 'orders', 'arn:aws:events:us-east-1:000000000000:rule/orders', 't0', 'arn:aws:sqs:us-east-1:000000000000:q0', 1, 1, 1); }
  const b = performance.now();
  db.exec('COMMIT');
  tIns += b - a; tCommit += performance.now() - b;
}
console.log(process.argv.slice(2).join(' '), 'insert us/event', (tIns / 200).toFixed(2), 'commit us/event', (tCommit / 200).toFixed(2));
