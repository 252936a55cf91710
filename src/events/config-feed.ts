/**
 * This process's reader of the configuration change log (store/config-changes.ts): it keeps what the process holds
 * in memory — each bus's routing table, the delivery engine's lookups — in step with changes made through any
 * process sharing the store.
 *
 * - Where it starts: at the newest change when it starts, before anything is loaded, so whatever is loaded later
 *   reads the state after every change before that, and every change after it comes through here.
 * - When it looks: at once on a wake-up (PostgreSQL's NOTIFY, a latency hint that can be lost) and every `pollMs`
 *   of the clock's time in any case (the truth). So a change committed anywhere reaches this process within
 *   `pollMs` plus one read, and usually within milliseconds.
 * - Listeners get every change with whether this store instance made it (a process applies its own changes as it
 *   makes them), and `reset` when changes were pruned before this process read them: it must forget everything.
 * - Pruning: each process deletes, once a minute, the changes older than `retentionMs`; a process that falls that
 *   far behind (suspended, cut off) resets instead of missing something.
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import type { ConfigChange, ConfigChangeStore } from '../store/config-changes.js';
import type { Store } from '../store/store.js';

export interface ConfigListener {
  /** A committed change; `own` when this process made it. Resolves once the listener has applied it. */
  changed(change: ConfigChange, own: boolean): void | Promise<void>;
  /** Changes were missed: forget what was kept, so it is read again when needed. */
  reset(): void;
}

export interface ConfigFeedOptions {
  store: ConfigChangeStore & Pick<Store, 'onWake'>;
  clock: Clock;
  logger: Logger;
  /** How often (clock time) to read the log when no wake-up came; default 1 s. */
  pollMs?: number;
  /** How long (clock time) changes are kept in the log; default an hour. */
  retentionMs?: number;
}

export const DEFAULT_CONFIG_POLL_MS = 1_000;
const DEFAULT_RETENTION_MS = 3_600_000;
const PRUNE_EVERY_MS = 60_000;
const PAGE = 500;

export class ConfigFeed {
  readonly #o: Required<ConfigFeedOptions>;
  readonly #listeners = new Set<ConfigListener>();
  #cursor = 0;
  /** Every change up to here has been applied by the listeners. */
  #appliedThrough = 0;
  readonly #waiters: { seq: number; resolve: () => void }[] = [];
  #timer: TimerHandle | undefined;
  #unsubscribe: (() => void) | undefined;
  /** The read in progress (never rejects), and the one queued behind it that later callers join. */
  #running: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;
  /** The timer's look and prune in progress, if any. */
  #ticking: Promise<void> | undefined;
  #prunedAt = -Infinity;
  #stopped = false;

  constructor(options: ConfigFeedOptions) {
    this.#o = { pollMs: DEFAULT_CONFIG_POLL_MS, retentionMs: DEFAULT_RETENTION_MS, ...options };
  }

  subscribe(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Takes the current position, then starts looking; call before anything that the listeners keep is loaded. */
  async start(): Promise<void> {
    this.#cursor = await this.#o.store.latestConfigChange();
    this.#appliedThrough = this.#cursor;
    this.#unsubscribe = this.#o.store.onWake?.('config', () => void this.poll());
    this.#arm();
  }

  /**
   * Reads the changes committed since the last look and hands them to the listeners; resolves once they have
   * applied them. A call made while a read is under way is served by the next read, which starts after it, so
   * every change committed before the call is seen.
   */
  poll(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (!this.#queued) {
      const queued = this.#running.then(() => {
        this.#queued = undefined;
        return this.#readAll();
      });
      this.#queued = queued;
      this.#running = queued;
    }
    return this.#queued;
  }

  /**
   * Resolves once every change up to position `seq` has been applied here, however it arrived (for tests and
   * diagnostics: it does not look by itself). Also resolves when the feed stops.
   */
  applied(seq: number): Promise<void> {
    if (this.#appliedThrough >= seq || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#unsubscribe?.();
    await Promise.all([this.#running, this.#ticking]);
    for (const w of this.#waiters.splice(0)) w.resolve();
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#timer = this.#o.clock.setTimer(this.#o.pollMs, () => {
      this.#ticking = Promise.all([this.poll(), this.#prune()]).then(() => {
        this.#ticking = undefined;
        this.#arm();
      });
    });
  }

  async #readAll(): Promise<void> {
    try {
      for (;;) {
        const { changes, missed } = await this.#o.store.readConfigChanges(this.#cursor, PAGE);
        if (missed) {
          this.#o.logger.warn({ after: this.#cursor }, 'configuration changes were pruned before this process read them; reloading');
          this.#cursor = await this.#o.store.latestConfigChange();
          for (const listener of this.#listeners) listener.reset();
          return this.#reached(this.#cursor);
        }
        await this.#apply(changes);
        this.#reached(this.#cursor);
        if (changes.length < PAGE) return;
      }
    } catch (err) {
      // Tried again at the next look; the position stays where it was.
      this.#o.logger.warn({ err }, 'reading configuration changes failed');
    }
  }

  #reached(seq: number): void {
    this.#appliedThrough = seq;
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      if (this.#waiters[i]!.seq <= seq) this.#waiters.splice(i, 1)[0]!.resolve();
    }
  }

  /** In log order per listener; a listener's failure is its own (it forgets what it could not refresh). */
  async #apply(changes: ConfigChange[]): Promise<void> {
    const applied: Promise<void>[] = [];
    for (const change of changes) {
      const own = change.origin === this.#o.store.instanceId;
      // Called now, in log order; a listener that throws fails like one that rejects.
      for (const listener of this.#listeners) applied.push((async () => listener.changed(change, own))());
      this.#cursor = change.seq;
    }
    const failures = (await Promise.allSettled(applied)).filter((r) => r.status === 'rejected');
    for (const f of failures) this.#o.logger.warn({ err: f.reason }, 'applying a configuration change failed');
  }

  async #prune(): Promise<void> {
    const now = this.#o.clock.now();
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    try {
      await this.#o.store.pruneConfigChanges(now - this.#o.retentionMs);
    } catch (err) {
      this.#o.logger.warn({ err }, 'pruning configuration changes failed');
    }
  }
}
