/**
 * SNS topics and subscriptions on PostgreSQL, and the message-signing key (TopicStore; see src/store/topics.ts for
 * what the tables are for). Each write is one statement: a topic's tags go in with it and out with it, its
 * subscriptions go with it (ON DELETE CASCADE), and removing a subscription counts it on its topic in the same
 * statement. Two processes subscribing the same endpoint at once get one subscription: the second insert meets the
 * (topic, protocol, endpoint) constraint and reads the first. Messages are written by topic-messages.ts.
 */
import type pg from 'pg';
import type { Sealer } from '../../keys/sealer.js';
import { toPage } from '../paging.js';
import type { Page, PageRequest } from '../records.js';
import { MAILROOM_DATA_KEY, openText, sealText } from '../sealing.js';
import type { SigningKeyRecord, SubscriptionChanges, SubscriptionRecord, TopicCounts, TopicRecord } from '../topics.js';
import { compact, pageClause, pageValues } from './database.js';

const TOPIC_COLUMNS = 'arn, name, attributes, created_at AS "createdAt", last_modified_at AS "lastModifiedAt"';

const SUBSCRIPTION_COLUMNS = `arn, topic_arn AS "topicArn", protocol, endpoint, attributes, pending_confirmation AS "pendingConfirmation",
  confirmation_was_authenticated AS "confirmationWasAuthenticated", token, token_expires_at AS "tokenExpiresAt", created_at AS "createdAt"`;

function toTopic(row: Record<string, unknown>): TopicRecord {
  return { ...(row as unknown as TopicRecord), attributes: JSON.parse(row.attributes as string) as Record<string, string> };
}

function toSubscription(row: Record<string, unknown>): SubscriptionRecord {
  return compact<SubscriptionRecord>({ ...row, attributes: JSON.parse(row.attributes as string) as Record<string, string> });
}

export class Topics {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sealer: Sealer,
  ) {}

  async createTopic(topic: TopicRecord, tags: Record<string, string>): Promise<boolean> {
    const { rows } = await this.pool.query(
      `WITH created AS (
         INSERT INTO topics (arn, name, attributes, created_at, last_modified_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (arn) DO NOTHING RETURNING arn
       ), tagged AS (
         INSERT INTO tags (arn, key, value) SELECT created.arn, t.key, t.value FROM created, unnest($6::text[], $7::text[]) AS t (key, value)
         ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value
       )
       SELECT 1 FROM created`,
      [topic.arn, topic.name, JSON.stringify(topic.attributes), topic.createdAt, topic.lastModifiedAt, Object.keys(tags), Object.values(tags)],
    );
    return rows.length === 1;
  }

  async getTopic(arn: string): Promise<TopicRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE arn = $1`, [arn]);
    return rows[0] && toTopic(rows[0]);
  }

  async listTopics(page: PageRequest): Promise<Page<TopicRecord>> {
    const { rows } = await this.pool.query(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE ${pageClause('arn', 1)}`, pageValues(page));
    return toPage(rows.map(toTopic), page, (t) => t.arn);
  }

  async setTopicAttributes(arn: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE topics SET attributes = $2, last_modified_at = $3 WHERE arn = $1', [arn, JSON.stringify(attributes), lastModifiedAt]);
    return result.rowCount === 1;
  }

  async deleteTopic(arn: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      `WITH deleted AS (DELETE FROM topics WHERE arn = $1 RETURNING arn), untagged AS (DELETE FROM tags WHERE arn = $1)
       SELECT 1 FROM deleted`,
      [arn],
    );
    return rows.length === 1;
  }

  async counts(arn: string): Promise<TopicCounts> {
    const { rows } = await this.pool.query<TopicCounts>(
      `SELECT count(s.arn) FILTER (WHERE NOT s.pending_confirmation)::int AS confirmed, count(s.arn) FILTER (WHERE s.pending_confirmation)::int AS pending,
              t.subscriptions_deleted AS deleted
       FROM topics t LEFT JOIN subscriptions s ON s.topic_arn = t.arn WHERE t.arn = $1 GROUP BY t.arn`,
      [arn],
    );
    return rows[0] ?? { confirmed: 0, pending: 0, deleted: 0 };
  }

  async createSubscription(s: SubscriptionRecord): Promise<{ created: boolean; subscription: SubscriptionRecord } | undefined> {
    const inserted = await this.pool.query(
      `INSERT INTO subscriptions (arn, topic_arn, protocol, endpoint, attributes, pending_confirmation, confirmation_was_authenticated, token,
                                  token_expires_at, created_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS (SELECT 1 FROM topics WHERE arn = $2)
       ON CONFLICT (topic_arn, protocol, endpoint) DO NOTHING`,
      [s.arn, s.topicArn, s.protocol, s.endpoint, JSON.stringify(s.attributes), s.pendingConfirmation, s.confirmationWasAuthenticated, s.token ?? null, s.tokenExpiresAt ?? null, s.createdAt],
    );
    if (inserted.rowCount === 1) return { created: true, subscription: s };
    // Not written: the topic has one for this endpoint already, or there is no such topic.
    const { rows } = await this.pool.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE topic_arn = $1 AND protocol = $2 AND endpoint = $3`, [s.topicArn, s.protocol, s.endpoint]);
    return rows[0] && { created: false, subscription: toSubscription(rows[0]) };
  }

  async getSubscription(arn: string): Promise<SubscriptionRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE arn = $1`, [arn]);
    return rows[0] && toSubscription(rows[0]);
  }

  async subscriptionByToken(token: string): Promise<SubscriptionRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE token = $1`, [token]);
    return rows[0] && toSubscription(rows[0]);
  }

  async listSubscriptions(page: PageRequest): Promise<Page<SubscriptionRecord>> {
    const { rows } = await this.pool.query(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE ${pageClause('arn', 1)}`, pageValues(page));
    return toPage(rows.map(toSubscription), page, (s) => s.arn);
  }

  /** Only the given fields change: coalesce keeps the others. */
  async updateSubscription(arn: string, c: SubscriptionChanges): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE subscriptions SET attributes = coalesce($2, attributes), pending_confirmation = coalesce($3, pending_confirmation),
         confirmation_was_authenticated = coalesce($4, confirmation_was_authenticated), token = coalesce($5, token),
         token_expires_at = coalesce($6, token_expires_at)
       WHERE arn = $1`,
      [arn, c.attributes === undefined ? null : JSON.stringify(c.attributes), c.pendingConfirmation ?? null, c.confirmationWasAuthenticated ?? null, c.token ?? null, c.tokenExpiresAt ?? null],
    );
    return result.rowCount === 1;
  }

  async deleteSubscription(arn: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      `WITH deleted AS (DELETE FROM subscriptions WHERE arn = $1 RETURNING topic_arn),
       counted AS (UPDATE topics SET subscriptions_deleted = subscriptions_deleted + 1 WHERE arn IN (SELECT topic_arn FROM deleted))
       SELECT 1 FROM deleted`,
      [arn],
    );
    return rows.length === 1;
  }

  async signingKey(): Promise<SigningKeyRecord | undefined> {
    const { rows } = await this.pool.query<{ private_key: Buffer; key_id: string | null; certificate: string; created_at: number }>(
      'SELECT private_key, key_id, certificate, created_at FROM sns_signing_keys WHERE id = 1',
    );
    const row = rows[0];
    return row && { privateKeyPem: openText(this.sealer, row.private_key, row.key_id), certificatePem: row.certificate, createdAt: row.created_at };
  }

  /** The private key is a secret: sealed under Mailroom's own key like connection secrets. The first one stored stays. */
  async putSigningKey(key: SigningKeyRecord): Promise<SigningKeyRecord> {
    const sealed = sealText(this.sealer, MAILROOM_DATA_KEY, key.privateKeyPem);
    await this.pool.query(
      'INSERT INTO sns_signing_keys (id, private_key, key_id, certificate, created_at) VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING',
      [sealed.blob, sealed.keyId, key.certificatePem, key.createdAt],
    );
    return (await this.signingKey())!;
  }
}
