/**
 * Group commit: `ingest` calls that arrive while a commit is being prepared share one transaction, so a single
 * fsync acknowledges many PutEvents requests. Backend-neutral: the SQLite store flushes synchronously, a
 * networked backend may return a promise; either way each caller learns its own outcome only after the commit.
 */

/** Per submitted item, in order: `undefined` when it was written, or the error that kept it out of the commit. */
export type FlushOutcomes = (Error | undefined)[];

/**
 * Writes the items in one transaction. Throwing (or rejecting) means nothing was committed, and every caller of
 * the group is rejected with that error.
 */
export type Flush<T> = (items: T[]) => FlushOutcomes | Promise<FlushOutcomes>;

interface Waiter<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T> {
  readonly #flush: Flush<T>;
  #queue: Waiter<T>[] = [];
  #scheduled = false;
  #running: Promise<void> | undefined;
  #commits = 0;
  #closed = false;

  constructor(flush: Flush<T>) {
    this.#flush = flush;
  }

  /** Number of successful commits so far. */
  get commits(): number {
    return this.#commits;
  }

  /** Queues `item` for the next commit; resolves once it is committed, rejects if it was not. */
  submit(item: T): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  /** Refuses new items and resolves once everything already queued has been committed (or rejected). */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#scheduled || this.#running) await (this.#running ?? new Promise<void>((r) => setImmediate(r)));
  }

  #schedule(): void {
    // While a commit is in flight, newcomers wait for the next one; `#run` reschedules when it ends.
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: every request whose I/O callback runs in this turn of the event loop
    // gets to join the group before it is written.
    setImmediate(() => {
      this.#scheduled = false;
      this.#running = this.#run().finally(() => {
        this.#running = undefined;
        if (this.#queue.length > 0) this.#schedule();
      });
    });
  }

  async #run(): Promise<void> {
    const group = this.#queue;
    this.#queue = [];
    let outcomes: FlushOutcomes;
    try {
      outcomes = await this.#flush(group.map((w) => w.item));
      this.#commits++;
    } catch (error) {
      for (const w of group) w.reject(error);
      return;
    }
    group.forEach((w, i) => {
      const error = outcomes[i];
      if (error) w.reject(error);
      else w.resolve();
    });
  }
}
