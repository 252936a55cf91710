/**
 * The mutable bookkeeping shared by the Matcher and its per-field indexes: rules, their sub-rules (one per `$or`
 * branch), and each sub-rule's use of a field. Matching stamps these objects with the current event's epoch
 * instead of clearing state between events.
 */
import type { Condition } from './conditions.js';

/** Per-matcher scratch state for the event being matched. */
export interface MatchContext {
  epoch: number;
  /** Sub-rules whose required fields have all been satisfied during this epoch. */
  readonly candidates: SubRule[];
}

export interface RuleRecord<Id> {
  readonly id: Id;
  readonly subRules: SubRule[];
  stamp: number;
}

/**
 * How a sub-rule uses one field path: `positive` needs a matching value; `absent` needs the path to have no
 * value (`exists: false`); `mixed` is satisfied either way (`exists: false` alongside other alternatives).
 */
export type FieldRole = 'positive' | 'absent' | 'mixed';

export interface FieldUse {
  readonly sr: SubRule;
  readonly path: string;
  readonly field: FieldSlot;
  readonly role: FieldRole;
  /** The alternatives other than `exists: false`. */
  readonly conditions: readonly Condition[];
  /** Index entries registered for this use, kept for removal. */
  readonly entries: IndexEntry[];
  stamp: number;
  /**
   * A use whose one alternative is an anything-but condition. It holds for nearly every value, so it is not
   * indexed or counted towards `required`; the matcher checks it against the field's values once the sub-rule
   * is otherwise a candidate.
   */
  readonly negative: boolean;
}

export interface SubRule {
  readonly rule: RuleRecord<unknown>;
  readonly uses: FieldUse[];
  /**
   * Number of `positive` uses that are not `negative`; the sub-rule is a candidate once that many have matched.
   * A sub-rule with none is triggered by the presence of its first `positive` use's field instead, or, with no
   * such use, checked on every event.
   */
  required: number;
  count: number;
  stamp: number;
  slot: number;
}

/** One condition of one FieldUse, as stored in a field's value index. */
export interface IndexEntry {
  readonly use: FieldUse;
  readonly condition: Condition;
  slot: number;
}

/** What a sub-rule needs to know about a field's values in the current event. */
export interface FieldSlot {
  /** Epoch in which the path last had a value; equals the context epoch when present in this event. */
  seen: number;
  /**
   * This event's values at the path that sit inside tracked arrays, with their positions (see field-tree.ts);
   * all its values (positions null outside arrays) when some negative use needs them.
   */
  readonly values: unknown[];
  readonly trails: Array<ArrayTrail | null>;
  /** Whether some value at this path in this event sits inside an array of objects. */
  inArray: boolean;
  /** Users of this path (index entries and field uses); the path is dropped when it reaches 0. */
  refs: number;
  add(entry: IndexEntry): void;
  remove(entry: IndexEntry): void;
  /** Sub-rules to make candidates whenever the path has a value. */
  addTrigger(sr: SubRule): void;
  removeTrigger(sr: SubRule): void;
}

/** The chain of (array, index) positions enclosing a value, innermost first. */
export interface ArrayTrail {
  readonly array: number;
  readonly index: number;
  readonly parent: ArrayTrail | null;
}

export function recordHit(ctx: MatchContext, use: FieldUse): void {
  if (use.stamp === ctx.epoch) return;
  use.stamp = ctx.epoch;
  const sr = use.sr;
  if (sr.stamp !== ctx.epoch) {
    sr.stamp = ctx.epoch;
    sr.count = 0;
  }
  if (use.role === 'positive' && ++sr.count === sr.required) ctx.candidates.push(sr);
}

