/**
 * What the store folder offers: `openStore` picks a backend from where the data lives, and the `Store` interface
 * with its record types. Services depend on these only, never on a backend module.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock, type Clock } from '../clock.js';
import type { RootKeyLog, RootKeyOptions } from '../keys/index.js';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import { PostgresStore } from './postgres/postgres-store.js';

export type * from './records.js';
export type * from './store.js';
export type * from './topics.js';
export type * from './keys.js';

/**
 * Where the data lives: a data directory (the SQLite file `mailroom.db` inside it), or an explicit location —
 * a SQLite file path, or a `postgres://` (`postgresql://`) URL for the PostgreSQL backend.
 */
export type StoreLocation = { dataDir: string } | { path: string };

export type OpenStoreOptions = StoreLocation & {
  /** Stamps migrations and delivery creation times; defaults to the wall clock. */
  clock?: Clock;
  /** PostgreSQL only: connections in the pool (default 10). */
  poolSize?: number;
  /**
   * Where the root key that unlocks the store's keyring comes from (see src/keys/root-key.ts). Without one, the
   * file root.key beside the database is used, and generated (0600) if the store is new.
   */
  rootKey?: RootKeyOptions;
  /** Receives the root key's warnings (a key generated, a key file next to the data); silent by default. */
  logger?: RootKeyLog;
};

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Whether `location` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return POSTGRES_URL.test(location);
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const clock = options.clock ?? new SystemClock();
  const keys = { rootKey: options.rootKey, log: options.logger };
  if ('path' in options) {
    if (isPostgresUrl(options.path)) return PostgresStore.open(options.path, clock, { poolSize: options.poolSize, ...keys });
    return SqliteStore.open(options.path, clock, keys);
  }
  // 0700: the database holds event payloads and connection secrets (sealed, but their metadata is not).
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return SqliteStore.open(join(options.dataDir, 'mailroom.db'), clock, keys);
}
