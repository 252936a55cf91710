/**
 * Time-ordered identifiers. A B-tree index on random ids dirties a different page for every insert, which made
 * ingest several times slower than on ids that grow with time; so both the ids the store makes (deliveries) and
 * the ones it recommends to services (events) grow with time.
 *
 * Delivery ids: ULID-shaped (26 Crockford base32 characters: 10 of milliseconds, 16 of uniqueness), so they sort
 * by creation time and a primary-key index on them only ever appends. Cheaper than a random ULID per id: the
 * uniqueness part is a random per-generator prefix plus a counter, which also keeps ids from one generator
 * strictly increasing.
 */
import { randomBytes, randomUUID } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(value: number, length: number): string {
  let out = '';
  // Division rather than bit shifts: the values exceed 32 bits.
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

export class IdGenerator {
  readonly #node = encode(randomBytes(5).readUIntBE(0, 5), 8);
  #lastTime = -1;
  #timePart = '';
  #counter = 0;

  /** A new id stamped with `now` (ms), or with the latest time seen so far if the clock stepped back. */
  next(now: number): string {
    if (now > this.#lastTime) {
      this.#lastTime = now;
      this.#timePart = encode(now, 10);
    }
    // 40 bits of counter: wraps only after a trillion ids from one generator.
    const id = this.#timePart + this.#node + encode(this.#counter, 8);
    this.#counter = (this.#counter + 1) % 2 ** 40;
    return id;
  }
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of milliseconds, then random bits. It is still a UUID, as EventBridge
 * event ids are, but it keeps the events table's id index append-mostly. Services should mint event ids with it.
 */
export function timeOrderedUuid(now: number): string {
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  // randomUUID is a version 4 UUID: keep its random bits and RFC variant, replace the time field and version digit.
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
