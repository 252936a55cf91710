/**
 * The compiled form of one pattern value (an element of a field's array in the pattern) and how it judges one
 * leaf value of the event. The Matcher indexes conditions instead of calling `conditionMatches` for most kinds;
 * this function is the reference semantics it must agree with, and is used directly for the rarer kinds.
 *
 * Types matter the way they do in event-ruler: string operators never match numbers (event-ruler compares the
 * JSON text, where strings carry quotes), numeric ranges only match JSON numbers, and `anything-but` matches any
 * present value that is not excluded, including null, booleans and values of the other type.
 */
import { cidrContains, parseIp, type CidrRange } from './cidr.js';
import { wildcardMatches, type Wildcard } from './wildcard.js';

/** A scalar value found at some path of an event. */
export type LeafValue = string | number | boolean | null;

/** Numbers outside this range have no comparable form in event-ruler, so ranges never match them. */
export const NUMERIC_LIMIT = 5e9;

export type Condition =
  | { readonly kind: 'exact'; readonly value: LeafValue }
  | { readonly kind: 'equals-ignore-case'; readonly lower: string }
  | { readonly kind: 'prefix'; readonly text: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly text: string; readonly ignoreCase: boolean }
  | { readonly kind: 'wildcard'; readonly wildcard: Wildcard }
  | { readonly kind: 'numeric'; readonly lo: number; readonly loOpen: boolean; readonly hi: number; readonly hiOpen: boolean }
  | { readonly kind: 'cidr'; readonly range: CidrRange }
  | { readonly kind: 'exists'; readonly present: boolean }
  | { readonly kind: 'anything-but'; readonly values: ReadonlySet<string | number> }
  | { readonly kind: 'anything-but-ignore-case'; readonly lower: ReadonlySet<string> }
  | { readonly kind: 'anything-but-prefix'; readonly texts: readonly string[] }
  | { readonly kind: 'anything-but-suffix'; readonly texts: readonly string[] }
  | { readonly kind: 'anything-but-wildcard'; readonly wildcards: readonly Wildcard[] };

export function isAnythingBut(c: Condition): boolean {
  return c.kind.startsWith('anything-but');
}

export function lowerCase(s: string): string {
  return s.toLowerCase();
}

export function inNumericRange(c: { lo: number; loOpen: boolean; hi: number; hiOpen: boolean }, n: number): boolean {
  if (n < -NUMERIC_LIMIT || n > NUMERIC_LIMIT) return false;
  return (c.loOpen ? n > c.lo : n >= c.lo) && (c.hiOpen ? n < c.hi : n <= c.hi);
}

/** Does this condition accept this present leaf value? (`exists: false` never accepts a present value.) */
export function conditionMatches(c: Condition, v: LeafValue): boolean {
  switch (c.kind) {
    case 'exact':
      return v === c.value;
    case 'equals-ignore-case':
      return typeof v === 'string' && lowerCase(v) === c.lower;
    case 'prefix':
      return typeof v === 'string' && (c.ignoreCase ? lowerCase(v) : v).startsWith(c.text);
    case 'suffix':
      return typeof v === 'string' && (c.ignoreCase ? lowerCase(v) : v).endsWith(c.text);
    case 'wildcard':
      return typeof v === 'string' && wildcardMatches(c.wildcard, v);
    case 'numeric':
      return typeof v === 'number' && inNumericRange(c, v);
    case 'cidr': {
      if (typeof v !== 'string') return false;
      const ip = parseIp(v);
      return ip !== null && cidrContains(c.range, ip);
    }
    case 'exists':
      return c.present;
    case 'anything-but':
      return !((typeof v === 'string' || typeof v === 'number') && c.values.has(v));
    case 'anything-but-ignore-case':
      return !(typeof v === 'string' && c.lower.has(lowerCase(v)));
    case 'anything-but-prefix':
      return !(typeof v === 'string' && c.texts.some((t) => v.startsWith(t)));
    case 'anything-but-suffix':
      return !(typeof v === 'string' && c.texts.some((t) => v.endsWith(t)));
    case 'anything-but-wildcard':
      return !(typeof v === 'string' && c.wildcards.some((w) => wildcardMatches(w, v)));
  }
}
