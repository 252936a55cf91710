/**
 * Delivery ids: ULID-shaped (26 Crockford base32 characters: 10 of milliseconds, 16 of uniqueness), so they sort
 * by creation time and a primary-key index on them only ever appends. Cheaper than a random ULID per id: the
 * uniqueness part is a random per-generator prefix plus a counter, which also keeps ids from one generator
 * strictly increasing.
 */
import { randomBytes } from 'node:crypto';

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
