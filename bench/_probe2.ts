import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { migrate } from '../src/store/sqlite/migrate.js';
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const db = new Database(join(dir, 'x.db')); db.pragma('journal_mode=WAL'); db.pragma('synchronous=FULL'); db.pragma('foreign_keys=' + (process.argv[2] ?? 'ON'));
migrate(db, MIGRATIONS, Date.now());
const ie = db.prepare('INSERT INTO events (id, bus, received_at, payload) VALUES (?, ?, ?, ?)');
const id2 = db.prepare(`INSERT INTO deliveries (id, event_id, bus, rule_name, rule_arn, target_id, target_arn, status, attempts, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`);
let c = 0;
const payload = Buffer.from('{"version":"0","id":"x","detail-type":"OrderPlaced","source":"shop.orders","account":"000000000000","time":"2026","region":"us-east-1","resources":[],"detail":{"orderId":"o-1","amount":4200}}');
const tx = db.transaction((n: number) => { for (let i = 0; i < n; i++) { const id = randomUUID(); ie.run(id, 'default', 1, payload); id2.run(String(1e12 + c++), id, 'default', 'orders', 'arn:r', 't0', 'arn:q', 1, 1, 1); } });
for (let r = 0; r < 8; r++) { const t = performance.now(); tx(2000); console.log((performance.now() - t).toFixed(1)); }
const only = db.transaction((n: number) => { for (let i = 0; i < n; i++) { ie.run(randomUUID(), 'default', 1, payload); } });
for (let r = 0; r < 3; r++) { const t = performance.now(); only(2000); console.log('events only', (performance.now() - t).toFixed(1)); }
