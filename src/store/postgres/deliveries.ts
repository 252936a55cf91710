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
 */
import type pg from 'pg';
import type { AttemptRecord, ClaimedDelivery, DeliveryOutcome, FallbackDeadLetter, SettleResult } from '../deliveries.js';
import type { IdGenerator } from '../ids.js';
import { columns, compact, writeIsolated, type Queryable } from './database.js';
import type { NewQueueMessage } from '../queues.js';
import { attemptBody, deliveryInput, eventPayload, fallbackBody } from './payloads.js';
import { NEW_MESSAGE_COLUMNS } from './queue-messages.js';
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
  d.target_arn AS "targetArn", d.attempts, d.created_at AS "createdAt", e.received_at AS "eventReceivedAt", e.payload AS event,
  d.input, due.due_at AS "dueAt"`,
};

const SETTLE = {
  name: 'mailroom-settle',
  text: `
WITH applied AS (
  UPDATE deliveries d
  SET status = u.status, due_at = u.due_at, attempts = u.attempts, last_error = u.last_error,
      lease_owner = NULL, lease_until = NULL, updated_at = $1
  FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::int[], $8::text[]) WITH ORDINALITY
    AS u (id, owner, lease_until, status, due_at, attempts, last_error, n)
  WHERE d.id = u.id AND d.lease_owner = u.owner AND d.lease_until = u.lease_until AND d.status = 'pending'
  RETURNING u.n
), attempt_rows AS (
  INSERT INTO delivery_attempts (delivery_id, attempt, at, duration_ms, ok, error_code, error_message, status, body)
  SELECT a.delivery_id, a.attempt, a.at, a.duration_ms, a.ok, a.error_code, a.error_message, a.status, a.body
  FROM unnest($9::int[], $10::text[], $11::int[], $12::bigint[], $13::int[], $14::bool[], $15::text[], $16::text[], $17::int[], $18::bytea[])
    AS a (parent, delivery_id, attempt, at, duration_ms, ok, error_code, error_message, status, body)
  WHERE a.parent IN (SELECT n FROM applied)
  ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at, duration_ms = excluded.duration_ms, ok = excluded.ok,
    error_code = excluded.error_code, error_message = excluded.error_message, status = excluded.status, body = excluded.body
), follow_ups AS (
  -- An unknown event leaves event_seq NULL, which fails the statement: that outcome is then reported alone.
  INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, status, attempts, due_at,
                          created_at, updated_at, input)
  SELECT f.id, (SELECT seq FROM events WHERE events.id = f.event_id), f.event_id, f.bus, f.rule_name, f.rule_arn, f.target_id,
         f.target_arn, f.kind, 'pending', 0, f.due_at, $1, $1, f.input
  FROM unnest($19::int[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[],
              $28::bigint[], $29::bytea[])
    AS f (parent, id, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, due_at, input)
  WHERE f.parent IN (SELECT n FROM applied)
  RETURNING 1
), dead AS (
  SELECT m.*, EXISTS (SELECT 1 FROM queues q WHERE q.name = m.queue) AS queue_exists
  FROM unnest($30::int[], $31::text[], $32::text[], $33::text[], $34::bytea[], $35::bytea[], $36::text[], $37::text[], $38::text[],
              $39::bigint[], $40::bigint[], $41::bigint[], $42::text[], $43::text[], $44::bytea[], $45::text[])
    AS m (parent, delivery_id, queue, message_id, body, attributes, md5_of_body, md5_of_message_attributes, sender_id, sent_at,
          visible_at, expires_at, queue_arn, reason, fallback_body, fallback_attributes)
  WHERE m.parent IN (SELECT n FROM applied)
), queued AS (
  INSERT INTO queue_messages (queue, message_id, body, attributes, md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at)
  SELECT queue, message_id, body, attributes, md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at
  FROM dead WHERE queue_exists
  RETURNING queue, message_id
), fallbacks AS (
  INSERT INTO dead_letter_fallback (delivery_id, queue_arn, reason, body, attributes, at)
  SELECT delivery_id, queue_arn, reason, fallback_body, fallback_attributes, $1 FROM dead WHERE NOT queue_exists
  UNION ALL
  SELECT b.delivery_id, b.queue_arn, b.reason, b.body, b.attributes, b.at
  FROM unnest($46::int[], $47::text[], $48::text[], $49::text[], $50::bytea[], $51::text[], $52::bigint[])
    AS b (parent, delivery_id, queue_arn, reason, body, attributes, at)
  WHERE b.parent IN (SELECT n FROM applied)
)
SELECT 'applied' AS what, n::text AS value FROM applied
UNION ALL SELECT 'queued', message_id FROM queued
UNION ALL SELECT 'woke', pg_notify('${WAKE_CHANNELS.queues}', queue)::text FROM (SELECT DISTINCT queue FROM queued) AS q
UNION ALL SELECT 'woke', pg_notify('${WAKE_CHANNELS.deliveries}', '')::text FROM (SELECT 1 FROM follow_ups LIMIT 1) AS f`,
};

/**
 * The settle statement's parameters: one group of column arrays per table it writes. Rows of the other tables name
 * their outcome by its position (1-based, as WITH ORDINALITY counts), since two outcomes may name the same delivery
 * and only the one whose fence holds applies.
 */
function settleValues(outcomes: DeliveryOutcome[], now: number, ids: IdGenerator): unknown[] {
  const numbered = outcomes.map((o, i) => ({ n: i + 1, o }));
  // A first attempt that succeeded has no story to tell; the history is for deliveries that failed at least once.
  const attempts = numbered.flatMap(({ n, o }) => (o.attempt && !(o.attempt.ok && o.attempt.attempt === 1) ? [{ n, id: o.id, a: o.attempt }] : []));
  const followUps = numbered.flatMap(({ n, o }) => (o.followUps ?? []).map((f) => ({ n, id: ids.next(now), f })));
  const deadLetters = numbered.flatMap(({ n, o }) => (o.deadLetter ? [{ n, id: o.id, d: o.deadLetter, m: o.deadLetter.message }] : []));
  const fallbacks = numbered.flatMap(({ n, o }) => (!o.deadLetter && o.fallback ? [{ n, f: o.fallback }] : []));
  return [
    now,
    ...columns(outcomes, [(o) => o.id, (o) => o.owner, (o) => o.leaseUntil, (o) => o.next.status, (o) => (o.next.status === 'pending' ? Math.ceil(o.next.dueAt) : now), (o) => o.attempts, (o) => o.lastError ?? null]),
    ...columns(attempts, [(x) => x.n, (x) => x.id, (x) => x.a.attempt, (x) => x.a.at, (x) => Math.round(x.a.durationMs), (x) => x.a.ok, (x) => x.a.errorCode ?? null,
      (x) => x.a.errorMessage ?? null, (x) => x.a.status ?? null, (x) => (x.a.body === undefined ? null : attemptBody.write(x.a.body))]),
    ...columns(followUps, [(x) => x.n, (x) => x.id, (x) => x.f.eventId, (x) => x.f.bus, (x) => x.f.ruleName, (x) => x.f.ruleArn, (x) => x.f.targetId, (x) => x.f.targetArn,
      (x) => x.f.kind, (x) => x.f.dueAt, (x) => (x.f.input === undefined ? null : deliveryInput.write(x.f.input))]),
    ...columns(deadLetters, [(x) => x.n, (x) => x.id, ...NEW_MESSAGE_COLUMNS.map((get) => (x: { m: NewQueueMessage }) => get(x.m)),
      // Written instead of the message when its queue does not exist.
      (x) => x.d.queueArn, (x) => `The dead-letter queue ${x.d.queueArn} does not exist.`, (x) => fallbackBody.write(x.m.body), (x) => JSON.stringify(x.d.attributes)]),
    ...columns(fallbacks, [(x) => x.n, (x) => x.f.deliveryId, (x) => x.f.queueArn ?? null, (x) => x.f.reason, (x) => fallbackBody.write(x.f.body), (x) => JSON.stringify(x.f.attributes), (x) => x.f.at]),
  ];
}

const NOT_NULL_VIOLATION = '23502';

/** Why an outcome could not be written, in the store's terms where PostgreSQL's would mislead. */
function describe(error: Error & { code?: string; column?: string }): string {
  if (error.code === NOT_NULL_VIOLATION && error.column === 'event_seq') return 'a follow-up delivery refers to an unknown event';
  return error.message;
}

export interface ClaimRequest {
  now: number;
  owner: string;
  leaseUntil: number;
  limit: number;
  skipTargets: readonly string[];
}

export class Deliveries {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ids: IdGenerator,
  ) {}

  /** Oldest due first. */
  async claim(r: ClaimRequest): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query({ ...CLAIM, values: [r.now, r.owner, r.leaseUntil, r.limit, r.skipTargets] });
    // RETURNING comes in no particular order.
    rows.sort((x, y) => x.dueAt - y.dueAt || (x.id < y.id ? -1 : 1));
    return rows.map(({ dueAt: _dueAt, event, input, ...row }) => {
      const claimed = compact<ClaimedDelivery>({ ...row, event: eventPayload.read(event as Buffer), leaseUntil: r.leaseUntil });
      if (input !== null) claimed.input = deliveryInput.read(input as Buffer);
      return claimed;
    });
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
    const { rows } = await db.query<{ what: string; value: string }>({ ...SETTLE, values: settleValues(outcomes, now, this.ids) });
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
      `SELECT attempt, at, duration_ms AS "durationMs", ok, error_code AS "errorCode", error_message AS "errorMessage", status, body
       FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [deliveryId],
    );
    return rows.map(({ body, ...row }) => {
      const attempt = compact<AttemptRecord>(row);
      if (body !== null) attempt.body = attemptBody.read(body as Buffer);
      return attempt;
    });
  }

  async fallbacks(limit: number): Promise<FallbackDeadLetter[]> {
    const { rows } = await this.pool.query(
      `SELECT delivery_id AS "deliveryId", queue_arn AS "queueArn", reason, body, attributes, at
       FROM dead_letter_fallback ORDER BY seq DESC LIMIT $1`,
      [limit],
    );
    return rows.map(({ body, attributes, ...row }) =>
      compact<FallbackDeadLetter>({ ...row, body: fallbackBody.read(body as Buffer), attributes: JSON.parse(attributes as string) as Record<string, string> }),
    );
  }
}
