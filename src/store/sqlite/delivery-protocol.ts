/**
 * How the delivery engine's claims and plain settles cross to the SQLite writer thread and back (see
 * delivery-writes.ts, which runs them there, and SqliteStore, which sends them with ingest's groups).
 *
 * Claimed rows come back as parallel arrays (strings, numbers) and one buffer holding every row's sealed payload
 * and input: one structured clone per claim, no property names, no per-row buffers. The payloads stay sealed on
 * the way: the main thread, which owns the keyring and so the KMS keys' states, opens them (Deliveries.open).
 * Settles travel the same way, and only outcomes that write nothing but the delivery's new state do (a first
 * attempt that succeeded, most of them): those that write an attempt record, a dead letter or follow-ups are
 * sealed and settled on the main connection as before.
 */
import type { ClaimRequest, DeliveryOutcome } from '../deliveries.js';
import type { WireError } from './wire-error.js';

/**
 * A claim's rows. Per row, strings: id, kind, eventId, bus, ruleName, ruleArn, targetId, targetArn, the event's
 * key id and the input's ('' for none: a plaintext column), then the event and the input opened ('' when not);
 * numbers: rowid, attempts, createdAt, the event's receivedAt, the sealed payload's length and the sealed input's
 * (-1 for no input), and 1 when the thread opened them (the lengths are then 0: nothing is in `blobs`), else 0.
 * `blobs` holds the payload then the input of each row the thread could not open, for the main thread to.
 */
export interface PackedClaim {
  strings: string[];
  numbers: number[];
  blobs: Uint8Array;
}

export const CLAIM_STRINGS = 12;
export const CLAIM_NUMBERS = 7;

/** Per outcome, strings: status, id, owner; numbers: dueAt (pending only, else 0), attempts, rowRef, leaseUntil. */
export interface PackedSettle {
  strings: string[];
  numbers: number[];
}

/** Delivery work riding along with one ingest group (in a ThreadWork, which carries the keys to open with). */
export interface DeliveryWork {
  claims: ClaimRequest[];
  settle?: PackedSettle;
}

/** The thread's answers, in the order of the work: a claim's rows or why it failed; per settled outcome 1 (applied), 0 (lease lost) or the error. */
export interface DeliveryReply {
  claims: (PackedClaim | WireError)[];
  settled?: (0 | 1 | WireError)[] | WireError;
}

export function packSettle(outcomes: DeliveryOutcome[]): PackedSettle {
  const strings: string[] = [];
  const numbers: number[] = [];
  for (const o of outcomes) {
    strings.push(o.next.status, o.id, o.owner);
    numbers.push(o.next.status === 'pending' ? Math.ceil(o.next.dueAt) : 0, o.attempts, o.rowRef!, o.leaseUntil);
  }
  return { strings, numbers };
}
