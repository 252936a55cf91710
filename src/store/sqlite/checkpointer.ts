/**
 * WAL checkpoints off the event loop. SQLite checkpoints inside the commit that takes the WAL past
 * `wal_autocheckpoint` pages (1000 by default), on whichever connection made it: for the main connection, whose
 * SQS receives, sends and deletes commit on the event loop, that meant copying ~4 MB of pages into the database
 * file and two fsyncs (WAL, then database) every ~1,700 messages, with every request waiting. Measured on the SQS
 * statements alone, turning it off cut the wall time of an insert, a claim and a delete by a third to a half
 * (docs/benchmarks.md).
 *
 * So a thread of its own, with its own connection, runs a PASSIVE checkpoint (it never waits for, nor blocks,
 * readers and writers) every CHECKPOINT_INTERVAL_MS, and while it runs the main connection's own threshold is
 * raised to MAIN_SAFETY_NET_PAGES: it still checkpoints if the thread falls behind, and should the thread die it
 * goes back to SQLite's default for good (no new thread: what stopped one would likely stop the next). The writer
 * thread's connection, where SQS's messages and the delivery engine's claims now commit, follows the same threshold
 * (autocheckpointPages): it otherwise copied pages and synced the database file inside its commits. Durability
 * is unchanged: a checkpoint syncs the WAL before copying it and the database file before the WAL can be reused,
 * whichever connection runs it (see wal-sync.ts).
 *
 * The thread is a few lines of plain JavaScript (`eval`), loading better-sqlite3 by its resolved path: it starts in
 * milliseconds and needs no TypeScript loader, so tests that open many stores do not pay for one.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

export const CHECKPOINT_INTERVAL_MS = 100;
/** The main connection's threshold while the thread runs (~40 MB of WAL). */
export const MAIN_SAFETY_NET_PAGES = 10_000;
const SQLITE_DEFAULT_PAGES = 1000;

const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
// The pragma reports the frames checkpointed so far in the current WAL; a smaller figure means it restarted.
let done = 0;
const timer = setInterval(() => {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  if (!result) return;
  if (result.checkpointed < done) done = 0;
  if (result.checkpointed > done) parentPort.postMessage({ checkpointed: result.checkpointed - done });
  done = result.checkpointed;
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

const DRIVER = createRequire(import.meta.url).resolve('better-sqlite3');

export class Checkpointer {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #onCheckpoint: ((frames: number) => void) | undefined;
  #worker: Worker | undefined;
  /** Set once the thread has been started: it runs at most once. */
  #started = false;
  /** Set while the thread runs, from its first word. */
  #ready = false;

  /** `db` is the main connection to the file at `path`; `onCheckpoint` hears of each checkpoint that copied frames. */
  constructor(db: Database.Database, path: string, onCheckpoint?: (frames: number) => void) {
    this.#db = db;
    this.#path = path;
    this.#onCheckpoint = onCheckpoint;
  }

  /** Starts the thread the first time (cheap to call before every write). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { driver: DRIVER, path: this.#path, intervalMs: CHECKPOINT_INTERVAL_MS } });
    this.#worker = worker;
    // It never keeps the process alive; close() stops it.
    worker.unref();
    worker.on('message', (message: 'ready' | { checkpointed: number }) => {
      if (message === 'ready') {
        this.#ready = true;
        this.#db.pragma(`wal_autocheckpoint = ${MAIN_SAFETY_NET_PAGES}`);
      }
      else this.#onCheckpoint?.(message.checkpointed);
    });
    // An error (a failed open, an I/O error) ends the thread; the main connection checkpoints for itself again.
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      this.#worker = undefined;
      this.#ready = false;
      if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    });
  }

  /**
   * The `wal_autocheckpoint` a connection that writes in earnest should use now: the safety net while the thread
   * checkpoints, else SQLite's default (the writer thread's connection follows it: see WriterWork).
   */
  get autocheckpointPages(): number {
    return this.#ready ? MAIN_SAFETY_NET_PAGES : SQLITE_DEFAULT_PAGES;
  }

  /** Stops the thread (before the main connection closes, so that one checkpoints last); resolves once it has. */
  async close(): Promise<void> {
    this.#started = true;
    const worker = this.#worker;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage('close');
    await exited;
  }
}
