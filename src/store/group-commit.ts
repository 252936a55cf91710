/**
 * Group commit: `ingest` calls that arrive while a commit is being prepared share one transaction, so a single
 * fsync acknowledges many PutEvents requests. At most one commit is in flight; calls arriving meanwhile form the
 * next group, which starts as soon as it ends (a pipeline of one committing group and one accumulating).
 * Backend-neutral: a flush may be synchronous or return a promise (the SQLite writer thread, a networked backend);
 * either way each caller learns its own outcome only after the commit.
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
  /** Work waiting for the commit in flight to end (see `between`). */
  #between: (() => void)[] = [];
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

  /**
   * Runs `fn` while no commit is in flight: at once if none is, otherwise as soon as the current one ends and
   * before the next one begins, so it waits for at most one commit however busy ingest is. For a backend whose
   * other writes would contend with a commit for the same lock (see SqliteStore).
   */
  between<R>(fn: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const run = () => {
        try {
          resolve(fn());
        } catch (error) {
          reject(error);
        }
      };
      if (this.#running) this.#between.push(run);
      else run();
    });
  }

  /** Refuses new items and resolves once everything already queued has been committed (or rejected). */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#scheduled || this.#running) await (this.#running ?? new Promise<void>((r) => setImmediate(r)));
  }

  #schedule(): void {
    // While a commit is in flight, newcomers wait for the next one, which `#start` begins when it ends.
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: every request whose I/O callback runs in this turn of the event loop
    // gets to join the group before it is written.
    setImmediate(() => {
      this.#scheduled = false;
      this.#start();
    });
  }

  #start(): void {
    const group = this.#queue;
    this.#queue = [];
    // `.then` runs after this assignment even when the flush is synchronous, so `#running` is never left stale.
    this.#running = this.#flushGroup(group.map((w) => w.item)).then((outcome) => {
      // The next group accumulated while this one was committed: hand it to the backend before acknowledging this
      // one, so an asynchronous backend (the SQLite writer thread) does not sit idle while the callers resume.
      this.#running = undefined;
      for (const run of this.#between.splice(0)) run();
      if (this.#queue.length > 0) this.#start();
      group.forEach((w, i) => {
        if ('failed' in outcome) w.reject(outcome.failed);
        else if (outcome.outcomes[i]) w.reject(outcome.outcomes[i]);
        else w.resolve();
      });
    });
  }

  async #flushGroup(items: T[]): Promise<{ outcomes: FlushOutcomes } | { failed: unknown }> {
    try {
      const outcomes = await this.#flush(items);
      this.#commits++;
      return { outcomes };
    } catch (error) {
      return { failed: error };
    }
  }
}

/**
 * Group commit for calls that each carry several items and want one result per item back (the delivery engine's
 * settlements): calls made at the same time share one flush of all their items, and each caller receives the
 * results of its own items, in order.
 */
export class GroupedCalls<T, R> {
  readonly #group: GroupCommit<{ items: T[]; results?: R[] }>;

  /** `flush` returns one result per item, in order; throwing rejects every caller of the group. */
  constructor(flush: (items: T[]) => Promise<R[]>) {
    this.#group = new GroupCommit(async (calls) => {
      const results = await flush(calls.flatMap((c) => c.items));
      let i = 0;
      for (const c of calls) c.results = results.slice(i, (i += c.items.length));
      return calls.map(() => undefined);
    });
  }

  async call(items: T[]): Promise<R[]> {
    const call: { items: T[]; results?: R[] } = { items };
    await this.#group.submit(call);
    return call.results!;
  }

  close(): Promise<void> {
    return this.#group.close();
  }
}
