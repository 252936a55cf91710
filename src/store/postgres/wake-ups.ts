/**
 * Wake-ups across processes with LISTEN/NOTIFY. Statements that record deliveries, send queue messages or log
 * configuration changes notify a channel in the same transaction (PostgreSQL delivers the notification at commit,
 * and only then); this module keeps one connection LISTENing and calls the subscribers of each channel.
 *
 * A notification is a latency hint, never the truth: one sent while the listening connection is down is lost, so
 * whoever subscribes also polls. The connection opens on the first subscription and reopens after a failure.
 */
import pg from 'pg';
import type { Clock, TimerHandle } from '../../clock.js';
import type { WakeChannel } from '../store.js';

/** The PostgreSQL channel of each wake-up; `queues` carries the queue's name as its payload. */
export const WAKE_CHANNELS: Record<WakeChannel, string> = { deliveries: 'mailroom_deliveries', queues: 'mailroom_queues', config: 'mailroom_config' };

const RECONNECT_MS = 1_000;

export class WakeUps {
  readonly #subscribers = new Map<WakeChannel, Set<(detail: string) => void>>();
  #client: pg.Client | undefined;
  #reconnect: TimerHandle | undefined;
  #connecting: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly url: string,
    private readonly clock: Clock,
  ) {}

  /** Calls `fn` on every notification of `channel` from now on; returns the unsubscribe function. */
  subscribe(channel: WakeChannel, fn: (detail: string) => void): () => void {
    const set = this.#subscribers.get(channel) ?? new Set();
    this.#subscribers.set(channel, set);
    set.add(fn);
    if (!this.#client && !this.#reconnect) this.#listen();
    return () => set.delete(fn);
  }

  /** Resolves once the listening connection is up (for tests: a notification sent after this is not missed). */
  async ready(): Promise<void> {
    await this.#connecting;
  }

  #listen(): void {
    if (this.#closed) return;
    const client = new pg.Client({ connectionString: this.url, application_name: 'mailroom-listen' });
    this.#client = client;
    const byName = new Map(Object.entries(WAKE_CHANNELS).map(([channel, name]) => [name, channel as WakeChannel]));
    client.on('notification', (n) => {
      const channel = byName.get(n.channel);
      for (const fn of channel ? [...(this.#subscribers.get(channel) ?? [])] : []) fn(n.payload ?? '');
    });
    const failed = () => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.end().catch(() => {});
      if (!this.#closed) this.#reconnect = this.clock.setTimer(RECONNECT_MS, () => {
        this.#reconnect = undefined;
        this.#listen();
      });
    };
    client.on('error', failed);
    client.on('end', failed);
    this.#connecting = client
      .connect()
      .then(() => client.query(Object.values(WAKE_CHANNELS).map((name) => `LISTEN ${name};`).join(' ')))
      .then(() => undefined, failed);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#reconnect?.cancel();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
