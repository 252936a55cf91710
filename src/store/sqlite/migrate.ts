/**
 * Applies the pending migrations of migrations.ts in order, in one write transaction, recording each in the
 * `schema_migrations` ledger; refuses a database migrated by a newer Mailroom.
 */
import type Database from 'better-sqlite3';
import type { Migration } from './migrations.js';
import { checkMigrationList, SchemaTooNewError } from '../schema-version.js';

export { SchemaTooNewError };

/** Brings the schema up to date; returns the versions it applied (none when already current). */
export function migrate(db: Database.Database, migrations: readonly Migration[], now: number): number[] {
  checkMigrationList(migrations);
  const known = migrations.length;
  const run = db.transaction((): number[] => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
    const current = (db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
    if (current > known) throw new SchemaTooNewError(current, known);
    const insert = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      // The ledger row goes first: a concurrent migrator that got here too fails on the primary key instead of
      // applying the same DDL twice.
      insert.run(m.version, m.name, now);
      db.exec(m.sql);
      m.code?.(db);
      applied.push(m.version);
    }
    return applied;
  });
  // IMMEDIATE takes the write lock before reading the version, so two processes opening a fresh file serialise.
  return run.immediate();
}
