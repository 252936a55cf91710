/**
 * The delivery engine's statements: claim due deliveries under a lease, settle outcomes (state, attempt record,
 * dead letter or fallback, follow-ups) in one transaction, give leases back, read histories and fallbacks.
 */
import type Database from 'better-sqlite3';
import type {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryKind,
  DeliveryOutcome,
  FallbackDeadLetter,
  FollowUpDelivery,
  SettleResult,
} from '../deliveries.js';
import type { IdGenerator } from '../ids.js';
import type { NewQueueMessage } from '../queues.js';

interface ClaimRow {
  rowid: number;
  id: string;
  kind: DeliveryKind;
  event_id: string;
  bus: string;
  rule_name: string;
  rule_arn: string;
  target_id: string;
  target_arn: string;
  attempts: number;
  created_at: number;
  received_at: number;
  payload: Buffer;
  input: Buffer | null;
}

/** Appends a message to a queue inside the caller's transaction; false when the queue does not exist. */
export type InsertQueueMessage = (message: NewQueueMessage) => boolean;

/**
 * An insert of a pending delivery that is not an event's first fan-out (a follow-up, a redrive), for use inside
 * any transaction on `db`; returns the new delivery's id.
 */
export function prepareFollowUpInsert(db: Database.Database, ids: IdGenerator): (f: FollowUpDelivery, eventSeq: number, now: number) => string {
  const insert = db.prepare<[string, number, string, string, string, string, string, string, string, number, number, number, Buffer | null]>(
    `INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, status, attempts, due_at,
                             created_at, updated_at, input)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
  );
  return (f, eventSeq, now) => {
    const id = ids.next(now);
    insert.run(id, eventSeq, f.eventId, f.bus, f.ruleName, f.ruleArn, f.targetId, f.targetArn, f.kind, f.dueAt, now, now, f.input === undefined ? null : Buffer.from(f.input, 'utf8'));
    return id;
  };
}

export class Deliveries {
  readonly #claim;
  readonly #lease;
  readonly #nextDue;
  readonly #settleOne;
  readonly #insertAttempt;
  readonly #insertFallback;
  readonly #eventSeq;
  readonly #insertFollowUp;
  readonly #release;
  readonly #history;
  readonly #fallbacks;
  readonly #claimTx;
  readonly #settleTx;

  constructor(db: Database.Database, ids: IdGenerator, insertMessage: InsertQueueMessage | undefined) {
    // The (status, due_at) index serves the claim; skipped targets are filtered as the index is walked, and
    // they are few (those at their limit right now).
    this.#claim = db.prepare<[number, string, number], ClaimRow>(
      `SELECT d.rowid, d.id, d.kind, d.event_id, d.bus, d.rule_name, d.rule_arn, d.target_id, d.target_arn, d.attempts,
              d.created_at, e.received_at, e.payload, d.input
       FROM deliveries d JOIN events e ON e.seq = d.event_seq
       WHERE d.status = 'pending' AND d.due_at <= ? AND d.target_arn NOT IN (SELECT value FROM json_each(?))
       ORDER BY d.due_at LIMIT ?`,
    );
    // The lease is the due time pushed to the lease's end: if this process dies, the delivery simply falls due again.
    this.#lease = db.prepare<[number, string, number, number, number]>(
      'UPDATE deliveries SET due_at = ?, lease_owner = ?, lease_until = ?, updated_at = ? WHERE rowid = ?',
    );
    this.#nextDue = db.prepare<[], number | null>("SELECT min(due_at) FROM deliveries WHERE status = 'pending'").pluck();
    this.#settleOne = db.prepare<[string, number, number, string | null, number, string, string, number]>(
      `UPDATE deliveries SET status = ?, due_at = ?, attempts = ?, last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND lease_owner = ? AND lease_until = ? AND status = 'pending'`,
    );
    this.#insertAttempt = db.prepare<[string, number, number, number, number, string | null, string | null, number | null, string | null]>(
      `INSERT OR REPLACE INTO delivery_attempts (delivery_id, attempt, at, duration_ms, ok, error_code, error_message, status, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertFallback = db.prepare<[string, string | null, string, Buffer, string, number]>(
      'INSERT INTO dead_letter_fallback (delivery_id, queue_arn, reason, body, attributes, at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#eventSeq = db.prepare<[string], number>('SELECT seq FROM events WHERE id = ?').pluck();
    this.#insertFollowUp = prepareFollowUpInsert(db, ids);
    this.#release = db.prepare<[number, number, string, string]>(
      `UPDATE deliveries SET due_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    );
    this.#history = db.prepare<[string], { attempt: number; at: number; duration_ms: number; ok: number; error_code: string | null; error_message: string | null; status: number | null; body: string | null }>(
      'SELECT attempt, at, duration_ms, ok, error_code, error_message, status, body FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt',
    );
    this.#fallbacks = db.prepare<[number], { delivery_id: string; queue_arn: string | null; reason: string; body: Buffer; attributes: string; at: number }>(
      'SELECT delivery_id, queue_arn, reason, body, attributes, at FROM dead_letter_fallback ORDER BY seq DESC LIMIT ?',
    );

    this.#claimTx = db.transaction((now: number, owner: string, leaseUntil: number, limit: number, skip: string): ClaimedDelivery[] => {
      const rows = this.#claim.all(now, skip, limit);
      return rows.map((r) => {
        this.#lease.run(leaseUntil, owner, leaseUntil, now, r.rowid);
        const claimed: ClaimedDelivery = {
          id: r.id,
          kind: r.kind,
          eventId: r.event_id,
          bus: r.bus,
          ruleName: r.rule_name,
          ruleArn: r.rule_arn,
          targetId: r.target_id,
          targetArn: r.target_arn,
          attempts: r.attempts,
          createdAt: r.created_at,
          eventReceivedAt: r.received_at,
          event: r.payload.toString('utf8'),
          leaseUntil,
        };
        if (r.input !== null) claimed.input = r.input.toString('utf8');
        return claimed;
      });
    });

    const settleOne = db.transaction((o: DeliveryOutcome, now: number): SettleResult => {
      const dueAt = o.next.status === 'pending' ? Math.ceil(o.next.dueAt) : now;
      const changed = this.#settleOne.run(o.next.status, dueAt, o.attempts, o.lastError ?? null, now, o.id, o.owner, o.leaseUntil).changes;
      if (changed === 0) return { applied: false };
      // A first attempt that succeeded has no story to tell; the history is for deliveries that failed at least once.
      if (o.attempt && !(o.attempt.ok && o.attempt.attempt === 1)) {
        const a = o.attempt;
        this.#insertAttempt.run(o.id, a.attempt, a.at, Math.round(a.durationMs), a.ok ? 1 : 0, a.errorCode ?? null, a.errorMessage ?? null, a.status ?? null, a.body ?? null);
      }
      for (const f of o.followUps ?? []) this.#writeFollowUp(f, now);
      const result: SettleResult = { applied: true };
      if (o.deadLetter) {
        if (insertMessage?.(o.deadLetter.message)) result.deadLetter = 'queued';
        else {
          this.#writeFallback({ deliveryId: o.id, queueArn: o.deadLetter.queueArn, reason: `The dead-letter queue ${o.deadLetter.queueArn} does not exist.`, body: o.deadLetter.message.body, attributes: o.deadLetter.attributes, at: now });
          result.deadLetter = 'fallback';
        }
      } else if (o.fallback) {
        this.#writeFallback(o.fallback);
        result.deadLetter = 'fallback';
      }
      return result;
    });
    // Each outcome runs in its own savepoint: one that cannot be written (a bug, a constraint) is reported alone
    // and its delivery falls due again when its lease ends, while the others in the group still commit.
    this.#settleTx = db.transaction((outcomes: DeliveryOutcome[], now: number): SettleResult[] =>
      outcomes.map((o) => {
        try {
          return settleOne(o, now);
        } catch (error) {
          if (!db.inTransaction) throw error;
          return { applied: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  claim(now: number, owner: string, leaseUntil: number, limit: number, skipTargets: readonly string[]): ClaimedDelivery[] {
    return this.#claimTx.immediate(now, owner, leaseUntil, limit, JSON.stringify(skipTargets));
  }

  nextDueAt(): number | undefined {
    return this.#nextDue.get() ?? undefined;
  }

  settle(outcomes: DeliveryOutcome[], now: number): SettleResult[] {
    return this.#settleTx.immediate(outcomes, now);
  }

  release(ids: readonly string[], owner: string, now: number): void {
    for (const id of ids) this.#release.run(now, now, id, owner);
  }

  history(deliveryId: string): AttemptRecord[] {
    return this.#history.all(deliveryId).map((r) => {
      const a: AttemptRecord = { attempt: r.attempt, at: r.at, durationMs: r.duration_ms, ok: r.ok === 1 };
      if (r.error_code !== null) a.errorCode = r.error_code;
      if (r.error_message !== null) a.errorMessage = r.error_message;
      if (r.status !== null) a.status = r.status;
      if (r.body !== null) a.body = r.body;
      return a;
    });
  }

  fallbacks(limit: number): FallbackDeadLetter[] {
    return this.#fallbacks.all(limit).map((r) => {
      const f: FallbackDeadLetter = { deliveryId: r.delivery_id, reason: r.reason, body: r.body.toString('utf8'), attributes: JSON.parse(r.attributes) as Record<string, string>, at: r.at };
      if (r.queue_arn !== null) f.queueArn = r.queue_arn;
      return f;
    });
  }

  #writeFollowUp(f: FollowUpDelivery, now: number): void {
    const seq = this.#eventSeq.get(f.eventId);
    if (seq === undefined) throw new Error(`follow-up delivery refers to unknown event ${f.eventId}`);
    this.#insertFollowUp(f, seq, now);
  }

  #writeFallback(f: FallbackDeadLetter): void {
    this.#insertFallback.run(f.deliveryId, f.queueArn ?? null, f.reason, Buffer.from(f.body, 'utf8'), JSON.stringify(f.attributes), f.at);
  }
}
