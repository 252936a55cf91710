/**
 * Property test: a Matcher holding many random rules must return exactly the rules that a naive, independent
 * per-rule evaluator (written here from the documented semantics) says match, for random events, through both
 * matchEvent and matchJson, and after random removals. A second, dense mix puts many numeric ranges and
 * anything-but conditions on the same few fields, so the range index is built, rebuilt after removals and left
 * again when removals bring a field below the indexing threshold, and anything-but uses are checked on
 * candidates and trigger anything-but-only rules, inside and outside arrays.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matcher, parsePattern } from '../../src/patterns/index.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['foo', 'Foo', 'foobar', 'barfoo', 'bar', '', '10.0.0.1', '10.0.1.7', 'a*b'];
const NUMBERS = [0, 1, 5, 10.5, -3, 300];
const PATHS = ['a', 'b', 'c.d', 'c.e', 'arr.x', 'arr.y'];
/** The dense mix's numbers: range bounds and event values on a shared grid, so bounds are hit exactly. */
const GRID = Array.from({ length: 21 }, (_, i) => (i - 10) / 2);
const DENSE_PATHS = ['a', 'a', 'b', 'arr.x', 'arr.y'];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function generators(r: () => number, dense = false) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const numbers = dense ? [...GRID, -0, 6e9, ...NUMBERS] : NUMBERS;
  const scalar = (): Json => (r() < 0.5 ? pick(STRINGS) : r() < 0.8 ? pick(numbers) : pick([true, false, null]));
  const value = (): Json => (r() < 0.2 ? [scalar(), scalar()] : scalar());
  const event = (): Json => {
    const e: { [k: string]: Json } = {};
    if (r() < 0.8) e.a = value();
    if (r() < 0.8) e.b = value();
    if (r() < 0.7) e.c = r() < 0.1 ? 'flat' : { ...(r() < 0.7 ? { d: value() } : {}), ...(r() < 0.7 ? { e: value() } : {}) };
    if (r() < 0.6) {
      e.arr = Array.from({ length: Math.floor(r() * 3) }, () => ({ ...(r() < 0.7 ? { x: scalar() } : {}), ...(r() < 0.7 ? { y: scalar() } : {}) }));
    }
    return e;
  };
  const denseCondition = (): Json => {
    const [lo, hi] = [pick(GRID), pick(GRID)].sort((x, y) => x - y);
    switch (Math.floor(r() * 10)) {
      case 0: case 1: case 2:
        return lo < hi ? { numeric: [pick(['>', '>=']), lo, pick(['<', '<=']), hi] } : { numeric: [pick(['<', '<=', '>=', '>']), lo] };
      case 3: return { 'anything-but': pick(STRINGS) };
      case 4: return { 'anything-but': [pick(STRINGS), pick(STRINGS)] };
      case 5: return { 'anything-but': r() < 0.5 ? pick(GRID) : [pick(GRID), pick(NUMBERS)] };
      case 6: return { 'anything-but': { [pick(['prefix', 'suffix', 'equals-ignore-case', 'wildcard'])]: pick(['fo', 'ar', 'FOO', 'b*', '*o*']) } };
      case 7: return { 'anything-but': { prefix: ['f', 'fo'] } };
      case 8: return { exists: r() < 0.5 };
      default: return r() < 0.5 ? pick(GRID) : pick(STRINGS);
    }
  };
  const condition = (): Json => {
    if (dense) return denseCondition();
    const s = pick(STRINGS.filter((x) => x !== '' && !x.includes('*')));
    switch (Math.floor(r() * 14)) {
      case 0: return scalar();
      case 1: return { prefix: s.slice(0, 1 + Math.floor(r() * 3)) };
      case 2: return { suffix: s.slice(-2) };
      case 3: return { 'equals-ignore-case': s.toUpperCase() };
      case 4: return { prefix: { 'equals-ignore-case': s.slice(0, 2).toUpperCase() } };
      case 5: return { wildcard: pick(['*o*', 'f*r', '*bar', 'foo*', '10.*.1', 'a\\*b']) };
      case 6: return { 'anything-but': r() < 0.5 ? pick(STRINGS) : [pick(NUMBERS), pick(NUMBERS)] };
      case 7: return { 'anything-but': { [pick(['prefix', 'suffix', 'equals-ignore-case', 'wildcard'])]: pick(['fo', 'ar', 'FOO', 'b*']) } };
      case 8: return { numeric: ['>', pick(NUMBERS), '<=', 1000] };
      case 9: return { numeric: [pick(['<', '<=', '>=', '=']), pick(NUMBERS)] };
      case 10: return { exists: r() < 0.5 };
      case 11: return { cidr: pick(['10.0.0.0/24', '10.0.0.0/8', '10.0.1.0/30']) };
      default: return pick(STRINGS);
    }
  };
  const fields = (): { [k: string]: Json } => {
    const out: { [k: string]: Json } = {};
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const [head, tail] = pick(dense ? DENSE_PATHS : PATHS).split('.');
      const values = Array.from({ length: 1 + Math.floor(r() * 2) }, condition);
      if (tail) out[head] = { ...((out[head] as object) ?? {}), [tail]: values };
      else out[head] = values;
    }
    return out;
  };
  const pattern = (): Json => (r() < 0.25 ? { ...fields(), $or: [fields(), fields()] } : fields());
  return { event, pattern };
}

// ---- naive evaluator, written from the semantics, sharing no code with src/patterns ----

/** A value at a path, with the index taken in every enclosing array (arrays identified by object identity). */
interface Leaf { value: Json; arrays: Map<Json[], number> }

function leaves(event: Json, path: string[]): Leaf[] {
  const out: Leaf[] = [];
  const go = (v: Json, rest: string[], arrays: Map<Json[], number>): void => {
    if (Array.isArray(v)) {
      v.forEach((el, i) => go(el, rest, new Map(arrays).set(v, i)));
    } else if (v !== null && typeof v === 'object') {
      if (rest.length > 0 && rest[0] in v) go(v[rest[0]], rest.slice(1), arrays);
    } else if (rest.length === 0) out.push({ value: v, arrays });
  };
  go(event, path, new Map());
  return out;
}

const lower = (s: string) => s.toLowerCase();
function glob(p: string, s: string): boolean {
  const re = p.replace(/\\\*|\*|[.+?^${}()|[\]\\]/g, (m) => (m === '*' ? '.*' : m === '\\*' ? '\\*' : '\\' + m));
  return new RegExp(`^${re}$`, 's').test(s);
}
function ipv4(s: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) return null;
  return m.slice(1).reduce((acc, x) => acc * 256 + Number(x), 0);
}

function conditionHolds(c: Json, v: Json): boolean {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return v === c;
  const [op, arg] = Object.entries(c)[0] as [string, Json];
  const str = typeof v === 'string' ? v : null;
  switch (op) {
    case 'prefix':
      if (typeof arg === 'string') return str !== null && str.startsWith(arg);
      return str !== null && lower(str).startsWith(lower((arg as { [k: string]: string })['equals-ignore-case']));
    case 'suffix': return str !== null && str.endsWith(arg as string);
    case 'equals-ignore-case': return str !== null && lower(str) === lower(arg as string);
    case 'wildcard': return str !== null && glob(arg as string, str);
    case 'exists': return arg === true;
    case 'cidr': {
      const ip = str === null ? null : ipv4(str);
      const [base, bits] = (arg as string).split('/');
      const size = 2 ** (32 - Number(bits));
      const lo = ipv4(base)!;
      return ip !== null && ip >= lo && ip < lo + size;
    }
    case 'numeric': {
      // event-ruler has no comparable form for numbers beyond ±5e9, so no range holds them.
      if (typeof v !== 'number' || Math.abs(v) > 5e9) return false;
      const ops = arg as Json[];
      for (let i = 0; i < ops.length; i += 2) {
        const bound = ops[i + 1] as number;
        const ok = { '<': v < bound, '<=': v <= bound, '>': v > bound, '>=': v >= bound, '=': v === bound }[ops[i] as string];
        if (!ok) return false;
      }
      return true;
    }
    case 'anything-but': {
      if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
        const [kind, operand] = Object.entries(arg)[0] as [string, string | string[]];
        if (str === null) return true;
        const texts = Array.isArray(operand) ? operand : [operand];
        if (kind === 'prefix') return !texts.some((t) => str.startsWith(t));
        if (kind === 'suffix') return !texts.some((t) => str.endsWith(t));
        if (kind === 'equals-ignore-case') return !texts.some((t) => lower(str) === lower(t));
        return !texts.some((t) => glob(t, str));
      }
      const excluded = Array.isArray(arg) ? arg : [arg];
      return !excluded.some((x) => x === v);
    }
  }
  throw new Error(`unknown operator ${op}`);
}

function branches(p: { [k: string]: Json }, prefix: string[] = []): Array<Map<string, Json[]>> {
  let out: Array<Map<string, Json[]>> = [new Map()];
  for (const [k, v] of Object.entries(p)) {
    if (k === '$or') {
      const alts = (v as Array<{ [k: string]: Json }>).flatMap((alt) => branches(alt, prefix));
      out = out.flatMap((b) => alts.map((a) => new Map([...b, ...a])));
    } else if (Array.isArray(v)) out.forEach((b) => b.set([...prefix, k].join('.'), v));
    else {
      const sub = branches(v as { [k: string]: Json }, [...prefix, k]);
      out = out.flatMap((b) => sub.map((s) => new Map([...b, ...s])));
    }
  }
  return out;
}

function naiveMatch(pattern: { [k: string]: Json }, event: Json): boolean {
  return branches(pattern).some((branch) => {
    const picks: Leaf[][] = [];
    for (const [path, conds] of branch) {
      const ls = leaves(event, path.split('.'));
      const absentOk = conds.some((c) => typeof c === 'object' && c !== null && !Array.isArray(c) && 'exists' in c && c.exists === false);
      if (ls.length === 0) {
        if (absentOk) continue;
        return false;
      }
      const ok = ls.filter((l) => conds.some((c) => conditionHolds(c, l.value)));
      if (ok.length === 0) return false;
      picks.push(ok);
    }
    // some choice of one leaf per field must agree on every shared array's index
    const choose = (i: number, chosen: Leaf[]): boolean =>
      i === picks.length ||
      picks[i].some((l) => chosen.every((o) => [...l.arrays].every(([id, idx]) => !o.arrays.has(id) || o.arrays.get(id) === idx)) && choose(i + 1, [...chosen, l]));
    return choose(0, []);
  });
}

export { generators, naiveMatch, rng };
const RUNS = [
  ...[1, 2, 3, 4].map((seed) => ({ name: `random rules and events (seed ${seed})`, seed, dense: false, rules: 300, rounds: 2 })),
  ...[5, 6].map((seed) => ({ name: `many ranges and anything-buts on the same fields (seed ${seed})`, seed, dense: true, rules: 400, rounds: 4 })),
];

describe('Matcher agrees with a naive evaluator', () => {
  for (const { name, seed, dense, rules: ruleCount, rounds } of RUNS) {
    it(name, () => {
      const r = rng(seed);
      const gen = generators(r, dense);
      const rules = new Map<number, { [k: string]: Json }>();
      const m = new Matcher<number>();
      for (let i = 0; i < ruleCount; i++) {
        const pattern = gen.pattern() as { [k: string]: Json };
        rules.set(i, pattern);
        m.add(i, parsePattern(JSON.stringify(pattern)));
      }
      for (let round = 0; round < rounds; round++) {
        for (let e = 0; e < 150; e++) {
          const event = gen.event();
          const expected = [...rules].filter(([, p]) => naiveMatch(p, event)).map(([id]) => id).sort((a, b) => a - b);
          const got = m.matchEvent(event).sort((a, b) => a - b);
          assert.deepEqual(got, expected, `event ${JSON.stringify(event)}`);
          assert.deepEqual(m.matchJson(JSON.stringify(event)).sort((a, b) => a - b), expected);
        }
        for (const id of [...rules.keys()]) {
          if (r() < 0.5) {
            rules.delete(id);
            m.remove(id);
          }
        }
      }
    });
  }
});
