/**
 * Migration 7 widens the deliveries' kind constraint to 'sns' in place (SQLite cannot alter a constraint):
 * afterwards 'sns' rows go in, unknown kinds are still refused, the edit is idempotent, keeps kinds other
 * migrations added, and the database passes SQLite's integrity check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { allowDeliveryKind } from '../../src/store/sqlite/delivery-kinds.js';

const root = mkdtempSync(join(tmpdir(), 'mailroom-kinds-'));
after(() => rmSync(root, { recursive: true, force: true }));

const insert = (db: Database.Database, id: string, kind: string) =>
  db.prepare(`INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, status, due_at, created_at, updated_at, kind)
              VALUES (?, 1, 'e', 'b', 'r', 'ra', 't', 'ta', 'pending', 0, 0, 0, ?)`).run(id, kind);

it('lets sns deliveries in, and no other new kind', async () => {
  const path = join(root, 'kinds.db');
  await (await openStore({ path })).close();
  const db = new Database(path);
  try {
    db.prepare("INSERT INTO events (seq, id, bus, received_at, payload) VALUES (1, 'e', 'b', 0, x'7b7d')").run();
    for (const kind of ['target', 'function', 'sns']) insert(db, kind, kind);
    assert.throws(() => insert(db, 'bad', 'carrier-pigeon'), /CHECK constraint failed/);

    // Idempotent, and kinds added by other migrations stay.
    db.transaction(() => {
      allowDeliveryKind(db, 'sns');
      allowDeliveryKind(db, 'redrive');
      allowDeliveryKind(db, 'redrive');
    }).immediate();
    const sql = db.prepare<[], string>("SELECT sql FROM sqlite_schema WHERE name = 'deliveries'").pluck().get()!;
    assert.match(sql, /CHECK \(kind IN \('target', 'function', 'sns', 'redrive'\)\)/);
    insert(db, 'redrive', 'redrive');
    assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  } finally {
    db.close();
  }
});
