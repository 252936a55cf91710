/**
 * The delivery engine's statements on PostgreSQL: claim due deliveries under a lease, settle outcomes, give leases
 * back, read histories and fallbacks.
 *
 * - Claim: one statement. The due rows are locked FOR UPDATE SKIP LOCKED, so processes claiming at the same moment
 *   never wait for each other and never get the same row: a row another claim holds is skipped, and one it has
 *   just leased no longer matches (PostgreSQL re-checks the condition on the newest version). The lease is the due
 *   time pushed to the lease's end, as on SQLite: a process that dies lets its deliveries fall due again.
 * - Settle: one statement for a whole group of outcomes — the fenced state changes, attempt records, follow-up
 *   deliveries, dead letters (queued, or kept as fallbacks when their queue is missing) — as data-modifying CTEs
 *   that each act only on the outcomes whose fence held. If the statement fails, each outcome is retried alone in
 *   a savepoint, so one that cannot be written is reported by itself (writeIsolated).
 * - Sealing (src/store/sealing.ts): a claim opens each event and input in the process; one whose KMS key cannot be
 *   used is put off by KEY_UNUSABLE_RETRY_MS with the reason as its last error (a second statement, fenced by the
 *   lease the claim just took). Outcomes are sealed before the settle statement is sent: a follow-up's input under
 *   its event's key (read first, when there is one), attempts, errors and fallbacks under Mailroom's own key, a dead
 *   letter under its queue's key — or, when that key refuses, kept as a fallback instead.
 * - No rowRef: PostgreSQL has no stable row handle (a ctid changes with every update, the claim's own included), and
 *   the primary key is what a settle looks the row up by, in the one statement per group that settles it.
 */
import type pg from 'pg';
import { KeyError } from '../../keys/errors.js';
import type { Sealer } from '../../keys/sealer.js';
import {
  deadLetterKeyUnusable,
  deadLetterQueueMissing,
  KEY_UNUSABLE_RETRY_MS,
  type AttemptRecord,
  type ClaimRequest,
  type ClaimedDelivery,
  type DeliveryOutcome,
  type FallbackDeadLetter,
  type SettleResult,
} from '../deliveries.js';
import type { IdGenerator } from '../ids.js';
import { messageColumns, openDelivery, openFallbackAttributes, openOptional, openText, sealAttempt, sealFallback, sealInput, sealOptional } from '../sealing.js';
import { columns, compact, writeIsolated, type Queryable } from './database.js';
import { SEALED_MESSAGE_COLUMNS, type SealedMessage } from './queue-messages.js';
import { WAKE_CHANNELS } from './wake-ups.js';

const CLAIM = {
  name: 'mailroom-claim',
  text: `
WITH due AS MATERIALIZED (
  SELECT id, due_at FROM deliveries
  WHERE status = 'pending' AND due_at <= $1 AND target_arn <> ALL ($5::text[])
  ORDER BY due_at LIMIT $4
  FOR UPDATE SKIP LOCKED
)
UPDATE deliveries d SET due_at = $3, lease_owner = $2, lease_until = $3, updated_at = $1
FROM due, events e
WHERE d.id = due.id AND e.seq = d.event_seq
RETURNING d.id, d.kind, d.event_id AS "eventId", d.bus, d.rule_name AS "ruleName", d.rule_arn AS "ruleArn", d.target_id AS "targetId",
  d.target_arn AS "targetArn", d.attempts, d.created_at AS "createdAt", e.received_at AS "eventReceivedAt", e.payload, e.key_id AS "eventKeyId",
  d.input, d.key_id AS "inputKeyId", due.due_at AS "dueAt"`,
};

/** Puts off claimed deliveries whose event cannot be opened, under the lease the claim took: pending, not leased. */
const DEFER = {
  name: 'mailroom-defer',
  text: `
UPDATE deliveries d SET due_at = $1, error = u.error, lease_owner = NULL, lease_until = NULL, updated_at = $2
FROM unnest($3::text[], $4::bytea[]) AS u (id, error)
WHERE d.id = u.id AND d.lease_owner = $5 AND d.lease_until = $6 AND d.status = 'pending'`,
};

const SETTLE = {
  name: 'mailroom-settle',
  text: `
WITH applied AS (
  UPDATE deliveries d
  SET status = u.status, due_at = u.due_at, attempts = u.attempts, error = u.error, last_error = NULL,
      lease_owner = NULL, lease_until = NULL, updated_at = $1
  FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::int[], $8::bytea[]) WITH ORDINALITY
    AS u (id, owner, lease_until, status, due_at, attempts, error, n)
  WHERE d.id = u.id AND d.lease_owner = u.owner AND d.lease_until = u.lease_until AND d.status = 'pending'
  RETURNING u.n
), attempt_rows AS (
  INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, ok, error_code, error_message, status, body, key_id)
  SELECT a.delivery_id, a.attempt, a.at, a.duration_ms, a.ok, a.error_code, a.error_message, a.status, a.body, a.key_id
  FROM unnest($9::int[], $10::text[], $11::int[], $12::bigint[], $13::int[], $14::bool[], $15::text[], $16::bytea[], $17::int[], $18::bytea[], $19::text[])
    AS a (parent, delivery_id, attempt, at, duration_ms, ok, error_code, error_message, status, body, key_id)
  WHERE a.parent IN (SELECT n FROM applied)
  ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at, duration_ms = excluded.duration_ms, ok = excluded.ok,
    error_code = excluded.error_code, error_message = excluded.error_message, status = excluded.status, body = excluded.body,
    key_id = excluded.key_id
), follow_ups AS (
  -- An unknown event leaves event_seq NULL, which fails the statement: that outcome is then reported alone.
  INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, status, attempts, due_at,
                          created_at, updated_at, input, key_id)
  SELECT f.id, (SELECT seq FROM events WHERE events.id = f.event_id), f.event_id, f.bus, f.rule_name, f.rule_arn, f.target_id,
         f.target_arn, f.kind, 'pending', 0, f.due_at, $1, $1, f.input, f.key_id
  FROM unnest($20::int[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::text[],
              $29::bigint[], $30::bytea[], $31::text[])
    AS f (parent, id, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, due_at, input, key_id)
  WHERE f.parent IN (SELECT n FROM applied)
  RETURNING 1
), dead AS (
  SELECT m.*, EXISTS (SELECT 1 FROM queues q WHERE q.name = m.queue) AS queue_exists
  FROM unnest($32::int[], $33::text[], $34::text[], $35::text[], $36::bytea[], $37::bytea[], $38::text[], $39::text[], $40::text[], $41::text[],
              $42::bigint[], $43::bigint[], $44::bigint[], $45::text[], $46::text[], $47::bytea[], $48::bytea[], $49::text[])
    AS m (parent, delivery_id, queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, sent_at,
          visible_at, expires_at, queue_arn, reason, fallback_body, fallback_attributes, fallback_key_id)
  WHERE m.parent IN (SELECT n FROM applied)
), queued AS (
  INSERT INTO queue_messages (queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at)
  SELECT queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at
  FROM dead WHERE queue_exists
  RETURNING queue, message_id
), fallbacks AS (
  INSERT INTO dead_letter_fallback (delivery_id, queue_arn, reason, body, attributes, at, key_id)
  SELECT delivery_id, queue_arn, reason, fallback_body, fallback_attributes, $1, fallback_key_id FROM dead WHERE NOT queue_exists
  UNION ALL
  SELECT b.delivery_id, b.queue_arn, b.reason, b.body, b.attributes, b.at, b.key_id
  FROM unnest($50::int[], $51::text[], $52::text[], $53::text[], $54::bytea[], $55::bytea[], $56::bigint[], $57::text[])
    AS b (parent, delivery_id, queue_arn, reason, body, attributes, at, key_id)
  WHERE b.parent IN (SELECT n FROM applied)
)
SELECT 'applied' AS what, n::text AS value FROM applied
UNION ALL SELECT 'queued', message_id FROM queued
UNION ALL SELECT 'woke', pg_notify('${WAKE_CHANNELS.queues}', queue)::text FROM (SELECT DISTINCT queue FROM queued) AS q
UNION ALL SELECT 'woke', pg_notify('${WAKE_CHANNELS.deliveries}', '')::text FROM (SELECT 1 FROM follow_ups LIMIT 1) AS f`,
};

/**
 * The settle statement's parameters: one group of column arrays per table it writes, sealed. Rows of the other
 * tables name their outcome by its position (1-based, as WITH ORDINALITY counts), since two outcomes may name the
 * same delivery and only the one whose fence holds applies. `eventKeys`: the key each follow-up's event is sealed
 * under (null: plaintext), by event id. Throws when an outcome cannot be sealed; writeIsolated then finds which.
 */
function settleValues(outcomes: DeliveryOutcome[], now: number, ids: IdGenerator, sealer: Sealer, eventKeys: Map<string, string | null>): unknown[] {
  const numbered = outcomes.map((o, i) => ({ n: i + 1, o }));
  // A first attempt that succeeded has no story to tell; the history is for deliveries that failed at least once.
  const attempts = numbered.flatMap(({ n, o }) => (o.attempt && !(o.attempt.ok && o.attempt.attempt === 1) ? [{ n, id: o.id, a: o.attempt, sealed: sealAttempt(sealer, o.attempt) }] : []));
  const followUps = numbered.flatMap(({ n, o }) => (o.followUps ?? []).map((f) => {
    if (f.input !== undefined && !eventKeys.has(f.eventId)) throw new Error(`follow-up delivery refers to unknown event ${f.eventId}`);
    return { n, id: ids.next(now), f, input: f.input === undefined ? undefined : sealInput(sealer, f.input, eventKeys.get(f.eventId)!) };
  }));
  const deadLetters: { n: number; id: string; d: NonNullable<DeliveryOutcome['deadLetter']>; sealed: SealedMessage; fallback: ReturnType<typeof sealFallback> }[] = [];
  const fallbacks: { n: number; f: FallbackDeadLetter }[] = [];
  for (const { n, o } of numbered) {
    if (o.deadLetter) {
      const d = o.deadLetter;
      let sealed: SealedMessage;
      try {
        sealed = { m: d.message, c: messageColumns(sealer, d.message) };
      } catch (err) {
        // Sealing fails before anything is written: the dead letter is kept in the fallback store instead of lost.
        if (!(err instanceof KeyError)) throw err;
        fallbacks.push({ n, f: { deliveryId: o.id, queueArn: d.queueArn, reason: deadLetterKeyUnusable(d.queueArn, err), body: d.message.body, attributes: d.attributes, at: now } });
        continue;
      }
      // Written instead of the message when its queue does not exist.
      deadLetters.push({ n, id: o.id, d, sealed, fallback: sealFallback(sealer, { body: d.message.body, attributes: d.attributes }) });
    } else if (o.fallback) fallbacks.push({ n, f: o.fallback });
  }
  const sealedFallbacks = fallbacks.map((x) => ({ ...x, sealed: sealFallback(sealer, x.f) }));
  return [
    now,
    ...columns(outcomes, [(o) => o.id, (o) => o.owner, (o) => o.leaseUntil, (o) => o.next.status, (o) => (o.next.status === 'pending' ? Math.ceil(o.next.dueAt) : now), (o) => o.attempts,
      (o) => sealOptional(sealer, o.lastError)]),
    ...columns(attempts, [(x) => x.n, (x) => x.id, (x) => x.a.attempt, (x) => x.a.at, (x) => Math.round(x.a.durationMs), (x) => x.a.ok, (x) => x.a.errorCode ?? null,
      (x) => x.sealed.errorMessage, (x) => x.a.status ?? null, (x) => x.sealed.body, (x) => x.sealed.keyId]),
    ...columns(followUps, [(x) => x.n, (x) => x.id, (x) => x.f.eventId, (x) => x.f.bus, (x) => x.f.ruleName, (x) => x.f.ruleArn, (x) => x.f.targetId, (x) => x.f.targetArn,
      (x) => x.f.kind, (x) => x.f.dueAt, (x) => x.input?.blob ?? null, (x) => x.input?.keyId ?? null]),
    ...columns(deadLetters, [(x) => x.n, (x) => x.id, ...SEALED_MESSAGE_COLUMNS.map((get) => (x: { sealed: SealedMessage }) => get(x.sealed)),
      (x) => x.d.queueArn, (x) => deadLetterQueueMissing(x.d.queueArn), (x) => x.fallback.body, (x) => x.fallback.attributes, (x) => x.fallback.keyId]),
    ...columns(sealedFallbacks, [(x) => x.n, (x) => x.f.deliveryId, (x) => x.f.queueArn ?? null, (x) => x.f.reason, (x) => x.sealed.body, (x) => x.sealed.attributes, (x) => x.f.at,
      (x) => x.sealed.keyId]),
  ];
}

const NOT_NULL_VIOLATION = '23502';

/** Why an outcome could not be written, in the store's terms where PostgreSQL's would mislead. */
function describe(error: Error & { code?: string; column?: string }): string {
  if (error.code === NOT_NULL_VIOLATION && error.column === 'event_seq') return 'a follow-up delivery refers to an unknown event';
  return error.message;
}

export class Deliveries {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ids: IdGenerator,
    private readonly sealer: Sealer,
  ) {}

  /** Oldest due first; those whose event cannot be opened are put off instead (see the header). */
  async claim(r: ClaimRequest): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query({ ...CLAIM, values: [r.now, r.owner, r.leaseUntil, r.limit, r.skipTargets] });
    // RETURNING comes in no particular order.
    rows.sort((x, y) => x.dueAt - y.dueAt || (x.id < y.id ? -1 : 1));
    const claimed: ClaimedDelivery[] = [];
    const deferred: { id: string; error: Buffer }[] = [];
    for (const { dueAt: _dueAt, payload, eventKeyId, input, inputKeyId, ...row } of rows) {
      const opened = openDelivery(this.sealer, { payload, eventKeyId, input, inputKeyId });
      if ('deferred' in opened) {
        deferred.push({ id: row.id, error: opened.deferred });
        continue;
      }
      const delivery = compact<ClaimedDelivery>({ ...row, event: opened.event, leaseUntil: r.leaseUntil });
      if (opened.input !== undefined) delivery.input = opened.input;
      claimed.push(delivery);
    }
    if (deferred.length > 0) {
      const values = [r.now + KEY_UNUSABLE_RETRY_MS, r.now, ...columns(deferred, [(d) => d.id, (d) => d.error]), r.owner, r.leaseUntil];
      await this.pool.query({ ...DEFER, values });
    }
    return claimed;
  }

  async nextDueAt(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ at: number | null }>("SELECT min(due_at) AS at FROM deliveries WHERE status = 'pending'");
    return rows[0]!.at ?? undefined;
  }

  async settle(outcomes: DeliveryOutcome[], now: number): Promise<SettleResult[]> {
    const results = await writeIsolated(this.pool, outcomes, (db, group) => this.#settle(db, group, now));
    return results.map((r) => (r instanceof Error ? { applied: false, error: describe(r) } : r));
  }

  async #settle(db: Queryable, outcomes: DeliveryOutcome[], now: number): Promise<SettleResult[]> {
    const values = settleValues(outcomes, now, this.ids, this.sealer, await this.#followUpEventKeys(db, outcomes));
    const { rows } = await db.query<{ what: string; value: string }>({ ...SETTLE, values });
    const applied = new Set(rows.filter((r) => r.what === 'applied').map((r) => Number(r.value)));
    const queued = new Set(rows.filter((r) => r.what === 'queued').map((r) => r.value));
    return outcomes.map((o, i) => {
      if (!applied.has(i + 1)) return { applied: false };
      const result: SettleResult = { applied: true };
      if (o.deadLetter) result.deadLetter = queued.has(o.deadLetter.message.messageId) ? 'queued' : 'fallback';
      else if (o.fallback) result.deadLetter = 'fallback';
      return result;
    });
  }

  /** The keys the events of follow-ups with an input are sealed under: their inputs are sealed under the same. */
  async #followUpEventKeys(db: Queryable, outcomes: DeliveryOutcome[]): Promise<Map<string, string | null>> {
    const eventIds = [...new Set(outcomes.flatMap((o) => (o.followUps ?? []).filter((f) => f.input !== undefined).map((f) => f.eventId)))];
    if (eventIds.length === 0) return new Map();
    const { rows } = await db.query<{ id: string; key_id: string | null }>('SELECT id, key_id FROM events WHERE id = ANY ($1::text[])', [eventIds]);
    return new Map(rows.map((r) => [r.id, r.key_id]));
  }

  /** Due again at `now`, attempts unchanged; wakes the dispatchers of every process. */
  async release(ids: readonly string[], owner: string, now: number): Promise<void> {
    await this.pool.query(
      `WITH released AS (
         UPDATE deliveries SET due_at = $1, lease_owner = NULL, lease_until = NULL, updated_at = $1
         WHERE id = ANY ($2) AND lease_owner = $3 AND status = 'pending' RETURNING 1
       )
       SELECT pg_notify('${WAKE_CHANNELS.deliveries}', '') FROM (SELECT 1 FROM released LIMIT 1) AS any_released`,
      [now, ids, owner],
    );
  }

  async history(deliveryId: string): Promise<AttemptRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT attempt, at, duration_ms AS "durationMs", ok, error_code AS "errorCode", error_message AS "errorMessage", status, body, key_id AS "keyId"
       FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [deliveryId],
    );
    return rows.map(({ body, errorMessage, keyId, ...row }) => {
      const attempt = compact<AttemptRecord>(row);
      const message = openOptional(this.sealer, errorMessage as Buffer | null, keyId as string | null);
      if (message !== undefined) attempt.errorMessage = message;
      const answer = openOptional(this.sealer, body as Buffer | null, keyId as string | null);
      if (answer !== undefined) attempt.body = answer;
      return attempt;
    });
  }

  async fallbacks(limit: number): Promise<FallbackDeadLetter[]> {
    const { rows } = await this.pool.query(
      `SELECT delivery_id AS "deliveryId", queue_arn AS "queueArn", reason, body, attributes, at, key_id AS "keyId"
       FROM dead_letter_fallback ORDER BY seq DESC LIMIT $1`,
      [limit],
    );
    return rows.map(({ body, attributes, keyId, ...row }) =>
      compact<FallbackDeadLetter>({ ...row, body: openText(this.sealer, body as Buffer, keyId as string | null), attributes: openFallbackAttributes(this.sealer, attributes as Buffer, keyId as string | null) }),
    );
  }
}
