/**
 * Applies the pending PostgreSQL migrations in order, in one transaction, recording each in the `schema_migrations`
 * ledger; refuses a database migrated by a newer Mailroom. Several processes starting at once against an empty
 * database queue on an advisory lock: the first migrates, the others then find nothing left to do.
 */
import type pg from 'pg';
import { checkMigrationList, SchemaTooNewError, type Migration } from '../schema-version.js';
import { transaction } from './database.js';

/** The advisory lock migrations hold: "mailroom" as a 64-bit integer, unlikely to clash with an application's. */
const MIGRATION_LOCK = '7881696737372368749';

/** Brings the schema up to date; returns the versions it applied (none when already current). */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[], now: number): Promise<number[]> {
  checkMigrationList(migrations);
  const known = migrations.length;
  return transaction(pool, async (client) => {
    // Transaction-scoped: released by the commit (or rollback), so a crash mid-migration cannot leave it held.
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )`);
    const current = (await client.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')).rows[0]!.v;
    if (current > known) throw new SchemaTooNewError(current, known);
    const applied: number[] = [];
    for (const m of migrations.slice(current)) {
      // The ledger row goes first: the default bus takes its creation time from it.
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, now]);
      // No parameters: sent as a simple query, which may hold several statements.
      await client.query(m.sql);
      applied.push(m.version);
    }
    return applied;
  });
}
