/**
 * Numeric-range conditions of one field, indexed so a number finds the ranges containing it in O(log n + hits)
 * rather than by testing every range. The distinct range bounds, sorted, cut the number line into elementary
 * segments (each gap between two bounds, and each bound itself, since bounds may be open or closed); a segment
 * tree over those segments stores every range in the O(log n) nodes that exactly cover it. A lookup binary-
 * searches the segment and reports the ranges stored on the path from its leaf to the root.
 *
 * Lookups are shaped around cache misses, which dominate with 100,000 ranges: the bound search first goes
 * through a small summary of every 32nd bound, and each segment and tree node links to its nearest non-empty
 * ancestor, so the walk to the root reads only the nodes holding ranges rather than every level.
 *
 * The tree is rebuilt from scratch (O(n log n)) on the first lookup after any add or remove. Why not update it
 * in place: a new bound splits segments and shifts every leaf after it, and rule changes are rare next to
 * events, so a lazy rebuild of just this field keeps the code simple and bulk loads cheap. Few ranges are
 * simply scanned.
 */
import { Bag } from './bag.js';
import { NUMERIC_LIMIT, inNumericRange, type Condition } from './conditions.js';
import type { IndexEntry } from './rule-state.js';

type Range = Condition & { kind: 'numeric' };

/** Below this many ranges a linear scan is as fast as a lookup, and nothing needs rebuilding. */
const INDEX_FROM = 16;
/** One bound in this many goes into the summary searched first. */
const BLOCK = 32;

export class RangeIndex {
  private readonly entries = new Bag<IndexEntry>();
  /** Sorted distinct bounds; null when stale. Segment 2i is the gap below bounds[i], 2i+1 is bounds[i] itself. */
  private bounds: Float64Array | null = null;
  /** bounds[0], bounds[BLOCK], bounds[2 * BLOCK], ... */
  private summary = new Float64Array(0);
  /** Leaves start here in the implicit tree (node i has children 2i and 2i+1; the root is 1). */
  private base = 0;
  /** The ranges stored at node i are stored[offsets[i]] up to stored[offsets[i + 1]]. */
  private offsets = new Int32Array(0);
  private stored: IndexEntry[] = [];
  /** The nearest proper ancestor of node i that stores ranges, or 0. */
  private up = new Int32Array(0);
  /** For segment i: its leaf if that stores ranges, else the leaf's `up` (one read instead of two). */
  private first = new Int32Array(0);

  get size(): number {
    return this.entries.size;
  }

  add(entry: IndexEntry): void {
    this.entries.add(entry);
    this.invalidate();
  }

  remove(entry: IndexEntry): void {
    this.entries.remove(entry);
    this.invalidate();
  }

  private invalidate(): void {
    this.bounds = null;
    this.summary = new Float64Array(0);
    this.offsets = new Int32Array(0);
    this.stored = [];
    this.up = new Int32Array(0);
    this.first = new Int32Array(0);
  }

  /** Calls `visit` for every range containing `n`. */
  forEachMatch(n: number, visit: (entry: IndexEntry) => void): void {
    const items = this.entries.items;
    if (items.length < INDEX_FROM) {
      for (let i = 0; i < items.length; i++) if (inNumericRange(items[i].condition as Range, n)) visit(items[i]);
      return;
    }
    if (!(n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT)) return;
    const bounds = this.bounds ?? this.build();
    // The first bound >= n lies after the previous summary block's start and at most at the next one's.
    const b = lowerBound(this.summary, n, 0, this.summary.length);
    const i = lowerBound(bounds, n, Math.max(0, (b - 1) * BLOCK), Math.min(b * BLOCK, bounds.length));
    const { offsets, stored, up } = this;
    for (let node = this.first[bounds[i] === n ? 2 * i + 1 : 2 * i]; node !== 0; node = up[node]) {
      for (let j = offsets[node], end = offsets[node + 1]; j < end; j++) visit(stored[j]);
    }
  }

  private build(): Float64Array {
    const items = this.entries.items;
    const all = new Float64Array(2 * items.length);
    items.forEach((e, i) => {
      const c = e.condition as Range;
      all[2 * i] = c.lo;
      all[2 * i + 1] = c.hi;
    });
    all.sort();
    let k = 0;
    for (let i = 0; i < all.length; i++) if (k === 0 || all[i] !== all[k - 1]) all[k++] = all[i];
    const bounds = all.slice(0, k);
    let base = 1;
    while (base < 2 * k + 1) base *= 2;
    // Two passes over the canonical cover of each range: count per node, then place (a compact CSR layout).
    const counts = new Int32Array(2 * base + 1);
    this.cover(bounds, base, (node) => counts[node + 1]++);
    for (let i = 1; i < counts.length; i++) counts[i] += counts[i - 1];
    const stored = new Array<IndexEntry>(counts[counts.length - 1]);
    const fill = counts.slice();
    this.cover(bounds, base, (node, entry) => (stored[fill[node]++] = entry));
    const up = new Int32Array(2 * base);
    for (let node = 2; node < 2 * base; node++) {
      const parent = node >>> 1;
      up[node] = counts[parent] < counts[parent + 1] ? parent : up[parent];
    }
    const first = new Int32Array(2 * k + 1);
    for (let i = 0; i < first.length; i++) first[i] = counts[base + i] < counts[base + i + 1] ? base + i : up[base + i];
    this.summary = bounds.filter((_, i) => i % BLOCK === 0);
    this.up = up;
    this.first = first;
    this.base = base;
    this.offsets = counts;
    this.stored = stored;
    this.bounds = bounds;
    return bounds;
  }

  /** Calls `at` with every tree node in the canonical cover of each range's segments. */
  private cover(bounds: Float64Array, base: number, at: (node: number, entry: IndexEntry) => unknown): void {
    for (const entry of this.entries.items) {
      const c = entry.condition as Range;
      const first = 2 * lowerBound(bounds, c.lo, 0, bounds.length) + (c.loOpen ? 2 : 1);
      const last = 2 * lowerBound(bounds, c.hi, 0, bounds.length) + (c.hiOpen ? 0 : 1);
      for (let l = first + base, r = last + base + 1; l < r; l >>>= 1, r >>>= 1) {
        if (l & 1) at(l++, entry);
        if (r & 1) at(--r, entry);
      }
    }
  }
}

/** The index of the first element of `sorted[lo..hi)` that is not less than `n` (hi if none). */
function lowerBound(sorted: Float64Array, n: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
