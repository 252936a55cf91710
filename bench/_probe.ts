import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { SystemClock } from '../src/clock.js';
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const s = SqliteStore.open(join(dir, 'x.db'), new SystemClock());
const mk = (n: number) => Array.from({ length: n }, (_, i) => { const id = randomUUID(); return { event: { id, bus: 'default', receivedAt: Date.now(), payload: `{"version":"0","id":"${id}","detail-type":"OrderPlaced","source":"shop.orders","account":"000000000000","time":"2026","region":"us-east-1","resources":[],"detail":{"orderId":"o-${i}","amount":4200}}` }, deliveries: [{ ruleName: 'orders', ruleArn: 'arn:r', targetId: 't0', targetArn: 'arn:q', dueAt: Date.now() }] }; });
for (let round = 0; round < 5; round++) {
  const groups = Array.from({ length: 200 }, () => mk(10));
  const t = performance.now();
  await Promise.all(groups.map((g) => s.ingest(g)));
  console.log('2000 events', (performance.now() - t).toFixed(1), 'ms');
}
// raw fsync cost
const db = new Database(join(dir, 'y.db')); db.pragma('journal_mode=WAL'); db.pragma('synchronous=FULL');
db.exec('create table t(x)'); const ins = db.prepare('insert into t values (?)');
let t = performance.now(); for (let i = 0; i < 50; i++) ins.run(i); console.log('50 autocommits', (performance.now() - t).toFixed(1), 'ms');
