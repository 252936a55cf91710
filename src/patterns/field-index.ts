/**
 * The value index of one field path: given one value of the event at that path, find every rule condition it
 * satisfies without looking at the others. Exact values and equals-ignore-case are hash lookups; prefixes,
 * suffixes and wildcards (by their leading literal) go through AffixIndex; numeric ranges through RangeIndex.
 * Anything-but conditions that are a field's only alternative are not indexed at all: they hold for nearly
 * every value, so marking them would touch every such rule on every event; the matcher checks them against the
 * field's values only for sub-rules that are otherwise candidates. CIDRs (rare) and anything-but conditions
 * listed alongside other alternatives for the same field (rarer) are scanned one by one.
 */
import { AffixIndex } from './affix-index.js';
import { Bag, BagMap } from './bag.js';
import { cidrContains, looksLikeIp, parseIp } from './cidr.js';
import { conditionMatches, lowerCase } from './conditions.js';
import { RangeIndex } from './range-index.js';
import { recordHit, type ArrayTrail, type FieldSlot, type IndexEntry, type MatchContext, type SubRule } from './rule-state.js';
import { wildcardMatches } from './wildcard.js';

export class FieldIndex implements FieldSlot {
  seen = 0;
  readonly values: unknown[] = [];
  readonly trails: Array<ArrayTrail | null> = [];
  inArray = false;
  /** Number of index entries plus field uses without entries; the tree drops the path when it reaches 0. */
  refs = 0;

  private readonly exactStrings = new BagMap<string, IndexEntry>();
  private readonly exactNumbers = new BagMap<number, IndexEntry>();
  private readonly exactOthers = new BagMap<boolean | null, IndexEntry>();
  private readonly ignoreCase = new BagMap<string, IndexEntry>();
  private readonly prefixes = new AffixIndex<IndexEntry>(false);
  private readonly prefixesIgnoreCase = new AffixIndex<IndexEntry>(false);
  private readonly suffixes = new AffixIndex<IndexEntry>(true);
  private readonly suffixesIgnoreCase = new AffixIndex<IndexEntry>(true);
  /** Wildcards bucketed by the literal text before their first star, so most are never tried. */
  private readonly wildcards = new AffixIndex<IndexEntry>(false);
  private readonly ranges = new RangeIndex();
  private readonly cidrs = new Bag<IndexEntry>();
  /** Entries of negative uses, which are checked on candidates and need every value of the field kept. */
  private negatives = 0;
  /** Anything-but conditions listed with other alternatives for the same field: scanned, recording hits. */
  private readonly negations = new Bag<IndexEntry>();
  private readonly exists = new Bag<IndexEntry>();
  private readonly triggers = new Bag<SubRule>();

  private readonly hit: (entry: IndexEntry) => void;
  private readonly hitWildcard: (entry: IndexEntry) => void;
  private wildcardSubject = '';

  constructor(private readonly ctx: MatchContext) {
    this.hit = (entry) => recordHit(ctx, entry.use);
    this.hitWildcard = (entry) => {
      if (entry.condition.kind === 'wildcard' && wildcardMatches(entry.condition.wildcard, this.wildcardSubject)) {
        recordHit(ctx, entry.use);
      }
    };
  }

  add(entry: IndexEntry): void {
    this.refs++;
    const c = entry.condition;
    if (entry.use.negative) {
      this.negatives++;
      return;
    }
    switch (c.kind) {
      case 'exact':
        if (typeof c.value === 'string') this.exactStrings.add(c.value, entry);
        else if (typeof c.value === 'number') this.exactNumbers.add(c.value, entry);
        else this.exactOthers.add(c.value, entry);
        return;
      case 'equals-ignore-case': return this.ignoreCase.add(c.lower, entry);
      case 'prefix': return (c.ignoreCase ? this.prefixesIgnoreCase : this.prefixes).add(c.text, entry);
      case 'suffix': return (c.ignoreCase ? this.suffixesIgnoreCase : this.suffixes).add(c.text, entry);
      case 'wildcard': return this.wildcards.add(c.wildcard.segments[0], entry);
      case 'numeric': return this.ranges.add(entry);
      case 'cidr': return this.cidrs.add(entry);
      case 'exists': return this.exists.add(entry);
      default: return this.negations.add(entry);
    }
  }

  remove(entry: IndexEntry): void {
    this.refs--;
    const c = entry.condition;
    if (entry.use.negative) {
      this.negatives--;
      return;
    }
    switch (c.kind) {
      case 'exact':
        if (typeof c.value === 'string') this.exactStrings.remove(c.value, entry);
        else if (typeof c.value === 'number') this.exactNumbers.remove(c.value, entry);
        else this.exactOthers.remove(c.value, entry);
        return;
      case 'equals-ignore-case': this.ignoreCase.remove(c.lower, entry); return;
      case 'prefix': return (c.ignoreCase ? this.prefixesIgnoreCase : this.prefixes).remove(c.text, entry);
      case 'suffix': return (c.ignoreCase ? this.suffixesIgnoreCase : this.suffixes).remove(c.text, entry);
      case 'wildcard': return this.wildcards.remove(c.wildcard.segments[0], entry);
      case 'numeric': return this.ranges.remove(entry);
      case 'cidr': return this.cidrs.remove(entry);
      case 'exists': return this.exists.remove(entry);
      default: return this.negations.remove(entry);
    }
  }

  addTrigger(sr: SubRule): void {
    this.triggers.add(sr);
  }

  removeTrigger(sr: SubRule): void {
    this.triggers.remove(sr);
  }

  /** Records one event value found at this path and marks every condition it satisfies. */
  accept(value: unknown, trail: ArrayTrail | null): void {
    const ctx = this.ctx;
    if (this.seen !== ctx.epoch) {
      this.seen = ctx.epoch;
      this.values.length = 0;
      this.trails.length = 0;
      this.inArray = false;
      const triggers = this.triggers.items;
      for (let i = 0; i < triggers.length; i++) ctx.candidates.push(triggers[i]);
    }
    // Values are kept for the array-consistency check, which only concerns values inside arrays, and for
    // checking negative uses, which concerns them all.
    if (trail !== null || this.negatives > 0) {
      if (trail !== null) this.inArray = true;
      this.values.push(value);
      this.trails.push(trail);
    }

    if (typeof value === 'string') this.acceptString(value);
    else if (typeof value === 'number') this.acceptNumber(value);
    else this.visitBag(this.exactOthers.get(value as boolean | null));

    const negations = this.negations.items;
    for (let i = 0; i < negations.length; i++) {
      const e = negations[i];
      if (conditionMatches(e.condition, value as string)) recordHit(ctx, e.use);
    }
    this.visitItems(this.exists.items);
  }

  private acceptString(value: string): void {
    this.visitBag(this.exactStrings.get(value));
    if (this.prefixes.size > 0) this.prefixes.forEachMatch(value, this.hit);
    if (this.suffixes.size > 0) this.suffixes.forEachMatch(value, this.hit);
    if (this.ignoreCase.map.size > 0 || this.prefixesIgnoreCase.size > 0 || this.suffixesIgnoreCase.size > 0) {
      const lower = lowerCase(value);
      this.visitBag(this.ignoreCase.get(lower));
      if (this.prefixesIgnoreCase.size > 0) this.prefixesIgnoreCase.forEachMatch(lower, this.hit);
      if (this.suffixesIgnoreCase.size > 0) this.suffixesIgnoreCase.forEachMatch(lower, this.hit);
    }
    if (this.wildcards.size > 0) {
      this.wildcardSubject = value;
      this.wildcards.forEachMatch(value, this.hitWildcard);
    }
    if (this.cidrs.size > 0 && looksLikeIp(value)) {
      const ip = parseIp(value);
      if (ip) {
        for (const e of this.cidrs.items) {
          if (e.condition.kind === 'cidr' && cidrContains(e.condition.range, ip)) recordHit(this.ctx, e.use);
        }
      }
    }
  }

  private acceptNumber(value: number): void {
    this.visitBag(this.exactNumbers.get(value));
    if (this.ranges.size > 0) this.ranges.forEachMatch(value, this.hit);
  }

  private visitBag(bag: Bag<IndexEntry> | undefined): void {
    if (bag) this.visitItems(bag.items);
  }

  private visitItems(items: readonly IndexEntry[]): void {
    for (let i = 0; i < items.length; i++) recordHit(this.ctx, items[i].use);
  }
}
