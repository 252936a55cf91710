/**
 * Dead-letter redrive on PostgreSQL (RedriveStore): peeking at a queue's messages (a plain read: nothing about a
 * message changes by being listed) and the redrive transaction. A message's ref is its row's seq.
 *
 * Each redrive is one statement inside the batch's transaction: delete the dead letter (from its queue or from the
 * fallback store) and, only if that deleted a row, write the event back when it is no longer stored and record the
 * new delivery. Two processes redriving the same dead letter at once cannot both record a delivery: the second
 * delete waits for the first's row lock, then finds the row gone. The statement also wakes every dispatcher.
 *
 * Sealing as on SQLite: the delivery's input under its event's key, read first (plaintext only if the event is); an
 * event written back (its row was gone) under Mailroom's own events key, its input under the same.
 */
import type pg from 'pg';
import type { Sealer } from '../../keys/sealer.js';
import type { IdGenerator } from '../ids.js';
import type { Page } from '../records.js';
import type { RedriveItem, RedriveResult, StoredMessage } from '../redrive.js';
import { MAILROOM_DATA_KEY, openMessage, sealInput, sealText } from '../sealing.js';
import { compact, transaction } from './database.js';
import { WAKE_CHANNELS } from './wake-ups.js';

const COLUMNS = `seq, message_id AS "messageId", body, attributes, key_id AS "keyId", md5_of_body AS "md5OfBody",
  md5_of_message_attributes AS "md5OfMessageAttributes", sent_at AS "sentAt", visible_at AS "visibleAt", expires_at AS "expiresAt",
  receive_count AS "receiveCount", sender_id AS "senderId", dead_letter_source_arn AS "deadLetterSourceArn"`;

function toStored(sealer: Sealer, { seq, body, attributes, keyId, md5OfBody, md5OfMessageAttributes, ...row }: Record<string, unknown>): StoredMessage {
  const content = openMessage(sealer, {
    body: body as Buffer,
    attributes: attributes as Buffer | null,
    keyId: keyId as string | null,
    md5OfBody: md5OfBody as string,
    md5OfMessageAttributes: md5OfMessageAttributes as string | null,
  });
  return compact<StoredMessage>({ ref: String(seq), ...row, body: content.body, attributes: content.attributes });
}

/** The dead letter's delete, as the first CTE (`dead`) of the redrive statement; its parameters start at $17. */
const DELETE_DEAD_LETTER = {
  queue: 'DELETE FROM queue_messages WHERE seq = $17 AND queue = $18 AND message_id = $19 RETURNING 1',
  // The oldest entry of the delivery: a delivery is dead-lettered once, but nothing forbids two entries.
  fallback: 'DELETE FROM dead_letter_fallback WHERE seq = (SELECT min(seq) FROM dead_letter_fallback WHERE delivery_id = $17) RETURNING 1',
};

function redriveStatement(deleteDeadLetter: string): string {
  return `
WITH dead AS (${deleteDeadLetter}),
existing AS (SELECT seq FROM events WHERE id = $13),
written AS (
  INSERT INTO events (id, bus, received_at, payload, key_id)
  SELECT $13::text, $11::text, $12::bigint, $10::bytea, $15::text WHERE EXISTS (SELECT 1 FROM dead) AND NOT EXISTS (SELECT 1 FROM existing)
  RETURNING seq
), recorded AS (
  INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, status, attempts, due_at,
                          created_at, updated_at, input, key_id)
  SELECT $1::text, (SELECT seq FROM existing UNION ALL SELECT seq FROM written), $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::text,
         'pending', 0, $9::bigint, $12, $12, $14::bytea, $16::text
  WHERE EXISTS (SELECT 1 FROM dead)
  RETURNING id
)
SELECT id, pg_notify('${WAKE_CHANNELS.deliveries}', '') FROM recorded`;
}

const REDRIVE = {
  queue: { name: 'mailroom-redrive-queued', text: redriveStatement(DELETE_DEAD_LETTER.queue) },
  fallback: { name: 'mailroom-redrive-fallback', text: redriveStatement(DELETE_DEAD_LETTER.fallback) },
};

export class Redrive {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ids: IdGenerator,
    private readonly sealer: Sealer,
  ) {}

  async peek(queue: string, now: number, page: { after?: string; limit: number }): Promise<Page<StoredMessage>> {
    // One more than asked tells whether there is a next page.
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM queue_messages WHERE queue = $1 AND seq > $2 AND expires_at > $3 ORDER BY seq LIMIT $4`,
      [queue, page.after === undefined ? 0 : Number(page.after), now, page.limit + 1],
    );
    const items = rows.slice(0, page.limit).map((row) => toStored(this.sealer, row));
    return rows.length > page.limit ? { items, after: items[items.length - 1]!.ref } : { items };
  }

  async find(queue: string, messageId: string, now: number): Promise<StoredMessage | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM queue_messages WHERE queue = $1 AND message_id = $2 AND expires_at > $3`, [queue, messageId, now]);
    return rows[0] && toStored(this.sealer, rows[0]);
  }

  redrive(redrives: RedriveItem[], now: number): Promise<RedriveResult[]> {
    return transaction(this.pool, async (client) => {
      const results: RedriveResult[] = [];
      for (const { deadLetter, delivery: d, event } of redrives) {
        const id = this.ids.next(now);
        // Sealed in case the event's row is gone and is written back; the input under the key of the event it goes with.
        const payload = sealText(this.sealer, MAILROOM_DATA_KEY, event.payload);
        const stored = (await client.query<{ key_id: string | null }>('SELECT key_id FROM events WHERE id = $1', [event.id])).rows[0];
        const input = d.input === undefined ? undefined : sealInput(this.sealer, d.input, stored ? stored.key_id : payload.keyId);
        const values = [id, d.eventId, d.bus, d.ruleName, d.ruleArn, d.targetId, d.targetArn, d.kind, d.dueAt, payload.blob, event.bus, now,
          event.id, input?.blob ?? null, payload.keyId, input?.keyId ?? null];
        const { rows } = await ('queue' in deadLetter
          ? client.query({ ...REDRIVE.queue, values: [...values, Number(deadLetter.ref), deadLetter.queue, deadLetter.messageId] })
          : client.query({ ...REDRIVE.fallback, values: [...values, deadLetter.fallbackDeliveryId] }));
        results.push(rows.length === 1 ? { deliveryId: id } : { gone: true });
      }
      return results;
    });
  }
}
