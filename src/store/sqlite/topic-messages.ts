/**
 * Publishing to a topic at rest: the one place a topic message is written. The message becomes a row of the
 * outbox's payload table (`events`: id = MessageId, bus = the topic's ARN, payload = the stored message, which
 * the sealer seals with the other payloads), and each subscription it goes to one pending delivery of kind 'sns'
 * (rule = the topic, target = the subscription), all in one transaction on the main connection. That connection
 * runs synchronous=FULL for it, so Publish is answered only after the fsync. Publishes that arrive together share
 * the transaction (group commit, see SqliteTopicStore), each in a savepoint of its own.
 */
import type Database from 'better-sqlite3';
import { SNS_MANAGED_KEY } from '../../keys/key-refs.js';
import type { Sealer } from '../../keys/sealer.js';
import { sealText } from '../sealing.js';
import type { FlushOutcomes } from '../group-commit.js';
import type { IdGenerator } from '../ids.js';
import type { TopicMessage } from '../topics.js';

/** One Publish or PublishBatch call; `subscriptions` is filled in by the write (undefined: no such topic). */
export interface PendingPublish {
  topicArn: string;
  messages: TopicMessage[];
  dueAt: number;
  subscriptions?: number | undefined;
}

interface Target {
  arn: string;
  topic_name: string;
}

export class TopicMessages {
  readonly #insertMessage;
  readonly #insertDelivery;
  readonly #confirmed;
  readonly #one;
  readonly #publish;
  readonly #publishAll;
  readonly #sendOne;

  constructor(
    db: Database.Database,
    private readonly ids: IdGenerator,
    private readonly sealer: Sealer,
  ) {
    this.#insertMessage = db.prepare<[string, string, number, Buffer, string]>('INSERT INTO events (id, bus, received_at, payload, key_id) VALUES (?, ?, ?, ?, ?)');
    this.#insertDelivery = db.prepare<[string, number | bigint, string, string, string, string, string, string, number, number, number]>(
      `INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, status, attempts, due_at,
                               created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sns', 'pending', 0, ?, ?, ?)`,
    );
    this.#confirmed = db.prepare<[string], Target>(
      `SELECT s.arn, t.name AS topic_name FROM subscriptions s JOIN topics t ON t.arn = s.topic_arn
       WHERE s.topic_arn = ? AND s.pending_confirmation = 0 ORDER BY s.arn`,
    );
    this.#one = db.prepare<[string], Target>('SELECT s.arn, t.name AS topic_name FROM subscriptions s JOIN topics t ON t.arn = s.topic_arn WHERE s.arn = ?');
    const topicExists = db.prepare<[string], number>('SELECT 1 FROM topics WHERE arn = ?').pluck();
    this.#publish = db.transaction((topicArn: string, messages: TopicMessage[], dueAt: number, now: number): number | undefined => {
      if (topicExists.get(topicArn) === undefined) return undefined;
      const targets = this.#confirmed.all(topicArn);
      for (const m of messages) this.#write(m, targets, dueAt, now);
      return targets.length;
    });
    // Nested in #publishAll, each call is a savepoint: one that fails is rolled back alone, the others commit.
    this.#publishAll = db.transaction((calls: PendingPublish[], now: number): FlushOutcomes =>
      calls.map((call) => {
        try {
          call.subscriptions = this.#publish(call.topicArn, call.messages, call.dueAt, now);
          return undefined;
        } catch (error) {
          if (!db.inTransaction) throw error;
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
    this.#sendOne = db.transaction((subscriptionArn: string, message: TopicMessage, dueAt: number, now: number): boolean => {
      const target = this.#one.get(subscriptionArn);
      if (target) this.#write(message, [target], dueAt, now);
      return target !== undefined;
    });
  }

  /** Writes every call in one transaction; see FlushOutcomes. */
  publish(calls: PendingPublish[], now: number): FlushOutcomes {
    return this.#publishAll.immediate(calls, now);
  }

  sendToSubscription(subscriptionArn: string, message: TopicMessage, dueAt: number, now: number): boolean {
    return this.#sendOne.immediate(subscriptionArn, message, dueAt, now);
  }

  #write(m: TopicMessage, targets: Target[], dueAt: number, now: number): void {
    // Sealed under the topic's KmsMasterKeyId, or SNS's managed key: topic messages never reach disk in plaintext.
    const payload = sealText(this.sealer, m.keyRef ?? SNS_MANAGED_KEY, m.payload);
    const seq = this.#insertMessage.run(m.id, m.topicArn, m.receivedAt, payload.blob, payload.keyId).lastInsertRowid;
    for (const t of targets) {
      const subscriptionId = t.arn.slice(t.arn.lastIndexOf(':') + 1);
      this.#insertDelivery.run(this.ids.next(now), seq, m.id, m.topicArn, t.topic_name, m.topicArn, subscriptionId, t.arn, dueAt, now, now);
    }
  }
}
