/**
 * Numeric-range conditions of one field, indexed so a number finds the ranges containing it in O(log n + hits)
 * rather than by testing every range. The distinct range bounds, sorted, cut the number line into elementary
 * segments (each gap between two bounds, and each bound itself, since bounds may be open or closed); a segment
 * tree over those segments stores every range in the O(log n) nodes that exactly cover it. A lookup binary-
 * searches the segment and reports the ranges stored on the path from its leaf to the root.
 *
 * With 100,000 ranges, lookups are dominated by mispredicted branches and cache misses, so the bound search is
 * branch-free (V8 compiles its select to a conditional move), and each segment and tree node links to its
 * nearest non-empty ancestor, so the walk to the root reads only the nodes holding ranges, not every level.
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

/** The built index; see the file comment. */
interface Tree {
  /** Sorted distinct bounds. Segment 2i is the gap below bounds[i], 2i+1 is bounds[i] itself. */
  readonly bounds: Float64Array;
  /** For segment i: its leaf node if that stores ranges, else the leaf's nearest ancestor that does, or 0. */
  readonly first: Int32Array;
  /** For node i (the root is 1, its children 2i and 2i+1): the nearest proper ancestor storing ranges, or 0. */
  readonly up: Int32Array;
  /** The ranges stored at node i are stored[offsets[i]] up to stored[offsets[i + 1]]. */
  readonly offsets: Int32Array;
  readonly stored: readonly IndexEntry[];
}

export class RangeIndex {
  private readonly entries = new Bag<IndexEntry>();
  /** null when stale. */
  private tree: Tree | null = null;

  get size(): number {
    return this.entries.size;
  }

  add(entry: IndexEntry): void {
    this.entries.add(entry);
    this.tree = null;
  }

  remove(entry: IndexEntry): void {
    this.entries.remove(entry);
    this.tree = null;
  }

  /** Calls `visit` for every range containing `n`. */
  forEachMatch(n: number, visit: (entry: IndexEntry) => void): void {
    const items = this.entries.items;
    if (items.length < INDEX_FROM) {
      for (let i = 0; i < items.length; i++) if (inNumericRange(items[i].condition as Range, n)) visit(items[i]);
      return;
    }
    if (!(n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT)) return;
    const { bounds, first, up, offsets, stored } = (this.tree ??= build(items));
    const i = lowerBound(bounds, n);
    for (let node = first[bounds[i] === n ? 2 * i + 1 : 2 * i]; node !== 0; node = up[node]) {
      for (let j = offsets[node], end = offsets[node + 1]; j < end; j++) visit(stored[j]);
    }
  }
}

function build(items: readonly IndexEntry[]): Tree {
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
  const offsets = new Int32Array(2 * base + 1);
  cover(items, bounds, base, (node) => offsets[node + 1]++);
  for (let i = 1; i < offsets.length; i++) offsets[i] += offsets[i - 1];
  const stored = new Array<IndexEntry>(offsets[offsets.length - 1]);
  const fill = offsets.slice();
  cover(items, bounds, base, (node, entry) => (stored[fill[node]++] = entry));
  const holds = (node: number): boolean => offsets[node] < offsets[node + 1];
  const up = new Int32Array(2 * base);
  for (let node = 2; node < 2 * base; node++) up[node] = holds(node >>> 1) ? node >>> 1 : up[node >>> 1];
  const first = new Int32Array(2 * k + 1);
  for (let i = 0; i < first.length; i++) first[i] = holds(base + i) ? base + i : up[base + i];
  return { bounds, first, up, offsets, stored };
}

/** Calls `at` with every tree node in the canonical cover of each range's segments (leaves start at `base`). */
function cover(items: readonly IndexEntry[], bounds: Float64Array, base: number, at: (node: number, entry: IndexEntry) => unknown): void {
  for (const entry of items) {
    const c = entry.condition as Range;
    const first = 2 * lowerBound(bounds, c.lo) + (c.loOpen ? 2 : 1);
    const last = 2 * lowerBound(bounds, c.hi) + (c.hiOpen ? 0 : 1);
    for (let l = first + base, r = last + base + 1; l < r; l >>>= 1, r >>>= 1) {
      if (l & 1) at(l++, entry);
      if (r & 1) at(--r, entry);
    }
  }
}

/** The index of the first element of `sorted` (not empty) that is not less than `n` (its length if none). */
function lowerBound(sorted: Float64Array, n: number): number {
  let at = 0;
  for (let len = sorted.length; len > 1; ) {
    const half = len >>> 1;
    // A select rather than if/else: the outcome is unpredictable, and a mispredicted branch costs more.
    at = sorted[at + half - 1] < n ? at + half : at;
    len -= half;
  }
  return sorted[at] < n ? at + 1 : at;
}
