/**
 * SQS messages at rest: append (also inside the delivery engine's own transaction, via prepareMessageInsert),
 * the atomic receive, receipt-handle operations, purge, counts and the expiry sweep.
 * Receipt handles are receipt-handles.ts's: one receive writes one nonce on all the messages it claims (the seq
 * tells their handles apart).
 */
import type Database from 'better-sqlite3';
import type { HandleResult, NewQueueMessage, QueueCounts, QueueGauges, ReceivedMessage, ReceiveRequest } from '../queues.js';
import { decodeHandle, encodeHandle, receiptNonce } from '../receipt-handles.js';
import { openMessageWith, type MessageColumns } from '../sealing.js';

/**
 * A candidate for a receive, as an array (the statement is raw: better-sqlite3 builds no object with named keys per
 * row): what deciding its fate takes, and its content for when it is claimed.
 */
type CandidateRow = [
  seq: number,
  sentAt: number,
  expiresAt: number,
  receiveCount: number,
  firstReceivedAt: number | null,
  messageId: string,
  body: Buffer,
  attributes: Buffer | null,
  keyId: string | null,
  md5OfBody: string,
  md5OfMessageAttributes: string | null,
  senderId: string | null,
  deadLetterSourceArn: string | null,
];

/**
 * How messages are sealed on their way in and opened on their way out: with the keyring on the main connection
 * (src/store/sealing.ts), with data keys handed over on the writer thread (queue-writes.ts).
 */
export interface MessageCodec {
  /** A message's columns, sealed unless it is plaintext; throws (a KeyError) when it cannot be sealed. */
  columns(message: NewQueueMessage): MessageColumns;
  /** A sealed record's plaintext; throws when it cannot be opened. */
  open(blob: Buffer): Buffer;
}

/**
 * An insert of one message for use inside any transaction on `db` (the delivery engine appends dead letters in
 * its outcome transaction): returns false, inserting nothing, when the queue does not exist. The message is sealed
 * first (a KeyError, when its KMS key cannot be used, is thrown before anything is written).
 */
export function prepareMessageInsert(db: Database.Database, columns: MessageCodec['columns']): (message: NewQueueMessage) => boolean {
  // Positional parameters: binding a named-parameter object costs a property lookup per parameter.
  const insert = db.prepare<[string, string, Buffer, Buffer | null, string | null, string, string | null, string | null, number, number, number, string]>(
    `INSERT INTO queue_messages (queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at)
     SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
     WHERE EXISTS (SELECT 1 FROM queues WHERE name = ?)`,
  );
  return (m) => {
    const c = columns(m);
    return insert.run(m.queue, m.messageId, c.body, c.attributes, c.keyId, c.md5OfBody, c.md5OfMessageAttributes, m.senderId ?? null, m.sentAt, m.visibleAt, m.expiresAt, m.queue).changes > 0;
  };
}

/** Thrown inside a send transaction to roll it back when the queue is missing. */
class QueueMissing extends Error {}

export class QueueMessages {
  readonly #insert;
  readonly #send;
  readonly #candidates;
  readonly #deleteSeq;
  readonly #claim;
  readonly #moveToDeadLetter;
  readonly #queueExists;
  readonly #receive;
  readonly #nextVisible;
  readonly #owner;
  readonly #withHandle;
  readonly #deleteAll;
  readonly #deleteOwned;
  readonly #setVisible;
  readonly #purgeMessages;
  readonly #markPurged;
  readonly #purge;
  readonly #counts;
  readonly #gauges;
  readonly #deleteExpired;

  constructor(
    db: Database.Database,
    private readonly codec: MessageCodec,
  ) {
    this.#insert = prepareMessageInsert(db, (m) => codec.columns(m));
    this.#send = db.transaction((messages: NewQueueMessage[]) => {
      for (const m of messages) if (!this.#insert(m)) throw new QueueMissing();
    });
    // Positional parameters: binding a named-parameter object costs a property lookup per parameter per row.
    // The candidates with their content, read once: the claim below then writes without RETURNING, which made
    // SQLite's UPDATE cost about three times as much per row (measured: ~13 µs against ~4, plus ~3 for this read).
    // Inside the receive's IMMEDIATE transaction nothing else writes, so what is read here still holds at the claim.
    this.#candidates = db
      .prepare<[string, number, string, number], CandidateRow>(
        `SELECT seq, sent_at, expires_at, receive_count, first_received_at, message_id, body, attributes, key_id, md5_of_body,
                md5_of_message_attributes, sender_id, dead_letter_source_arn
         FROM queue_messages WHERE queue = ? AND visible_at <= ? AND receipt_nonce IS NOT ? ORDER BY visible_at, seq LIMIT ?`,
      )
      .raw(true);
    this.#deleteSeq = db.prepare<[number]>('DELETE FROM queue_messages WHERE seq = ?');
    this.#claim = db.prepare<[number, number, string, number]>(
      'UPDATE queue_messages SET visible_at = ?, receive_count = receive_count + 1, first_received_at = coalesce(first_received_at, ?), receipt_nonce = ? WHERE seq = ?',
    );
    this.#moveToDeadLetter = db.prepare<{ seq: number; queue: string; now: number; expiresAt: number; sourceArn: string }>(
      `UPDATE queue_messages SET queue = @queue, visible_at = @now, expires_at = @expiresAt, receipt_nonce = NULL,
              dead_letter_source_arn = @sourceArn
       WHERE seq = @seq`,
    );
    this.#queueExists = db.prepare<[string], { attributes: string }>('SELECT attributes FROM queues WHERE name = ?');
    this.#receive = db.transaction((r: ReceiveRequest): ReceivedMessage[] => this.#receiveIn(r));
    this.#nextVisible = db.prepare<[string, number], { at: number | null }>(
      'SELECT min(visible_at) AS at FROM queue_messages WHERE queue = ? AND visible_at > ?',
    );
    this.#owner = db.prepare<[number], { queue: string; receipt_nonce: string | null }>('SELECT queue, receipt_nonce FROM queue_messages WHERE seq = ?');
    this.#setVisible = db.prepare<[number, number]>('UPDATE queue_messages SET visible_at = ? WHERE seq = ?');
    this.#withHandle = db.transaction((queue: string, handle: string, change: (seq: number) => void): HandleResult => this.#withHandleIn(queue, handle, change));
    this.#deleteOwned = db.prepare<[number, string, string]>('DELETE FROM queue_messages WHERE seq = ? AND queue = ? AND receipt_nonce = ?');
    this.#deleteAll = db.transaction((queue: string, handles: string[]): HandleResult[] => handles.map((handle) => this.#deleteIn(queue, handle)));
    this.#purgeMessages = db.prepare<[string, number]>('DELETE FROM queue_messages WHERE queue = ? AND sent_at <= ?');
    this.#markPurged = db.prepare<[number, string]>('UPDATE queues SET last_purged_at = ? WHERE name = ?');
    this.#purge = db.transaction((queue: string, now: number): boolean => {
      if (this.#markPurged.run(now, queue).changes === 0) return false;
      this.#purgeMessages.run(queue, now);
      return true;
    });
    this.#counts = db.prepare<{ queue: string; now: number }, { visible: number | null; inFlight: number | null; delayed: number | null }>(
      `SELECT sum(visible_at <= @now) AS visible,
              sum(visible_at > @now AND receive_count > 0) AS inFlight,
              sum(visible_at > @now AND receive_count = 0) AS delayed
       FROM queue_messages WHERE queue = @queue AND expires_at > @now`,
    );
    // Every queue, empty ones included (their gauges are 0), in one pass over the index.
    this.#gauges = db.prepare<{ now: number }, { queue: string; visible: number | null; inFlight: number | null; delayed: number | null; oldest: number | null }>(
      `SELECT q.name AS queue,
              sum(m.visible_at <= @now) AS visible,
              sum(m.visible_at > @now AND m.receive_count > 0) AS inFlight,
              sum(m.visible_at > @now AND m.receive_count = 0) AS delayed,
              min(m.sent_at) AS oldest
       FROM queues q LEFT JOIN queue_messages m ON m.queue = q.name AND m.expires_at > @now
       GROUP BY q.name ORDER BY q.name`,
    );
    this.#deleteExpired = db.prepare<[number]>('DELETE FROM queue_messages WHERE expires_at <= ?');
  }

  send(messages: NewQueueMessage[]): boolean {
    try {
      this.#send.immediate(messages);
      return true;
    } catch (err) {
      if (err instanceof QueueMissing) return false;
      throw err;
    }
  }

  receive(request: ReceiveRequest): ReceivedMessage[] {
    return this.#receive.immediate(request);
  }

  #receiveIn(r: ReceiveRequest): ReceivedMessage[] {
    const received: ReceivedMessage[] = [];
    // Looked up once per receive; undefined when the redrive target does not exist (messages then stay).
    let deadLetterRetentionMs: number | undefined;
    if (r.redrive) {
      const dlq = this.#queueExists.get(r.redrive.deadLetterQueue);
      if (dlq) deadLetterRetentionMs = Number((JSON.parse(dlq.attributes) as Record<string, string>).MessageRetentionPeriod) * 1000;
    }
    const nonce = receiptNonce();
    const visibleAt = r.now + r.visibilityTimeoutMs;
    const redrive = r.redrive && deadLetterRetentionMs !== undefined ? r.redrive : undefined;
    const maxReceiveCount = redrive ? redrive.maxReceiveCount : Number.MAX_SAFE_INTEGER;
    // Rows passed over (expired, moved) leave the candidate range, so fetch again until the receive is full or
    // the range is exhausted.
    for (;;) {
      const limit = r.max - received.length;
      // Not those this receive claimed already: with a visibility timeout of 0 they are still candidates.
      const rows = this.#candidates.all(r.queue, r.now, nonce, limit);
      for (const row of rows) {
        const [seq, sentAt, expiresAt, receiveCount] = row;
        if (expiresAt <= r.now) {
          this.#deleteSeq.run(seq);
        } else if (receiveCount >= maxReceiveCount) {
          // Received the redrive policy's most times already: to the dead-letter queue, where retention still
          // counts from the original send, as in SQS.
          this.#moveToDeadLetter.run({ seq, queue: redrive!.deadLetterQueue, now: r.now, expiresAt: sentAt + deadLetterRetentionMs!, sourceArn: redrive!.sourceArn });
        } else {
          // Opened before the claim is written, inside the receive's transaction: a message whose KMS key cannot
          // be used throws (KeyError) and the receive rolls back, leaving every message as it was.
          received.push(toReceived(row, this.codec, encodeHandle(seq, nonce), r.now));
          this.#claim.run(visibleAt, r.now, nonce, seq);
        }
      }
      if (received.length === r.max || rows.length < limit) return received;
    }
  }

  nextVisibleAt(queue: string, now: number): number | undefined {
    return this.#nextVisible.get(queue, now)?.at ?? undefined;
  }

  // Read-then-write transactions begin IMMEDIATE: the ingest writer thread may commit in between otherwise.
  delete(queue: string, handles: string[]): HandleResult[] {
    return this.#deleteAll.immediate(queue, handles);
  }

  changeVisibility(queue: string, handle: string, visibleAt: number): HandleResult {
    return this.#withHandle.immediate(queue, handle, (seq: number) => this.#setVisible.run(visibleAt, seq));
  }

  /** One statement when the handle is the message's latest, as it almost always is; the owner is read only if not. */
  #deleteIn(queue: string, handle: string): HandleResult {
    const decoded = decodeHandle(handle);
    if (!decoded) return 'invalid';
    if (this.#deleteOwned.run(decoded.seq, queue, decoded.nonce).changes > 0) return 'ok';
    // Nothing deleted: the handle does not own a message of this queue; say why.
    return this.#ownership(queue, decoded);
  }

  /** Runs `change` when `handle` is the latest receipt of a message in `queue`. */
  #withHandleIn(queue: string, handle: string, change: (seq: number) => void): HandleResult {
    const decoded = decodeHandle(handle);
    if (!decoded) return 'invalid';
    const result = this.#ownership(queue, decoded);
    if (result === 'ok') change(decoded.seq);
    return result;
  }

  #ownership(queue: string, { seq, nonce }: { seq: number; nonce: string }): HandleResult {
    const row = this.#owner.get(seq);
    if (!row || row.queue !== queue) return 'gone';
    return row.receipt_nonce === nonce ? 'ok' : 'stale';
  }

  purge(queue: string, now: number): boolean {
    return this.#purge.immediate(queue, now);
  }

  counts(queue: string, now: number): QueueCounts {
    const row = this.#counts.get({ queue, now });
    return { visible: row?.visible ?? 0, inFlight: row?.inFlight ?? 0, delayed: row?.delayed ?? 0 };
  }

  gauges(now: number): QueueGauges[] {
    return this.#gauges.all({ now }).map((r) => {
      const g: QueueGauges = { queue: r.queue, visible: r.visible ?? 0, inFlight: r.inFlight ?? 0, delayed: r.delayed ?? 0 };
      if (r.oldest !== null) g.oldestSentAt = r.oldest;
      return g;
    });
  }

  deleteExpired(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }
}

/** A claimed candidate as the receive returns it: counts include this receive, made at `now`. */
function toReceived(row: CandidateRow, codec: MessageCodec, receiptHandle: string, now: number): ReceivedMessage {
  const [, sentAt, , receiveCount, firstReceivedAt, messageId, body, attributes, keyId, md5OfBody, md5OfMessageAttributes, senderId, deadLetterSourceArn] = row;
  const content = openMessageWith({ body, attributes, md5OfBody, md5OfMessageAttributes, keyId }, (blob) => codec.open(blob));
  const message: ReceivedMessage = { messageId, receiptHandle, ...content, sentAt, receiveCount: receiveCount + 1, firstReceivedAt: firstReceivedAt ?? now };
  if (senderId !== null) message.senderId = senderId;
  if (deadLetterSourceArn !== null) message.deadLetterSourceArn = deadLetterSourceArn;
  return message;
}
