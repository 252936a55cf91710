/**
 * SQS messages at rest on PostgreSQL: append, the receive, receipt-handle operations, purge, counts and the expiry
 * sweep. Sends notify the queue's wake-up channel, so long polls in every process look at once.
 *
 * A receive is one statement: it locks the oldest visible rows FOR UPDATE SKIP LOCKED — rows another receive holds
 * are skipped, and rows it has just claimed no longer match — then, in order, deletes the expired ones, moves those
 * past the redrive policy's maxReceiveCount to the dead-letter queue, and claims the rest until `max` are claimed.
 * So two receivers, in one process or in several, never get the same message within its visibility timeout, and
 * neither waits for the other. When the rows passed over (expired, moved) leave the receive short, it looks again;
 * each look commits on its own, so a failure between looks returns an error while earlier claims stand — the
 * messages come back when their visibility ends, as when an answer is lost on its way to the client.
 *
 * Messages are sealed as they are sent and opened once received (src/store/sealing.ts). A receive claims in
 * autocommit, before it can open anything: when a claimed message's KMS key cannot be used, the receive gives back
 * what it claimed — the visibility, receive count and receipt nonce each row had — fenced by its own nonces, and
 * fails with the KeyError, leaving the messages as they were (as SQLite's rolled-back receive does).
 */
import type pg from 'pg';
import type { Sealer } from '../../keys/sealer.js';
import type { HandleResult, NewQueueMessage, QueueCounts, QueueGauges, ReceivedMessage, ReceiveRequest } from '../queues.js';
import { decodeHandle, encodeHandle, receiptNonce } from '../receipt-handles.js';
import { messageColumns, openMessage, type MessageColumns } from '../sealing.js';
import { columns, compact } from './database.js';
import { WAKE_CHANNELS } from './wake-ups.js';

const FOREIGN_KEY_VIOLATION = '23503';

/** A new message and its columns as sealed. */
export interface SealedMessage {
  m: NewQueueMessage;
  c: MessageColumns;
}

/**
 * A sealed message's values in the column order of queue_messages (queue, message_id, body, attributes, key_id,
 * md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at), for unnest(): sends, and the
 * delivery engine's dead letters.
 */
export const SEALED_MESSAGE_COLUMNS: readonly ((x: SealedMessage) => unknown)[] = [
  (x) => x.m.queue,
  (x) => x.m.messageId,
  (x) => x.c.body,
  (x) => x.c.attributes,
  (x) => x.c.keyId,
  (x) => x.c.md5OfBody,
  (x) => x.c.md5OfMessageAttributes,
  (x) => x.m.senderId ?? null,
  (x) => x.m.sentAt,
  (x) => x.m.visibleAt,
  (x) => x.m.expiresAt,
];

const SEND = {
  name: 'mailroom-send',
  text: `
WITH sent AS (
  INSERT INTO queue_messages (queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[])
  -- All or nothing: nothing is written when any of the queues is missing.
  WHERE NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS q (name) WHERE NOT EXISTS (SELECT 1 FROM queues WHERE queues.name = q.name))
  RETURNING queue
)
SELECT queue, pg_notify('${WAKE_CHANNELS.queues}', queue) FROM (SELECT DISTINCT queue FROM sent) AS q`,
};

const RECEIVE = {
  name: 'mailroom-receive',
  text: `
WITH dead_letter_queue AS (
  SELECT (attributes::jsonb ->> 'MessageRetentionPeriod')::bigint * 1000 AS retention_ms FROM queues WHERE name = $5
), candidates AS MATERIALIZED (
  SELECT seq, visible_at, sent_at, expires_at, receive_count, receipt_nonce FROM queue_messages
  WHERE queue = $1 AND visible_at <= $2
  ORDER BY visible_at, seq LIMIT $9
  FOR UPDATE SKIP LOCKED
), ranked AS MATERIALIZED (
  SELECT seq, sent_at, visible_at, receipt_nonce, action,
         count(*) FILTER (WHERE action = 'claim') OVER (ORDER BY visible_at, seq ROWS UNBOUNDED PRECEDING)::int AS claims
  FROM (
    SELECT c.*, CASE
      WHEN c.expires_at <= $2 THEN 'expire'
      -- Retention in the dead-letter queue still counts from the original send, as in SQS. Without that queue the
      -- message stays and is received, never lost.
      WHEN $6::int IS NOT NULL AND EXISTS (SELECT 1 FROM dead_letter_queue) AND c.receive_count >= $6::int THEN 'move'
      ELSE 'claim' END AS action
    FROM candidates c
  ) AS decided
), todo AS MATERIALIZED (
  -- In order until $3 are claimed: a claimed row counts itself, a row passed over only those before it.
  SELECT * FROM ranked WHERE claims < $3 OR (action = 'claim' AND claims = $3)
), expired AS (
  DELETE FROM queue_messages m USING todo t WHERE m.seq = t.seq AND t.action = 'expire'
), moved AS (
  UPDATE queue_messages m
  SET queue = $5, visible_at = $2, expires_at = t.sent_at + (SELECT retention_ms FROM dead_letter_queue), receipt_nonce = NULL,
      dead_letter_source_arn = $7
  FROM todo t WHERE m.seq = t.seq AND t.action = 'move'
), claimed AS (
  UPDATE queue_messages m
  SET visible_at = $2::bigint + $4::bigint, receive_count = m.receive_count + 1, first_received_at = coalesce(m.first_received_at, $2),
      receipt_nonce = ($8::text[])[t.claims]
  FROM todo t WHERE m.seq = t.seq AND t.action = 'claim'
  RETURNING t.claims AS rank, m.seq, m.receipt_nonce AS nonce, t.visible_at AS "wasVisibleAt", t.receipt_nonce AS "hadNonce",
    m.message_id AS "messageId", m.body, m.attributes, m.key_id AS "keyId", m.md5_of_body AS "md5OfBody",
    m.md5_of_message_attributes AS "md5OfMessageAttributes", m.sent_at AS "sentAt", m.receive_count AS "receiveCount",
    m.first_received_at AS "firstReceivedAt", m.sender_id AS "senderId", m.dead_letter_source_arn AS "deadLetterSourceArn"
)
SELECT looked.n AS looked, claimed.* FROM (SELECT count(*)::int AS n FROM candidates) AS looked LEFT JOIN claimed ON true`,
};

/** Gives back what a receive claimed (see the header): the row as it was, while it still carries this receive's nonce. */
const GIVE_BACK = {
  name: 'mailroom-receive-give-back',
  text: `
UPDATE queue_messages m
SET visible_at = u.visible_at, receive_count = m.receive_count - 1, receipt_nonce = u.had_nonce,
    first_received_at = CASE WHEN m.receive_count = 1 THEN NULL ELSE m.first_received_at END
FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS u (seq, nonce, visible_at, had_nonce)
WHERE m.seq = u.seq AND m.receipt_nonce = u.nonce`,
};

/** The handles of a DeleteMessageBatch, deleted in one statement; each one's row as it was before, to say why not. */
const DELETE_BATCH = {
  name: 'mailroom-delete-batch',
  text: `
WITH h AS (SELECT * FROM unnest($2::bigint[], $3::text[]) AS h (seq, nonce)),
deleted AS (
  DELETE FROM queue_messages m USING h WHERE m.seq = h.seq AND m.queue = $1 AND m.receipt_nonce = h.nonce RETURNING m.seq, m.receipt_nonce
)
SELECT d.seq, d.receipt_nonce AS nonce, true AS deleted, $1 AS queue FROM deleted d
UNION ALL
SELECT m.seq, m.receipt_nonce, false, m.queue FROM queue_messages m WHERE m.seq IN (SELECT seq FROM h) AND m.seq NOT IN (SELECT seq FROM deleted)`,
};

export class QueueMessages {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sealer: Sealer,
  ) {}

  /** Seals every message first: a KeyError (its KMS key cannot be used) is thrown before anything is written. */
  async send(messages: NewQueueMessage[]): Promise<boolean> {
    if (messages.length === 0) return true;
    const values = columns(messages.map((m) => ({ m, c: messageColumns(this.sealer, m) })), SEALED_MESSAGE_COLUMNS);
    try {
      return (await this.pool.query({ ...SEND, values })).rowCount! > 0;
    } catch (error) {
      // The queue was deleted between the check and the insert.
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false;
      throw error;
    }
  }

  async receive(r: ReceiveRequest): Promise<ReceivedMessage[]> {
    const received: ReceivedMessage[] = [];
    // What each claimed row was, in case the receive has to give it back.
    const claims: { seq: number; nonce: string; wasVisibleAt: number; hadNonce: string | null }[] = [];
    for (;;) {
      const want = r.max - received.length;
      const look = want + 10;
      const nonces = Array.from({ length: want }, receiptNonce);
      const { rows } = await this.pool.query({
        ...RECEIVE,
        values: [r.queue, r.now, want, r.visibilityTimeoutMs, r.redrive?.deadLetterQueue ?? null, r.redrive?.maxReceiveCount ?? null, r.redrive?.sourceArn ?? null, nonces, look],
      });
      const claimed = rows.filter((row) => row.seq !== null).sort((x, y) => x.rank - y.rank);
      claims.push(...claimed.map(({ seq, nonce, wasVisibleAt, hadNonce }) => ({ seq, nonce, wasVisibleAt, hadNonce })));
      try {
        for (const { looked: _looked, rank: _rank, seq, nonce, wasVisibleAt: _was, hadNonce: _had, body, attributes, keyId, md5OfBody, md5OfMessageAttributes, ...row } of claimed) {
          const content = openMessage(this.sealer, { body, attributes, keyId, md5OfBody, md5OfMessageAttributes });
          received.push(compact<ReceivedMessage>({ ...row, ...content, receiptHandle: encodeHandle(seq, nonce) }));
        }
      } catch (error) {
        const values = columns(claims, [(c) => c.seq, (c) => c.nonce, (c) => c.wasVisibleAt, (c) => c.hadNonce]);
        await this.pool.query({ ...GIVE_BACK, values });
        throw error;
      }
      if (received.length === r.max || rows[0].looked < look) return received;
    }
  }

  async nextVisibleAt(queue: string, now: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ at: number | null }>('SELECT min(visible_at) AS at FROM queue_messages WHERE queue = $1 AND visible_at > $2', [queue, now]);
    return rows[0]!.at ?? undefined;
  }

  /** Each handle's result in order, as if deleted one after the other, from one statement. */
  async deleteBatch(queue: string, handles: string[]): Promise<HandleResult[]> {
    const decoded = handles.map(decodeHandle);
    const valid = decoded.filter((d) => d !== undefined);
    if (valid.length === 0) return handles.map(() => 'invalid');
    const { rows } = await this.pool.query<{ seq: number; nonce: string | null; deleted: boolean; queue: string }>({
      ...DELETE_BATCH,
      values: [queue, ...columns(valid, [(d) => d.seq, (d) => d.nonce])],
    });
    const before = new Map(rows.map((row) => [row.seq, row]));
    const deleted = new Set<number>();
    return decoded.map((d): HandleResult => {
      if (!d) return 'invalid';
      const row = before.get(d.seq);
      // A row this batch deleted is gone for every later handle of it.
      if (!row || row.queue !== queue || deleted.has(d.seq)) return 'gone';
      if (row.nonce !== d.nonce) return 'stale';
      if (row.deleted) deleted.add(d.seq);
      return 'ok';
    });
  }

  changeVisibility(queue: string, handle: string, visibleAt: number): Promise<HandleResult> {
    return this.#withHandle(queue, handle, 'UPDATE queue_messages SET visible_at = $4', [visibleAt]);
  }

  /**
   * Applies `change` to the message when `handle` is its latest receipt, in one statement: the condition is
   * re-checked on the row's newest version, so a receive committed meanwhile makes this handle stale, not lost.
   */
  async #withHandle(queue: string, handle: string, change: string, values: unknown[]): Promise<HandleResult> {
    const decoded = decodeHandle(handle);
    if (!decoded) return 'invalid';
    const done = await this.pool.query(`${change} WHERE seq = $1 AND queue = $2 AND receipt_nonce = $3`, [decoded.seq, queue, decoded.nonce, ...values]);
    if (done.rowCount === 1) return 'ok';
    // Only to say why it failed.
    const row = (await this.pool.query<{ queue: string }>('SELECT queue FROM queue_messages WHERE seq = $1', [decoded.seq])).rows[0];
    return row?.queue === queue ? 'stale' : 'gone';
  }

  async purge(queue: string, now: number): Promise<boolean> {
    const { rows } = await this.pool.query(
      `WITH purged AS (UPDATE queues SET last_purged_at = $2 WHERE name = $1 RETURNING name),
       messages AS (DELETE FROM queue_messages WHERE queue IN (SELECT name FROM purged) AND sent_at <= $2)
       SELECT 1 FROM purged`,
      [queue, now],
    );
    return rows.length === 1;
  }

  async counts(queue: string, now: number): Promise<QueueCounts> {
    const { rows } = await this.pool.query<QueueCounts>(
      `SELECT count(*) FILTER (WHERE visible_at <= $2)::int AS visible,
              count(*) FILTER (WHERE visible_at > $2 AND receive_count > 0)::int AS "inFlight",
              count(*) FILTER (WHERE visible_at > $2 AND receive_count = 0)::int AS delayed
       FROM queue_messages WHERE queue = $1 AND expires_at > $2`,
      [queue, now],
    );
    return rows[0]!;
  }

  /** Every queue, empty ones included (their gauges are 0), in one pass over the index. */
  async gauges(now: number): Promise<QueueGauges[]> {
    const { rows } = await this.pool.query<QueueGauges & { oldest: number | null }>(
      `SELECT q.name AS queue,
              count(m.seq) FILTER (WHERE m.visible_at <= $1)::int AS visible,
              count(m.seq) FILTER (WHERE m.visible_at > $1 AND m.receive_count > 0)::int AS "inFlight",
              count(m.seq) FILTER (WHERE m.visible_at > $1 AND m.receive_count = 0)::int AS delayed,
              min(m.sent_at) AS oldest
       FROM queues q LEFT JOIN queue_messages m ON m.queue = q.name AND m.expires_at > $1
       GROUP BY q.name ORDER BY q.name`,
      [now],
    );
    return rows.map(({ oldest, ...g }) => (oldest === null ? g : { ...g, oldestSentAt: oldest }));
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.pool.query('DELETE FROM queue_messages WHERE expires_at <= $1', [now])).rowCount!;
  }
}
