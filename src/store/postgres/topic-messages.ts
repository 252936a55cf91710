/**
 * Publishing to a topic on PostgreSQL: the one place a topic message is written. As on SQLite
 * (src/store/sqlite/topic-messages.ts), the message becomes a row of the outbox's payload table (`events`: id =
 * MessageId, bus = the topic's ARN, payload = the stored message, sealed under the topic's KmsMasterKeyId or SNS's
 * managed key), and each subscription it goes to one pending delivery of kind 'sns' (rule = the topic, target = the
 * subscription).
 *
 * Two statements: the topic's confirmed subscriptions are read, then the messages and their deliveries are written
 * in one statement (autocommit: one commit, durable before Publish is answered) that writes nothing if the topic is
 * gone by then. A subscription confirmed or removed between the two is as if it had changed just after the publish.
 * The write notifies every process's dispatcher at its commit.
 */
import type pg from 'pg';
import { SNS_MANAGED_KEY } from '../../keys/key-refs.js';
import type { Sealer } from '../../keys/sealer.js';
import type { IdGenerator } from '../ids.js';
import { sealText } from '../sealing.js';
import type { TopicMessage } from '../topics.js';
import { columns } from './database.js';
import { WAKE_CHANNELS } from './wake-ups.js';

const PUBLISH = {
  name: 'mailroom-publish',
  text: `
WITH topic AS (SELECT 1 FROM topics WHERE arn = $1 FOR SHARE),
ev AS (
  INSERT INTO events (id, bus, received_at, payload, key_id)
  SELECT m.id, $1, m.received_at, m.payload, m.key_id
  FROM unnest($2::text[], $3::bigint[], $4::bytea[], $5::text[]) AS m (id, received_at, payload, key_id)
  WHERE EXISTS (SELECT 1 FROM topic)
  RETURNING seq, id
), dl AS (
  INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, status, attempts, due_at, created_at, updated_at)
  SELECT d.id, ev.seq, d.event_id, $1, $6, $1, d.target_id, d.target_arn, 'sns', 'pending', 0, $7, $8, $8
  FROM unnest($9::text[], $10::text[], $11::text[], $12::text[]) AS d (id, event_id, target_id, target_arn)
  JOIN ev ON ev.id = d.event_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM ev)::int AS written,
       (SELECT pg_notify('${WAKE_CHANNELS.deliveries}', '') FROM (SELECT 1 FROM dl LIMIT 1) AS recorded) AS woke`,
};

/** Where a message goes: the topic (by name, as the deliveries' rule) and the subscriptions it is delivered to. */
interface Audience {
  topicArn: string;
  topicName: string;
  subscriptionArns: string[];
}

export class TopicMessages {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ids: IdGenerator,
    private readonly sealer: Sealer,
  ) {}

  async publish(topicArn: string, messages: TopicMessage[], dueAt: number, now: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ name: string; subscription: string | null }>(
      `SELECT t.name, s.arn AS subscription FROM topics t LEFT JOIN subscriptions s ON s.topic_arn = t.arn AND NOT s.pending_confirmation
       WHERE t.arn = $1 ORDER BY s.arn`,
      [topicArn],
    );
    if (rows.length === 0) return undefined;
    const subscriptionArns = rows.flatMap((r) => (r.subscription === null ? [] : [r.subscription]));
    const written = await this.#write({ topicArn, topicName: rows[0]!.name, subscriptionArns }, messages, dueAt, now);
    return written ? subscriptionArns.length : undefined;
  }

  async sendToSubscription(subscriptionArn: string, message: TopicMessage, dueAt: number, now: number): Promise<boolean> {
    const { rows } = await this.pool.query<{ topic_arn: string; name: string }>(
      'SELECT s.topic_arn, t.name FROM subscriptions s JOIN topics t ON t.arn = s.topic_arn WHERE s.arn = $1',
      [subscriptionArn],
    );
    const target = rows[0];
    return target !== undefined && this.#write({ topicArn: target.topic_arn, topicName: target.name, subscriptionArns: [subscriptionArn] }, [message], dueAt, now);
  }

  /** False when the topic was gone: nothing was written. */
  async #write(audience: Audience, messages: TopicMessage[], dueAt: number, now: number): Promise<boolean> {
    // Sealed under the topic's KmsMasterKeyId, or SNS's managed key: topic messages never reach the database in plaintext.
    const sealed = messages.map((m) => ({ m, s: sealText(this.sealer, m.keyRef ?? SNS_MANAGED_KEY, m.payload) }));
    const deliveries = messages.flatMap((m) =>
      audience.subscriptionArns.map((arn) => ({ id: this.ids.next(now), eventId: m.id, subscriptionId: arn.slice(arn.lastIndexOf(':') + 1), arn })),
    );
    const { rows } = await this.pool.query<{ written: number }>({
      ...PUBLISH,
      values: [
        audience.topicArn,
        ...columns(sealed, [(x) => x.m.id, (x) => x.m.receivedAt, (x) => x.s.blob, (x) => x.s.keyId]),
        audience.topicName,
        dueAt,
        now,
        ...columns(deliveries, [(d) => d.id, (d) => d.eventId, (d) => d.subscriptionId, (d) => d.arn]),
      ],
    });
    return rows[0]!.written > 0 || messages.length === 0;
  }
}
