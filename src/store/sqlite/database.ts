/** Opens a SQLite file with the settings Mailroom's durability promise rests on. */
import Database from 'better-sqlite3';

export interface Settings {
  journalMode: string;
  /** 2 = FULL. */
  synchronous: number;
  foreignKeys: boolean;
  busyTimeoutMs: number;
}

const BUSY_TIMEOUT_MS = 5000;

export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  try {
    // WAL: readers never block the writer, and a commit is one sequential append plus one fsync.
    db.pragma('journal_mode = WAL');
    // FULL: with WAL, NORMAL may lose the last commits on power loss; an acknowledged event must not be lost.
    db.pragma('synchronous = FULL');
    // Another process (a CLI, a second server) may hold the write lock briefly; wait rather than fail.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    // 64 MiB of page cache (the default is 2 MiB): keeps the hot index pages of a busy ingest in memory.
    db.pragma('cache_size = -65536');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function readSettings(db: Database.Database): Settings {
  return {
    journalMode: db.pragma('journal_mode', { simple: true }) as string,
    synchronous: db.pragma('synchronous', { simple: true }) as number,
    foreignKeys: db.pragma('foreign_keys', { simple: true }) === 1,
    busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
  };
}
