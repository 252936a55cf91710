/**
 * Dead-letter redrive at rest (RedriveStore): peeking at a queue's messages (a plain read: nothing about a message
 * changes by being listed) and the redrive transaction — record the new delivery, then delete the dead letter, from
 * its queue or from the fallback store. A message's ref is its row's seq.
 */
import type Database from 'better-sqlite3';
import type { Sealer } from '../../keys/sealer.js';
import type { Page } from '../records.js';
import type { RedriveItem, RedriveResult, StoredMessage } from '../redrive.js';
import type { IdGenerator } from '../ids.js';
import { MAILROOM_DATA_KEY, openMessage, sealText } from '../sealing.js';
import { prepareFollowUpInsert, type StoredEventKey } from './deliveries.js';
import { setOptional } from './rows.js';

interface MessageRow {
  seq: number;
  message_id: string;
  body: Buffer;
  attributes: Buffer | null;
  md5_of_body: string;
  md5_of_message_attributes: string | null;
  key_id: string | null;
  sent_at: number;
  visible_at: number;
  expires_at: number;
  receive_count: number;
  sender_id: string | null;
  dead_letter_source_arn: string | null;
}

const COLUMNS = 'seq, message_id, body, attributes, md5_of_body, md5_of_message_attributes, key_id, sent_at, visible_at, expires_at, receive_count, sender_id, dead_letter_source_arn';

function toStored(row: MessageRow, sealer: Sealer): StoredMessage {
  const { body, attributes } = openMessage(sealer, {
    body: row.body,
    attributes: row.attributes,
    md5OfBody: row.md5_of_body,
    md5OfMessageAttributes: row.md5_of_message_attributes,
    keyId: row.key_id,
  });
  const message: StoredMessage = {
    ref: String(row.seq),
    messageId: row.message_id,
    body,
    attributes,
    sentAt: row.sent_at,
    visibleAt: row.visible_at,
    expiresAt: row.expires_at,
    receiveCount: row.receive_count,
  };
  setOptional(message, 'senderId', row.sender_id);
  setOptional(message, 'deadLetterSourceArn', row.dead_letter_source_arn);
  return message;
}

export class SqliteRedrive {
  readonly #peek;
  readonly #find;
  readonly #messageSeq;
  readonly #deleteMessage;
  readonly #fallbackSeq;
  readonly #deleteFallback;
  readonly #eventSeq;
  readonly #insertEvent;
  readonly #insertDelivery;
  readonly #redriveTx;

  constructor(
    db: Database.Database,
    ids: IdGenerator,
    private readonly sealer: Sealer,
  ) {
    this.#peek = db.prepare<{ queue: string; now: number; after: number; limit: number }, MessageRow>(
      `SELECT ${COLUMNS} FROM queue_messages WHERE queue = @queue AND seq > @after AND expires_at > @now ORDER BY seq LIMIT @limit`,
    );
    this.#find = db.prepare<[string, string, number], MessageRow>(`SELECT ${COLUMNS} FROM queue_messages WHERE queue = ? AND message_id = ? AND expires_at > ?`);
    this.#messageSeq = db.prepare<[number, string, string], number>('SELECT seq FROM queue_messages WHERE seq = ? AND queue = ? AND message_id = ?').pluck();
    this.#deleteMessage = db.prepare<[number]>('DELETE FROM queue_messages WHERE seq = ?');
    this.#fallbackSeq = db.prepare<[string], number>('SELECT seq FROM dead_letter_fallback WHERE delivery_id = ? ORDER BY seq LIMIT 1').pluck();
    this.#deleteFallback = db.prepare<[number]>('DELETE FROM dead_letter_fallback WHERE seq = ?');
    this.#eventSeq = db.prepare<[string], StoredEventKey>('SELECT seq, key_id FROM events WHERE id = ?');
    this.#insertEvent = db.prepare<[string, string, number, Buffer, string]>('INSERT INTO events (id, bus, received_at, payload, key_id) VALUES (?, ?, ?, ?, ?)');
    this.#insertDelivery = prepareFollowUpInsert(db, ids, sealer);
    this.#redriveTx = db.transaction((redrives: RedriveItem[], now: number): RedriveResult[] => redrives.map((r) => this.#redriveOne(r, now)));
  }

  peek(queue: string, now: number, page: { after?: string; limit: number }): Page<StoredMessage> {
    // One more than asked tells whether there is a next page.
    const rows = this.#peek.all({ queue, now, after: page.after === undefined ? 0 : Number(page.after), limit: page.limit + 1 });
    const items = rows.slice(0, page.limit).map((row) => toStored(row, this.sealer));
    return rows.length > page.limit ? { items, after: items[items.length - 1]!.ref } : { items };
  }

  find(queue: string, messageId: string, now: number): StoredMessage | undefined {
    const row = this.#find.get(queue, messageId, now);
    return row && toStored(row, this.sealer);
  }

  redrive(redrives: RedriveItem[], now: number): RedriveResult[] {
    return this.#redriveTx.immediate(redrives, now);
  }

  #redriveOne(r: RedriveItem, now: number): RedriveResult {
    const where = r.deadLetter;
    const seq = 'queue' in where ? this.#messageSeq.get(Number(where.ref), where.queue, where.messageId) : this.#fallbackSeq.get(where.fallbackDeliveryId);
    if (seq === undefined) return { gone: true };
    let event = this.#eventSeq.get(r.event.id);
    if (event === undefined) {
      // The event's row is gone (deleted with its bus): it comes back sealed under Mailroom's own events key.
      const payload = sealText(this.sealer, MAILROOM_DATA_KEY, r.event.payload);
      event = { seq: Number(this.#insertEvent.run(r.event.id, r.event.bus, now, payload.blob, payload.keyId).lastInsertRowid), key_id: payload.keyId };
    }
    const deliveryId = this.#insertDelivery(r.delivery, event, now);
    if ('queue' in where) this.#deleteMessage.run(seq);
    else this.#deleteFallback.run(seq);
    return { deliveryId };
  }
}
