/**
 * The SQLite QueueStore: the async face of the queue and message statement modules, which SqliteStore delegates
 * to. Everything runs on the main connection (better-sqlite3 is synchronous), so the methods just wrap results.
 */
import type Database from 'better-sqlite3';
import type { Sealer } from '../../keys/sealer.js';
import type { Page, PageRequest } from '../records.js';
import type { HandleResult, NewQueueMessage, QueueCounts, QueueGauges, QueueRecord, QueueStore, ReceivedMessage, ReceiveRequest } from '../queues.js';
import { QueueMessages } from './queue-messages.js';
import { Queues } from './queues.js';

export class SqliteQueueStore implements QueueStore {
  readonly #queues: Queues;
  readonly #messages: QueueMessages;

  constructor(db: Database.Database, sealer: Sealer) {
    this.#queues = new Queues(db);
    this.#messages = new QueueMessages(db, sealer);
  }

  async createQueue(queue: QueueRecord, tags: Record<string, string>): Promise<boolean> {
    return this.#queues.create(queue, tags);
  }
  async getQueue(name: string): Promise<QueueRecord | undefined> {
    return this.#queues.get(name);
  }
  async listQueues(page: PageRequest): Promise<Page<QueueRecord>> {
    return this.#queues.list(page);
  }
  async setQueueAttributes(name: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    return this.#queues.setAttributes(name, attributes, lastModifiedAt);
  }
  async deleteQueue(name: string): Promise<boolean> {
    return this.#queues.delete(name);
  }
  async deadLetterSourceQueues(deadLetterArn: string, page: PageRequest): Promise<Page<string>> {
    return this.#queues.deadLetterSources(deadLetterArn, page);
  }

  async sendMessages(messages: NewQueueMessage[]): Promise<boolean> {
    return this.#messages.send(messages);
  }
  async receiveMessages(request: ReceiveRequest): Promise<ReceivedMessage[]> {
    return this.#messages.receive(request);
  }
  async nextVisibleAt(queue: string, now: number): Promise<number | undefined> {
    return this.#messages.nextVisibleAt(queue, now);
  }
  async deleteMessage(queue: string, receiptHandle: string): Promise<HandleResult> {
    return this.#messages.delete(queue, receiptHandle);
  }
  async changeMessageVisibility(queue: string, receiptHandle: string, visibleAt: number): Promise<HandleResult> {
    return this.#messages.changeVisibility(queue, receiptHandle, visibleAt);
  }
  async purgeQueue(queue: string, now: number): Promise<boolean> {
    return this.#messages.purge(queue, now);
  }
  async queueCounts(queue: string, now: number): Promise<QueueCounts> {
    return this.#messages.counts(queue, now);
  }
  async queueGauges(now: number): Promise<QueueGauges[]> {
    return this.#messages.gauges(now);
  }
  async deleteExpiredMessages(now: number): Promise<number> {
    return this.#messages.deleteExpired(now);
  }

  async tagQueue(queue: string, tags: Record<string, string>): Promise<boolean> {
    return this.#queues.tag(queue, tags);
  }
  async untagQueue(queue: string, keys: string[]): Promise<boolean> {
    return this.#queues.untag(queue, keys);
  }
  async listQueueTags(queue: string): Promise<Record<string, string>> {
    return this.#queues.tags(queue);
  }
}
