/**
 * A small approximate-membership filter (a blocked Bloom filter) in front of a large Map. With tens of thousands
 * of keys, a V8 Map lookup that misses still walks a bucket chain and dereferences the stored key strings, which
 * costs several cache misses per lookup once the table no longer fits in cache (the per-event garbage of the
 * scanner keeps evicting it). Most event values match no rule, so BagMap asks this filter first: a lookup reads
 * one 32-bit word from an array of 2 to 8 bytes per key, and for a value that is not a key answers "absent"
 * about 98% of the time.
 */

/** Keys are hashed over at most this many characters (both ends of longer strings), bounding the cost. */
const HASHED_CHARS = 32;

const floatView = new Float64Array(1);
const floatBits = new Int32Array(floatView.buffer);

/** A well-mixed 32-bit hash of a Map key (string, number, boolean or null); equal keys get equal hashes. */
export function hashKey(key: unknown): number {
  let h = 0x811c9dc5;
  if (typeof key === 'string') {
    const n = key.length;
    h ^= n;
    if (n <= HASHED_CHARS) {
      for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    } else {
      const half = HASHED_CHARS / 2;
      for (let i = 0; i < half; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      for (let i = n - half; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    }
  } else if (typeof key === 'number') {
    // Map keys compare with SameValueZero: 0 and -0 are the same key, so integers (including -0) hash as such.
    if ((key | 0) === key) h = Math.imul(h ^ (key | 0), 0x01000193);
    else {
      floatView[0] = key;
      h = Math.imul(Math.imul(h ^ floatBits[0], 0x01000193) ^ floatBits[1], 0x01000193);
    }
  } else h ^= key === true ? 1 : key === false ? 2 : 3;
  // murmur3's finalizer: the filter takes bits from all over the hash.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class KeyFilter {
  private readonly words: Int32Array;
  private readonly mask: number;
  /** Keys added; past two per word the false-positive rate climbs, so the owner rebuilds a larger filter. */
  private added = 0;
  /**
   * Keys removed since the build. Bits cannot be cleared (another key may share them), so a removed key only
   * costs a wasted Map lookup; the owner rebuilds once these outnumber the live keys.
   */
  private removed = 0;

  /** A filter holding `keys`, of which there are `count`, with room to grow to twice as many. */
  constructor(keys: Iterable<unknown>, count: number) {
    let size = 64;
    while (size < count) size *= 2;
    this.words = new Int32Array(size);
    this.mask = size - 1;
    for (const key of keys) this.add(key);
  }

  /** Adds a key; returns false once the filter is too full to be useful (rebuild it). */
  add(key: unknown): boolean {
    const h = hashKey(key);
    this.words[(h >>> 10) & this.mask] |= (1 << (h & 31)) | (1 << ((h >>> 5) & 31));
    return ++this.added <= 2 * this.words.length;
  }

  /** Notes a key's removal; returns false once stale keys dominate (rebuild it). */
  remove(): boolean {
    return ++this.removed <= this.added - this.removed;
  }

  /** False means the key is certainly absent. */
  mayContain(key: unknown): boolean {
    const h = hashKey(key);
    const bits = (1 << (h & 31)) | (1 << ((h >>> 5) & 31));
    return (this.words[(h >>> 10) & this.mask] & bits) === bits;
  }
}
