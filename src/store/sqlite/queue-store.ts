/**
 * The SQLite QueueStore: the async face of the queue and message statement modules, which SqliteStore delegates
 * to. The hot message calls (send, receive, delete) run on the writer thread (queue-writes.ts), everything else on
 * the main connection (better-sqlite3 is synchronous); how each is committed is SqliteStore's to decide
 * (QueueCommits), since it owns the connections, their lock and their durability settings.
 */
import type Database from 'better-sqlite3';
import type { Sealer } from '../../keys/sealer.js';
import type { Page, PageRequest } from '../records.js';
import type { HandleResult, NewQueueMessage, QueueCounts, QueueGauges, QueueRecord, QueueStore, ReceivedMessage, ReceiveRequest } from '../queues.js';
import { messageColumns } from '../sealing.js';
import { QueueMessages } from './queue-messages.js';
import { Queues } from './queues.js';

/** How long a queue read is reused; see getQueue. */
const QUEUE_CACHE_MS = 1000;

/** How queue writes are committed. */
export interface QueueCommits {
  /** Control plane (queues, attributes, tags, purge): durable before it resolves, like every control-plane write. */
  control<R>(write: () => R): Promise<R>;
  /** A visibility change, the expiry sweep: losing it to a power cut only repeats a delivery. */
  relaxed<R>(write: () => R): Promise<R>;
  /** The hot calls, on the writer thread. A send is durable before it resolves (concurrent sends share the disk flush). */
  send(messages: NewQueueMessage[]): Promise<boolean>;
  receive(request: ReceiveRequest): Promise<ReceivedMessage[]>;
  delete(queue: string, receiptHandles: string[]): Promise<HandleResult[]>;
}

export class SqliteQueueStore implements QueueStore {
  readonly #queues: Queues;
  readonly #messages: QueueMessages;
  readonly #writes: QueueCommits;
  readonly #now: () => number;
  readonly #cache = new Map<string, { queue: QueueRecord; until: number }>();

  /** `now` is the store's clock, for the queue cache. */
  constructor(db: Database.Database, sealer: Sealer, writes: QueueCommits, now: () => number) {
    this.#queues = new Queues(db);
    this.#messages = new QueueMessages(db, { columns: (m) => messageColumns(sealer, m), open: (blob) => sealer.open(blob) });
    this.#writes = writes;
    this.#now = now;
  }

  createQueue(queue: QueueRecord, tags: Record<string, string>): Promise<boolean> {
    return this.#control(queue.name, () => this.#queues.create(queue, tags));
  }

  /**
   * Every SQS call starts by reading its queue, so a queue read is reused for a second, and forgotten at once when
   * this store changes the queue. A second process sharing the file may change or delete a queue meanwhile; this
   * one then sees the change up to a second late (SQS's own attribute changes take up to 60 s to propagate), while
   * its message writes still go to the database, which refuses them for a queue that is gone.
   */
  async getQueue(name: string): Promise<QueueRecord | undefined> {
    const now = this.#now();
    const cached = this.#cache.get(name);
    // A copy each time: callers may treat the record as theirs.
    if (cached && now < cached.until) return { ...cached.queue, attributes: { ...cached.queue.attributes } };
    const queue = this.#queues.get(name);
    if (queue) this.#cache.set(name, { queue: { ...queue, attributes: { ...queue.attributes } }, until: now + QUEUE_CACHE_MS });
    else this.#cache.delete(name);
    return queue;
  }
  async listQueues(page: PageRequest): Promise<Page<QueueRecord>> {
    return this.#queues.list(page);
  }
  setQueueAttributes(name: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    return this.#control(name, () => this.#queues.setAttributes(name, attributes, lastModifiedAt));
  }
  deleteQueue(name: string): Promise<boolean> {
    return this.#control(name, () => this.#queues.delete(name));
  }
  async deadLetterSourceQueues(deadLetterArn: string, page: PageRequest): Promise<Page<string>> {
    return this.#queues.deadLetterSources(deadLetterArn, page);
  }

  sendMessages(messages: NewQueueMessage[]): Promise<boolean> {
    return this.#writes.send(messages);
  }
  receiveMessages(request: ReceiveRequest): Promise<ReceivedMessage[]> {
    return this.#writes.receive(request);
  }
  async nextVisibleAt(queue: string, now: number): Promise<number | undefined> {
    return this.#messages.nextVisibleAt(queue, now);
  }
  deleteMessages(queue: string, receiptHandles: string[]): Promise<HandleResult[]> {
    return this.#writes.delete(queue, receiptHandles);
  }
  changeMessageVisibility(queue: string, receiptHandle: string, visibleAt: number): Promise<HandleResult> {
    return this.#writes.relaxed(() => this.#messages.changeVisibility(queue, receiptHandle, visibleAt));
  }
  purgeQueue(queue: string, now: number): Promise<boolean> {
    return this.#control(queue, () => this.#messages.purge(queue, now));
  }
  async queueCounts(queue: string, now: number): Promise<QueueCounts> {
    return this.#messages.counts(queue, now);
  }
  async queueGauges(now: number): Promise<QueueGauges[]> {
    return this.#messages.gauges(now);
  }
  deleteExpiredMessages(now: number): Promise<number> {
    return this.#writes.relaxed(() => this.#messages.deleteExpired(now));
  }

  tagQueue(queue: string, tags: Record<string, string>): Promise<boolean> {
    return this.#writes.control(() => this.#queues.tag(queue, tags));
  }
  untagQueue(queue: string, keys: string[]): Promise<boolean> {
    return this.#writes.control(() => this.#queues.untag(queue, keys));
  }
  async listQueueTags(queue: string): Promise<Record<string, string>> {
    return this.#queues.tags(queue);
  }

  /** A control-plane write that changes the queue record: its cached copy is forgotten before and after. */
  async #control<R>(queue: string, write: () => R): Promise<R> {
    this.#cache.delete(queue);
    try {
      return await this.#writes.control(write);
    } finally {
      this.#cache.delete(queue);
    }
  }
}
