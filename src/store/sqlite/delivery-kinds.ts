/**
 * Adding a delivery kind to an existing database. The deliveries table's `kind` column was added (migration 2) with
 * `CHECK (kind IN ('target', 'function'))`, and SQLite cannot alter a constraint; rebuilding the table would copy
 * the whole outbox. A CHECK that only lets more values through changes nothing on disk, so SQLite's documented
 * procedure for such changes applies (https://www.sqlite.org/lang_altertable.html, "otheralter"): edit the table's
 * SQL in sqlite_schema and bump the schema version, inside the migration's transaction. The edit finds the kind
 * list wherever the column sits, so kinds added by other migrations are kept.
 */
import type Database from 'better-sqlite3';

const KIND_CHECK = /CHECK \(kind IN \(([^)]*)\)\)/;

export function allowDeliveryKind(db: Database.Database, kind: string): void {
  if (!/^[a-z-]+$/.test(kind)) throw new Error(`delivery kind must be lower-case letters and hyphens: ${kind}`);
  const sql = db.prepare<[], string>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'deliveries'").pluck().get();
  const list = sql === undefined ? undefined : KIND_CHECK.exec(sql);
  if (!sql || !list) throw new Error('the deliveries table has no kind constraint to widen');
  const kinds = list[1]!.split(',').map((k) => k.trim());
  if (kinds.includes(`'${kind}'`)) return;
  const widened = sql.replace(KIND_CHECK, `CHECK (kind IN (${[...kinds, `'${kind}'`].join(', ')}))`);
  const version = db.pragma('schema_version', { simple: true }) as number;
  // better-sqlite3 opens connections in SQLite's defensive mode, which forbids writing sqlite_schema.
  db.unsafeMode(true);
  try {
    db.pragma('writable_schema = ON');
    db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'deliveries'").run(widened);
    // A new schema version makes every connection (this one too) reload the schema, constraint included.
    db.pragma(`schema_version = ${version + 1}`);
    db.pragma('writable_schema = OFF');
  } finally {
    db.unsafeMode(false);
  }
}
