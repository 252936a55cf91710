/**
 * Wake-ups for long polling. A ReceiveMessage that finds nothing waits here until a message is sent to its queue
 * in this process, until the next delayed or in-flight message becomes visible, or until its wait time is up —
 * whichever comes first; the last two are timers on the Clock, so --time-scale shortens them too.
 *
 * Each queue has a counter that every arrival bumps. A receiver reads it before looking at the store and passes
 * it to `wait`, so a message sent between the empty receive and the wait is not missed.
 */
import type { Clock } from '../clock.js';

export class Arrivals {
  readonly #versions = new Map<string, number>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #closed = false;

  constructor(private readonly clock: Clock) {}

  /** The queue's arrival counter, to pass to `wait`. */
  version(queue: string): number {
    return this.#versions.get(queue) ?? 0;
  }

  /** Records that messages arrived in `queue` and wakes its waiting receivers. */
  notify(queue: string): void {
    this.#versions.set(queue, this.version(queue) + 1);
    for (const wake of [...(this.#waiters.get(queue) ?? [])]) wake();
  }

  /**
   * Resolves after `ms` of clock time, or as soon as a message arrives in `queue` (at once if one arrived since
   * `seen` was read), or when the service closes.
   */
  wait(queue: string, ms: number, seen: number): Promise<void> {
    if (this.#closed || this.version(queue) !== seen) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(queue) ?? new Set();
      this.#waiters.set(queue, waiters);
      const wake = () => {
        timer.cancel();
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(queue);
        resolve();
      };
      const timer = this.clock.setTimer(ms, wake);
      waiters.add(wake);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ends every wait now and every later one at once, so a shutdown does not wait out 20-second polls. */
  close(): void {
    this.#closed = true;
    for (const queue of [...this.#waiters.keys()]) this.notify(queue);
  }

  /** Receivers currently waiting (for tests). */
  get waiting(): number {
    let n = 0;
    for (const set of this.#waiters.values()) n += set.size;
    return n;
  }
}
