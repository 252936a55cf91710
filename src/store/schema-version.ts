/**
 * What every backend's migration runner shares: migration lists are append-only and dense, and a database migrated
 * by a newer Mailroom is refused with the same error whatever the backend.
 */

/** One step of a backend's schema: applied once, in version order, and recorded in the backend's ledger. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly databaseVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `database schema version ${databaseVersion} is newer than this Mailroom (knows up to ${knownVersion}); upgrade Mailroom`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** Throws unless the migrations are numbered 1, 2, 3, ... in order: a gap or reordering means someone edited history. */
export function checkMigrationList(migrations: readonly { version: number; name: string }[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}
