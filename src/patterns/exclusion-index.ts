/**
 * Anything-but conditions of one field, indexed by what they exclude. An anything-but condition accepts every
 * present value except the ones it excludes, so on a busy field nearly all of them hold for nearly every value;
 * recording those as hits would make every event touch every such rule. Instead this index finds, for one event
 * value, just the conditions that exclude it (a hash lookup for values and ignore-case values, an AffixIndex for
 * prefixes, suffixes and wildcards), and the field records those as vetoes. A use holds when the field has some
 * value it did not veto (see `negativeHolds` in rule-state.ts), which is checked once its sub-rule is otherwise
 * a candidate.
 *
 * The exclusion semantics are exactly `conditionMatches`': only strings and numbers are ever excluded (null and
 * booleans satisfy every anything-but), numbers only by equal numbers, the string kinds only strings.
 */
import { AffixIndex } from './affix-index.js';
import { BagMap, type Slotted } from './bag.js';
import { lowerCase, type Condition } from './conditions.js';
import type { FieldUse, IndexEntry } from './rule-state.js';
import { wildcardMatches, type Wildcard } from './wildcard.js';

/** One excluded key of one use; a condition excluding several keys has one of these per key. */
interface Exclusion extends Slotted {
  readonly use: FieldUse;
  /** For anything-but-wildcard: the pattern, which the key (its leading literal) only pre-selects. */
  readonly wildcard: Wildcard | null;
}

interface Store {
  add(key: string | number, item: Exclusion): void;
  remove(key: string | number, item: Exclusion): unknown;
}

export class ExclusionIndex {
  private readonly values = new BagMap<string | number, Exclusion>();
  private readonly ignoreCase = new BagMap<string, Exclusion>();
  private readonly prefixes = new AffixIndex<Exclusion>(false);
  private readonly suffixes = new AffixIndex<Exclusion>(true);
  private readonly wildcards = new AffixIndex<Exclusion>(false);
  /** Each entry's exclusions, in the order `keys` lists them, for removal. */
  private readonly placed = new Map<IndexEntry, Exclusion[]>();

  private readonly visit: (x: Exclusion) => void;
  private readonly visitWildcard: (x: Exclusion) => void;
  private subject = '';

  /** `veto` is told about every use excluding the value being matched. */
  constructor(veto: (use: FieldUse) => void) {
    this.visit = (x) => veto(x.use);
    this.visitWildcard = (x) => {
      if (wildcardMatches(x.wildcard!, this.subject)) veto(x.use);
    };
  }

  get size(): number {
    return this.placed.size;
  }

  add(entry: IndexEntry): void {
    const placed: Exclusion[] = [];
    for (const [store, key, wildcard] of this.keys(entry.condition)) {
      const x: Exclusion = { use: entry.use, wildcard, slot: -1 };
      store.add(key, x);
      placed.push(x);
    }
    this.placed.set(entry, placed);
  }

  remove(entry: IndexEntry): void {
    const placed = this.placed.get(entry)!;
    this.keys(entry.condition).forEach(([store, key], i) => store.remove(key, placed[i]));
    this.placed.delete(entry);
  }

  /** Vetoes every use whose condition excludes `value`. */
  match(value: unknown): void {
    if (typeof value === 'number') return this.visitAll(this.values.get(value)?.items);
    if (typeof value !== 'string') return;
    this.visitAll(this.values.get(value)?.items);
    if (this.ignoreCase.map.size > 0) this.visitAll(this.ignoreCase.get(lowerCase(value))?.items);
    if (this.prefixes.size > 0) this.prefixes.forEachMatch(value, this.visit);
    if (this.suffixes.size > 0) this.suffixes.forEachMatch(value, this.visit);
    if (this.wildcards.size > 0) {
      this.subject = value;
      this.wildcards.forEachMatch(value, this.visitWildcard);
    }
  }

  private visitAll(items: readonly Exclusion[] | undefined): void {
    if (items) for (let i = 0; i < items.length; i++) this.visit(items[i]);
  }

  private keys(c: Condition): Array<readonly [Store, string | number, Wildcard | null]> {
    switch (c.kind) {
      case 'anything-but': return [...c.values].map((v) => [this.values, v, null] as const);
      case 'anything-but-ignore-case': return [...c.lower].map((v) => [this.ignoreCase, v, null] as const);
      case 'anything-but-prefix': return c.texts.map((t) => [this.prefixes, t, null] as const);
      case 'anything-but-suffix': return c.texts.map((t) => [this.suffixes, t, null] as const);
      case 'anything-but-wildcard': return c.wildcards.map((w) => [this.wildcards, w.segments[0], w] as const);
      default: throw new Error(`not an anything-but condition: ${c.kind}`);
    }
  }
}
