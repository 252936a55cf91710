/**
 * The delivery engine's statements on the main connection: finish what the writer thread claimed (its queries run
 * there: delivery-writes.ts, which also opens the events with data keys given from here), settle outcomes that write more than a state (attempt record, dead letter or
 * fallback, follow-ups) in one transaction each, give leases back, read histories and fallbacks. Payloads are
 * opened here, where the keyring is, and sealed as outcomes are written (src/store/sealing.ts).
 */
import type Database from 'better-sqlite3';
import { KeyError } from '../../keys/errors.js';
import { openWith, type Sealer } from '../../keys/sealer.js';
import {
  deadLetterKeyUnusable,
  deadLetterQueueMissing,
  KEY_UNUSABLE_RETRY_MS,
  type AttemptRecord,
  type ClaimedDelivery,
  type DeliveryKind,
  type DeliveryOutcome,
  type FallbackDeadLetter,
  type FollowUpDelivery,
  type SettleResult,
} from '../deliveries.js';
import type { IdGenerator } from '../ids.js';
import type { NewQueueMessage } from '../queues.js';
import { MAILROOM_DATA_KEY, openFallbackAttributes, openOptional, openText, sealAttempt, sealFallback, sealInput, sealOptional, sealText } from '../sealing.js';
import { CLAIM_NUMBERS, CLAIM_STRINGS, type PackedClaim } from './delivery-protocol.js';
import type { ThreadKeys } from './thread-keys.js';

/** A claimed delivery whose event or input could not be opened, and why. */
export interface Unopenable {
  rowid: number;
  reason: string;
}

interface AttemptRow {
  attempt: number;
  at: number;
  duration_ms: number;
  ok: number;
  error_code: string | null;
  error_message: Buffer | null;
  status: number | null;
  body: Buffer | null;
  key_id: string | null;
}

interface FallbackRow {
  delivery_id: string;
  queue_arn: string | null;
  reason: string;
  body: Buffer;
  attributes: Buffer;
  at: number;
  key_id: string | null;
}

/** Appends a message to a queue inside the caller's transaction; false when the queue does not exist. */
export type InsertQueueMessage = (message: NewQueueMessage) => boolean;

/**
 * An insert of a pending delivery that is not an event's first fan-out (a follow-up, a redrive), for use inside
 * any transaction on `db`; returns the new delivery's id.
 */
export function prepareFollowUpInsert(db: Database.Database, ids: IdGenerator, sealer: Sealer): (f: FollowUpDelivery, event: StoredEventKey, now: number) => string {
  const insert = db.prepare<[string, number, string, string, string, string, string, string, string, number, number, number, Buffer | null, string | null]>(
    `INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, kind, status, attempts, due_at,
                             created_at, updated_at, input, key_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)`,
  );
  return (f, event, now) => {
    const id = ids.next(now);
    const input = f.input === undefined ? undefined : sealInput(sealer, f.input, event.key_id);
    insert.run(id, event.seq, f.eventId, f.bus, f.ruleName, f.ruleArn, f.targetId, f.targetArn, f.kind, f.dueAt, now, now, input?.blob ?? null, input?.keyId ?? null);
    return id;
  };
}

/** An event's row as a follow-up delivery needs it: where it is, and the key its payload is sealed under. */
export interface StoredEventKey {
  seq: number;
  key_id: string | null;
}

export class Deliveries {
  readonly #nextDue;
  readonly #settleOne;
  readonly #settleByRow;
  readonly #insertAttempt;
  readonly #insertFallback;
  readonly #eventSeq;
  readonly #insertFollowUp;
  readonly #release;
  readonly #history;
  readonly #fallbacks;
  readonly #settleTx;
  readonly #defer;

  constructor(
    db: Database.Database,
    private readonly ids: IdGenerator,
    insertMessage: InsertQueueMessage | undefined,
    private readonly sealer: Sealer,
    private readonly threadKeys: ThreadKeys,
  ) {
    this.#nextDue = db.prepare<[], number | null>("SELECT min(due_at) FROM deliveries WHERE status = 'pending'").pluck();
    // The last error goes to the sealed column; last_error holds only the plaintext of rows from before sealing.
    this.#settleOne = db.prepare<[string, number, number, Buffer | null, number, string, string, number]>(
      `UPDATE deliveries SET status = ?, due_at = ?, attempts = ?, error = ?, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND lease_owner = ? AND lease_until = ? AND status = 'pending'`,
    );
    // The same by the rowid the claim handed out: a lookup by rowid rather than through the id's index, which
    // measured about 40% cheaper per settle; the id is still checked, in case the rowid now names another row.
    this.#settleByRow = db.prepare<[string, number, number, Buffer | null, number, number, string, string, number]>(
      `UPDATE deliveries SET status = ?, due_at = ?, attempts = ?, error = ?, last_error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE rowid = ? AND id = ? AND lease_owner = ? AND lease_until = ? AND status = 'pending'`,
    );
    this.#insertAttempt = db.prepare<[string, number, number, number, number, string | null, Buffer | null, number | null, Buffer | null, string]>(
      `INSERT OR REPLACE INTO delivery_attempts (delivery_id, attempt, at, duration_ms, ok, error_code, error_message, status, body, key_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#insertFallback = db.prepare<[string, string | null, string, Buffer, Buffer, number, string]>(
      'INSERT INTO dead_letter_fallback (delivery_id, queue_arn, reason, body, attributes, at, key_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.#eventSeq = db.prepare<[string], StoredEventKey>('SELECT seq, key_id FROM events WHERE id = ?');
    this.#insertFollowUp = prepareFollowUpInsert(db, ids, sealer);
    // Gives a claimed delivery back, put off, with the reason as its last error (see open).
    this.#defer = db.prepare<[number, Buffer, number, number, string, number]>(
      `UPDATE deliveries SET due_at = ?, error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE rowid = ? AND lease_owner = ? AND lease_until = ? AND status = 'pending'`,
    );
    this.#release = db.prepare<[number, number, string, string]>(
      `UPDATE deliveries SET due_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
       WHERE id = ? AND lease_owner = ? AND status = 'pending'`,
    );
    this.#history = db.prepare<[string], AttemptRow>(
      'SELECT attempt, at, duration_ms, ok, error_code, error_message, status, body, key_id FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt',
    );
    this.#fallbacks = db.prepare<[number], FallbackRow>(
      'SELECT delivery_id, queue_arn, reason, body, attributes, at, key_id FROM dead_letter_fallback ORDER BY seq DESC LIMIT ?',
    );

    // The outcome's new state: one statement, which SQLite undoes by itself if it fails. False when the lease fence
    // did not hold.
    const setState = (o: DeliveryOutcome, now: number): boolean => {
      const dueAt = o.next.status === 'pending' ? Math.ceil(o.next.dueAt) : now;
      const error = sealOptional(sealer, o.lastError);
      return (
        o.rowRef === undefined
          ? this.#settleOne.run(o.next.status, dueAt, o.attempts, error, now, o.id, o.owner, o.leaseUntil)
          : this.#settleByRow.run(o.next.status, dueAt, o.attempts, error, now, o.rowRef, o.id, o.owner, o.leaseUntil)
      ).changes > 0;
    };
    const settleOne = db.transaction((o: DeliveryOutcome, now: number): SettleResult => {
      if (!setState(o, now)) return { applied: false };
      if (o.attempt && hasHistory(o.attempt)) {
        const a = o.attempt;
        const sealed = sealAttempt(sealer, a);
        this.#insertAttempt.run(o.id, a.attempt, a.at, Math.round(a.durationMs), a.ok ? 1 : 0, a.errorCode ?? null, sealed.errorMessage, a.status ?? null, sealed.body, sealed.keyId);
      }
      for (const f of o.followUps ?? []) this.#writeFollowUp(f, now);
      const result: SettleResult = { applied: true };
      if (o.deadLetter) {
        const refused = this.#queueDeadLetter(insertMessage, o.deadLetter.message, o.deadLetter.queueArn);
        if (refused === undefined) result.deadLetter = 'queued';
        else {
          this.#writeFallback({ deliveryId: o.id, queueArn: o.deadLetter.queueArn, reason: refused, body: o.deadLetter.message.body, attributes: o.deadLetter.attributes, at: now });
          result.deadLetter = 'fallback';
        }
      } else if (o.fallback) {
        this.#writeFallback(o.fallback);
        result.deadLetter = 'fallback';
      }
      return result;
    });
    // Each outcome runs in its own savepoint: one that cannot be written (a bug, a constraint) is reported alone
    // and its delivery falls due again when its lease ends, while the others in the group still commit. An outcome
    // that is only a state change (most are: a first attempt that succeeded) is one statement and needs no
    // savepoint, which measured a third of its cost.
    this.#settleTx = db.transaction((outcomes: DeliveryOutcome[], now: number): SettleResult[] =>
      outcomes.map((o) => {
        try {
          if (isStateOnly(o)) return { applied: setState(o, now) };
          return settleOne(o, now);
        } catch (error) {
          if (!db.inTransaction) throw error;
          return { applied: false, error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  }

  /**
   * The deliveries of a claim the writer thread made (delivery-writes.ts), their event and input opened. Those whose
   * KMS key cannot be used (disabled, pending deletion) are left out, for `defer`.
   */
  open({ strings, numbers, blobs }: PackedClaim, leaseUntil: number): { claimed: ClaimedDelivery[]; unopenable: Unopenable[] } {
    const claimed: ClaimedDelivery[] = [];
    const unopenable: Unopenable[] = [];
    const bytes = Buffer.from(blobs.buffer, blobs.byteOffset, blobs.byteLength);
    let at = 0;
    for (let s = 0, n = 0; s < strings.length; s += CLAIM_STRINGS, n += CLAIM_NUMBERS) {
      const payloadEnd = at + numbers[n + 4];
      const payload = bytes.subarray(at, payloadEnd);
      const inputLength = numbers[n + 5];
      const sealedInput = inputLength < 0 ? null : bytes.subarray(payloadEnd, payloadEnd + inputLength);
      at = payloadEnd + Math.max(inputLength, 0);
      const rowid = numbers[n];
      let event: string;
      let input: string | undefined;
      try {
        if (numbers[n + 6] === 1) {
          event = strings[s + 10];
          input = inputLength < 0 ? undefined : strings[s + 11];
        } else {
          event = this.#openForThread(payload, strings[s + 8] || null);
          input = sealedInput === null ? undefined : this.#openForThread(sealedInput, strings[s + 9] || null);
        }
      } catch (err) {
        if (!(err instanceof KeyError)) throw err;
        // A key this process has not loaded may be another process's new key.
        if (err.reason === 'not-found') void this.sealer.keyring.reload().catch(() => undefined);
        unopenable.push({ rowid, reason: err.message });
        continue;
      }
      const delivery: ClaimedDelivery = {
        id: strings[s],
        kind: strings[s + 1] as DeliveryKind,
        eventId: strings[s + 2],
        bus: strings[s + 3],
        ruleName: strings[s + 4],
        ruleArn: strings[s + 5],
        targetId: strings[s + 6],
        targetArn: strings[s + 7],
        attempts: numbers[n + 1],
        createdAt: numbers[n + 2],
        eventReceivedAt: numbers[n + 3],
        event,
        leaseUntil,
        rowRef: rowid,
      };
      if (input !== undefined) delivery.input = input;
      claimed.push(delivery);
    }
    return { claimed, unopenable };
  }

  /** Opens a column the writer thread could not, and hands its data key to the thread for the next claims. */
  #openForThread(blob: Buffer, keyId: string | null): string {
    if (keyId === null) return blob.toString('utf8');
    const opening = this.sealer.openingKey(blob);
    const plaintext = openWith(opening.key, blob, opening.head.length).toString('utf8');
    this.threadKeys.learn(opening);
    return plaintext;
  }

  /** Puts claimed deliveries that cannot be opened off by KEY_UNUSABLE_RETRY_MS, pending, never lost. */
  defer(unopenable: Unopenable[], owner: string, leaseUntil: number, now: number): void {
    for (const { rowid, reason } of unopenable) {
      const error = sealText(this.sealer, MAILROOM_DATA_KEY, `The event cannot be opened: ${reason}`).blob;
      this.#defer.run(now + KEY_UNUSABLE_RETRY_MS, error, now, rowid, owner, leaseUntil);
    }
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
      const errorMessage = openOptional(this.sealer, r.error_message, r.key_id);
      const body = openOptional(this.sealer, r.body, r.key_id);
      if (r.error_code !== null) a.errorCode = r.error_code;
      if (errorMessage !== undefined) a.errorMessage = errorMessage;
      if (r.status !== null) a.status = r.status;
      if (body !== undefined) a.body = body;
      return a;
    });
  }

  fallbacks(limit: number): FallbackDeadLetter[] {
    return this.#fallbacks.all(limit).map((r) => {
      const f: FallbackDeadLetter = {
        deliveryId: r.delivery_id,
        reason: r.reason,
        body: openText(this.sealer, r.body, r.key_id),
        attributes: openFallbackAttributes(this.sealer, r.attributes, r.key_id),
        at: r.at,
      };
      if (r.queue_arn !== null) f.queueArn = r.queue_arn;
      return f;
    });
  }

  /** Appends a dead letter to its queue; returns why not when the queue is missing or its KMS key refuses it. */
  #queueDeadLetter(insertMessage: InsertQueueMessage | undefined, message: NewQueueMessage, queueArn: string): string | undefined {
    try {
      return insertMessage?.(message) ? undefined : deadLetterQueueMissing(queueArn);
    } catch (err) {
      // Sealing fails before anything is written: the dead letter is kept in the fallback store instead of lost.
      if (err instanceof KeyError) return deadLetterKeyUnusable(queueArn, err);
      throw err;
    }
  }

  #writeFollowUp(f: FollowUpDelivery, now: number): void {
    const event = this.#eventSeq.get(f.eventId);
    if (event === undefined) throw new Error(`follow-up delivery refers to unknown event ${f.eventId}`);
    this.#insertFollowUp(f, event, now);
  }

  #writeFallback(f: FallbackDeadLetter): void {
    const sealed = sealFallback(this.sealer, f);
    this.#insertFallback.run(f.deliveryId, f.queueArn ?? null, f.reason, sealed.body, sealed.attributes, f.at, sealed.keyId);
  }
}

/** A first attempt that succeeded has no story to tell; the history is for deliveries that failed at least once. */
function hasHistory(a: AttemptRecord): boolean {
  return !(a.ok && a.attempt === 1);
}

/** The outcome writes nothing but the delivery's new state. */
function isStateOnly(o: DeliveryOutcome): boolean {
  return !(o.attempt && hasHistory(o.attempt)) && !o.followUps?.length && !o.deadLetter && !o.fallback;
}

/** The outcome writes nothing but the delivery's new state, unsealed, by its row: the writer thread settles it. */
export function settlesOnThread(o: DeliveryOutcome): boolean {
  return o.rowRef !== undefined && o.lastError === undefined && isStateOnly(o);
}
