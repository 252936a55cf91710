/**
 * Small writes of the main connection that arrive in the same turn of the event loop share one transaction: under
 * load, the visibility changes of concurrent SQS requests commit together, so the pages they touch are written to
 * the WAL once, and the commit's writes and locking are paid once per group instead of per request. (SQS's sends,
 * receives and deletes are grouped the same way on the writer thread: queue-writes.ts.)
 *
 * Each write keeps its own outcome: one that throws (its own transaction, a savepoint once nested, rolls back)
 * fails alone. Only an error that ends the whole transaction (SQLite rolls back on some I/O errors) or a failed
 * commit fails every write of the group, none of which is then committed.
 */
import type Database from 'better-sqlite3';

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { value: unknown } | { error: unknown };

export class WriteBatch {
  readonly #commit: <R>(run: () => R) => Promise<R>;
  readonly #transaction: (writes: Pending[]) => Outcome[];
  #pending: Pending[] = [];
  #scheduled = false;
  /** Settles once every group handed to `commit` so far has (they commit in order). */
  #settled: Promise<void> = Promise.resolve();
  #closed = false;

  /**
   * `commit` runs the group's transaction when the connection may write (SqliteStore: between ingest commits,
   * without an fsync).
   */
  constructor(db: Database.Database, commit: <R>(run: () => R) => Promise<R>) {
    this.#commit = commit;
    const transaction = db.transaction((writes: Pending[]): Outcome[] =>
      writes.map(({ write }) => {
        try {
          return { value: write() };
        } catch (error) {
          if (!db.inTransaction) throw error;
          return { error };
        }
      }),
    );
    // IMMEDIATE: take the write lock up front, so no other process can commit between a write's read and its write.
    this.#transaction = (writes) => transaction.immediate(writes);
  }

  /** Runs `write` in the next group's transaction; resolves with its result once that has committed. */
  submit<R>(write: () => R): Promise<R> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      // setImmediate, not a microtask: every request handled in this turn of the event loop joins the group.
      setImmediate(() => this.#flush());
    });
  }

  /** Refuses new writes and resolves once those already submitted have committed (or failed). */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#pending.length > 0) this.#flush();
    return this.#settled;
  }

  #flush(): void {
    const group = this.#pending;
    this.#pending = [];
    // The setImmediate scheduled for this group may still come; it then finds nothing to do.
    this.#scheduled = false;
    if (group.length === 0) return;
    this.#settled = this.#commit(() => this.#transaction(group)).then(
      (outcomes) =>
        outcomes.forEach((outcome, i) => {
          if ('value' in outcome) group[i]!.resolve(outcome.value);
          else group[i]!.reject(outcome.error);
        }),
      (error: unknown) => {
        for (const w of group) w.reject(error);
      },
    );
  }
}
