/**
 * Durability for writes of the main connection without a disk flush on the event loop: the write commits with
 * synchronous=NORMAL (its WAL frames reach the OS, not the disk), then `sync()` fdatasyncs the WAL file, as SQLite
 * itself would, on libuv's thread pool, and resolves once a flush that began after the call has finished.
 * Concurrent callers share one flush: group commit for SQS sends, each too small to pay for a flush of its own.
 *
 * Why this is as durable as synchronous=FULL: a WAL commit is on disk once its frames are, SQLite has written every
 * frame before the commit returns, and flushing any descriptor of the file flushes all of its written pages. A
 * checkpoint that copies frames into the database syncs the database file before the WAL is reused (also with
 * synchronous=NORMAL), so frames it overwrites later were already durable. The WAL file keeps its inode while a
 * connection is open; this descriptor is closed after the store's connections (closing a descriptor drops the
 * process's POSIX locks on that file, and SQLite locks the database and -shm files, not this one).
 */
import { open, type FileHandle } from 'node:fs/promises';

export class WalSync {
  readonly #path: string;
  readonly #fsync: (file: FileHandle) => Promise<void>;
  #file: Promise<FileHandle> | undefined;
  /** The fsync in flight, if any. */
  #running: Promise<void> | undefined;
  /** The fsync that will start when the running one ends, shared by everyone who asked meanwhile. */
  #next: Promise<void> | undefined;

  /** `walPath` is the database file's path + "-wal"; `fsync` is replaceable for tests. */
  constructor(walPath: string, fsync: (file: FileHandle) => Promise<void> = (file) => file.datasync()) {
    this.#path = walPath;
    this.#fsync = fsync;
  }

  /** Resolves once everything committed to the WAL before this call is on disk. */
  sync(): Promise<void> {
    if (!this.#running) return this.#start();
    // The running fsync may have started before the caller's commit: wait for the next one.
    this.#next ??= this.#running.then(
      () => this.#startNext(),
      () => this.#startNext(),
    );
    return this.#next;
  }

  /** Closes the descriptor; call after the database connections are closed. */
  async close(): Promise<void> {
    await Promise.allSettled([this.#running, this.#next]);
    const file = this.#file;
    this.#file = undefined;
    // One whose open failed has nothing to close.
    if (file) await file.then((f) => f.close(), () => undefined);
  }

  #startNext(): Promise<void> {
    this.#next = undefined;
    return this.#start();
  }

  #start(): Promise<void> {
    // Opened on the first sync, which follows a commit, so the WAL file exists by then.
    const file = (this.#file ??= open(this.#path, 'r+'));
    // A failed open is retried by the next sync rather than remembered.
    file.catch(() => {
      if (this.#file === file) this.#file = undefined;
    });
    const run = file.then((f) => this.#fsync(f)).finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }
}
