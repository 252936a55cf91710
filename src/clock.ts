/**
 * The one source of time in Mailroom. Every delay, timeout, age and lease reads a Clock, so the server's
 * `--time-scale N` and the tests' ManualClock reach every component; nothing else calls Date.now() or setTimeout.
 */

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch, in this clock's (possibly scaled) time. */
  now(): number;
  /** Runs `fn` once after `ms` of this clock's time. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason if aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wall-clock time. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/**
 * Time that runs `scale` times faster than the wall clock, starting from the real time at construction (or at
 * `origin`, wall-clock ms), so timestamps stay plausible (an event's `time` is near today) while a 24-hour retry
 * schedule plays in minutes. Processes sharing a database must share the origin too, or each one's time would run
 * from its own start and their leases and visibility timeouts would disagree.
 */
export class ScaledClock implements Clock {
  readonly #originReal: number;
  constructor(
    readonly scale: number,
    origin = Date.now(),
  ) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`time scale must be a positive number, got ${scale}`);
    this.#originReal = origin;
  }
  now(): number {
    return Math.floor(this.#originReal + (Date.now() - this.#originReal) * this.scale);
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms / this.scale));
    return { cancel: () => clearTimeout(t) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
}

/** A clock that moves only when a test advances it; due timers fire in time order during `advance`. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.#now = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.#now;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return { cancel: () => this.#timers.delete(id) };
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }
  /** Number of timers waiting to fire (lets tests check that nothing leaks). */
  get pendingTimers(): number {
    return this.#timers.size;
  }
  /** Moves time forward by `ms`, firing each timer that falls due, earliest first, at its own time. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }
}
