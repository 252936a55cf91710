import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
const [kind, idkind] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const db = new Database(join(dir, 'x.db')); db.pragma('journal_mode=WAL'); db.pragma('synchronous=FULL'); db.pragma('foreign_keys=ON'); db.pragma('cache_size=-65536');
db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, bus TEXT NOT NULL, received_at INTEGER NOT NULL, payload BLOB NOT NULL, key_id TEXT) STRICT;
CREATE TABLE deliveries (id TEXT PRIMARY KEY, event_seq INTEGER NOT NULL REFERENCES events(seq), event_id TEXT NOT NULL, bus TEXT NOT NULL, rule_name TEXT NOT NULL, rule_arn TEXT NOT NULL, target_id TEXT NOT NULL, target_arn TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_owner TEXT, lease_until INTEGER, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_error TEXT) STRICT, WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries (status, due_at);
CREATE INDEX deliveries_by_event ON deliveries (event_seq);`);
if (kind === 'noid') db.exec('');
const ie = db.prepare('INSERT INTO events (id, bus, received_at, payload) VALUES (?, ?, ?, ?)');
const id2 = db.prepare(`INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, status, attempts, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`);
let c = 0;
const payload = Buffer.from('{"version":"0","id":"x","detail-type":"OrderPlaced","source":"shop.orders","account":"000000000000","time":"2026","region":"us-east-1","resources":[],"detail":{"orderId":"o-1","amount":4200}}');
const ids = Array.from({ length: 400000 }, (_, i) => idkind === 'v7' ? (1e12 + i).toString(16).padStart(12, '0') + '-7' + randomUUID().slice(14) : randomUUID());
let tIns = 0, tCommit = 0;
for (let r = 0; r < 100; r++) {
  const a = performance.now();
  db.exec('BEGIN');
  for (let i = 0; i < 2000; i++) { const id = ids[c]; const seq = ie.run(id, 'default', 1, payload).lastInsertRowid; id2.run(String(1e12 + c++), seq, id, 'default', 'orders', 'arn:aws:events:us-east-1:000000000000:rule/orders', 't0', 'arn:aws:sqs:us-east-1:000000000000:q0', 1, 1, 1); }
  const b = performance.now();
  db.exec('COMMIT');
  tIns += b - a; tCommit += performance.now() - b;
}
console.log(process.argv.slice(2).join(' '), 'insert us/event', (tIns / 200).toFixed(2), 'commit us/event', (tCommit / 200).toFixed(2));
