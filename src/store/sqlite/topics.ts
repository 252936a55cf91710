/**
 * SNS topics and subscriptions at rest, and the message-signing key. Attributes are one JSON object of strings
 * per row; a topic's tags live in the shared `tags` table (by ARN) and go with it, as its subscriptions do
 * (ON DELETE CASCADE). Messages are written by topic-messages.ts.
 */
import type Database from 'better-sqlite3';
import type { Sealer } from '../../keys/sealer.js';
import { MAILROOM_DATA_KEY, openText, sealText } from '../sealing.js';
import type { Page, PageRequest } from '../records.js';
import type { SigningKeyRecord, SubscriptionChanges, SubscriptionRecord, TopicCounts, TopicRecord } from '../topics.js';
import { toPage } from '../paging.js';
import { pageParams, pageWhere, setOptional, type PageParams } from './rows.js';

interface TopicRow {
  arn: string;
  name: string;
  attributes: string;
  created_at: number;
  last_modified_at: number;
}

interface SubscriptionRow {
  arn: string;
  topic_arn: string;
  protocol: string;
  endpoint: string;
  attributes: string;
  pending_confirmation: number;
  confirmation_was_authenticated: number;
  token: string | null;
  token_expires_at: number | null;
  created_at: number;
}

function toTopic(row: TopicRow): TopicRecord {
  return { arn: row.arn, name: row.name, attributes: JSON.parse(row.attributes) as Record<string, string>, createdAt: row.created_at, lastModifiedAt: row.last_modified_at };
}

function toSubscription(row: SubscriptionRow): SubscriptionRecord {
  const subscription: SubscriptionRecord = {
    arn: row.arn,
    topicArn: row.topic_arn,
    protocol: row.protocol,
    endpoint: row.endpoint,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    pendingConfirmation: row.pending_confirmation === 1,
    confirmationWasAuthenticated: row.confirmation_was_authenticated === 1,
    createdAt: row.created_at,
  };
  setOptional(subscription, 'token', row.token);
  setOptional(subscription, 'tokenExpiresAt', row.token_expires_at);
  return subscription;
}

export class Topics {
  readonly #insertTopic;
  readonly #tag;
  readonly #createTopic;
  readonly #getTopic;
  readonly #listTopics;
  readonly #setAttributes;
  readonly #deleteTopic;
  readonly #deleteTags;
  readonly #counts;
  readonly #insertSubscription;
  readonly #sameEndpoint;
  readonly #createSubscription;
  readonly #getSubscription;
  readonly #byToken;
  readonly #listSubscriptions;
  readonly #updateSubscription;
  readonly #deleteSubscription;
  readonly #countDeleted;
  readonly #getKey;
  readonly #insertKey;

  constructor(
    db: Database.Database,
    private readonly sealer: Sealer,
  ) {
    this.#insertTopic = db.prepare(
      `INSERT INTO topics (arn, name, attributes, created_at, last_modified_at)
       VALUES (@arn, @name, @attributes, @createdAt, @lastModifiedAt) ON CONFLICT (arn) DO NOTHING`,
    );
    this.#tag = db.prepare<[string, string, string]>(
      'INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value',
    );
    this.#createTopic = db.transaction((topic: TopicRecord, tags: Record<string, string>): boolean => {
      const created = this.#insertTopic.run({ ...topic, attributes: JSON.stringify(topic.attributes) }).changes > 0;
      if (created) for (const [key, value] of Object.entries(tags)) this.#tag.run(topic.arn, key, value);
      return created;
    });
    this.#getTopic = db.prepare<[string], TopicRow>('SELECT arn, name, attributes, created_at, last_modified_at FROM topics WHERE arn = ?');
    this.#listTopics = db.prepare<PageParams, TopicRow>(
      `SELECT arn, name, attributes, created_at, last_modified_at FROM topics WHERE ${pageWhere('arn')} ORDER BY arn LIMIT @limit`,
    );
    this.#setAttributes = db.prepare<[string, number, string]>('UPDATE topics SET attributes = ?, last_modified_at = ? WHERE arn = ?');
    this.#deleteTopic = db.prepare<[string]>('DELETE FROM topics WHERE arn = ?');
    this.#deleteTags = db.prepare<[string]>('DELETE FROM tags WHERE arn = ?');
    this.#counts = db.prepare<[string], { confirmed: number; pending: number; deleted: number }>(
      `SELECT coalesce(sum(s.pending_confirmation = 0), 0) AS confirmed, coalesce(sum(s.pending_confirmation = 1), 0) AS pending,
              t.subscriptions_deleted AS deleted
       FROM topics t LEFT JOIN subscriptions s ON s.topic_arn = t.arn WHERE t.arn = ? GROUP BY t.arn`,
    );
    this.#insertSubscription = db.prepare(
      `INSERT INTO subscriptions (arn, topic_arn, protocol, endpoint, attributes, pending_confirmation, confirmation_was_authenticated,
                                  token, token_expires_at, created_at)
       VALUES (@arn, @topicArn, @protocol, @endpoint, @attributes, @pending, @authenticated, @token, @tokenExpiresAt, @createdAt)`,
    );
    this.#sameEndpoint = db.prepare<[string, string, string], SubscriptionRow>('SELECT * FROM subscriptions WHERE topic_arn = ? AND protocol = ? AND endpoint = ?');
    this.#createSubscription = db.transaction((s: SubscriptionRecord): { created: boolean; subscription: SubscriptionRecord } | undefined => {
      if (!this.#getTopic.get(s.topicArn)) return undefined;
      const existing = this.#sameEndpoint.get(s.topicArn, s.protocol, s.endpoint);
      if (existing) return { created: false, subscription: toSubscription(existing) };
      this.#insertSubscription.run({
        ...s,
        attributes: JSON.stringify(s.attributes),
        pending: s.pendingConfirmation ? 1 : 0,
        authenticated: s.confirmationWasAuthenticated ? 1 : 0,
        token: s.token ?? null,
        tokenExpiresAt: s.tokenExpiresAt ?? null,
      });
      return { created: true, subscription: s };
    });
    this.#getSubscription = db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE arn = ?');
    this.#byToken = db.prepare<[string], SubscriptionRow>('SELECT * FROM subscriptions WHERE token = ?');
    this.#listSubscriptions = db.prepare<PageParams, SubscriptionRow>(`SELECT * FROM subscriptions WHERE ${pageWhere('arn')} ORDER BY arn LIMIT @limit`);
    // Only the given fields change: coalesce keeps the others.
    this.#updateSubscription = db.prepare(
      `UPDATE subscriptions SET attributes = coalesce(@attributes, attributes), pending_confirmation = coalesce(@pending, pending_confirmation),
         confirmation_was_authenticated = coalesce(@authenticated, confirmation_was_authenticated), token = coalesce(@token, token),
         token_expires_at = coalesce(@tokenExpiresAt, token_expires_at)
       WHERE arn = @arn`,
    );
    this.#deleteSubscription = db.prepare<[string], { topic_arn: string }>('DELETE FROM subscriptions WHERE arn = ? RETURNING topic_arn');
    this.#countDeleted = db.prepare<[string]>('UPDATE topics SET subscriptions_deleted = subscriptions_deleted + 1 WHERE arn = ?');
    this.#getKey = db.prepare<[], { private_key: Buffer; key_id: string | null; certificate: string; created_at: number }>(
      'SELECT private_key, key_id, certificate, created_at FROM sns_signing_keys WHERE id = 1',
    );
    this.#insertKey = db.prepare<[Buffer, string, string, number]>(
      'INSERT INTO sns_signing_keys (id, private_key, key_id, certificate, created_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
  }

  // Read-then-write transactions begin IMMEDIATE: another connection may commit in between otherwise.
  createTopic(topic: TopicRecord, tags: Record<string, string>): boolean {
    return this.#createTopic.immediate(topic, tags);
  }

  getTopic(arn: string): TopicRecord | undefined {
    const row = this.#getTopic.get(arn);
    return row && toTopic(row);
  }

  listTopics(page: PageRequest): Page<TopicRecord> {
    return toPage(this.#listTopics.all(pageParams(page)).map(toTopic), page, (t) => t.arn);
  }

  setTopicAttributes(arn: string, attributes: Record<string, string>, lastModifiedAt: number): boolean {
    return this.#setAttributes.run(JSON.stringify(attributes), lastModifiedAt, arn).changes > 0;
  }

  /** Called inside a transaction (see SqliteTopicStore): the topic, its subscriptions (cascade) and its tags. */
  deleteTopic(arn: string): boolean {
    this.#deleteTags.run(arn);
    return this.#deleteTopic.run(arn).changes > 0;
  }

  counts(arn: string): TopicCounts {
    return this.#counts.get(arn) ?? { confirmed: 0, pending: 0, deleted: 0 };
  }

  createSubscription(subscription: SubscriptionRecord): { created: boolean; subscription: SubscriptionRecord } | undefined {
    return this.#createSubscription.immediate(subscription);
  }

  getSubscription(arn: string): SubscriptionRecord | undefined {
    const row = this.#getSubscription.get(arn);
    return row && toSubscription(row);
  }

  subscriptionByToken(token: string): SubscriptionRecord | undefined {
    const row = this.#byToken.get(token);
    return row && toSubscription(row);
  }

  listSubscriptions(page: PageRequest): Page<SubscriptionRecord> {
    return toPage(this.#listSubscriptions.all(pageParams(page)).map(toSubscription), page, (s) => s.arn);
  }

  updateSubscription(arn: string, c: SubscriptionChanges): boolean {
    const flag = (b: boolean | undefined) => (b === undefined ? null : b ? 1 : 0);
    return (
      this.#updateSubscription.run({
        arn,
        attributes: c.attributes === undefined ? null : JSON.stringify(c.attributes),
        pending: flag(c.pendingConfirmation),
        authenticated: flag(c.confirmationWasAuthenticated),
        token: c.token ?? null,
        tokenExpiresAt: c.tokenExpiresAt ?? null,
      }).changes > 0
    );
  }

  /** Called inside a transaction (see SqliteTopicStore): the row, and the count of the topic's deleted subscriptions. */
  deleteSubscription(arn: string): boolean {
    const deleted = this.#deleteSubscription.get(arn);
    if (deleted) this.#countDeleted.run(deleted.topic_arn);
    return deleted !== undefined;
  }

  signingKey(): SigningKeyRecord | undefined {
    const row = this.#getKey.get();
    return row && { privateKeyPem: openText(this.sealer, row.private_key, row.key_id), certificatePem: row.certificate, createdAt: row.created_at };
  }

  /** The private key is a secret: sealed under Mailroom's own key like connection secrets. */
  insertSigningKey(key: SigningKeyRecord): void {
    const sealed = sealText(this.sealer, MAILROOM_DATA_KEY, key.privateKeyPem);
    this.#insertKey.run(sealed.blob, sealed.keyId, key.certificatePem, key.createdAt);
  }
}
