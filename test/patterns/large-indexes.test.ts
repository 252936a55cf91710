/**
 * Indexes at sizes the property test does not reach: thousands of distinct values on one field, where lookups go
 * through a KeyFilter (bag.ts) that grows, goes stale on removals and is rebuilt, and many anything-but and range
 * conditions share a field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matcher, parsePattern } from '../../src/patterns/index.js';
import { hashKey } from '../../src/patterns/key-filter.js';

const N = 3000;

function rule(i: number): object {
  switch (i % 4) {
    case 0: return { s: [`v${i}`] };
    case 1: return { n: [i] };
    case 2: return { s: [{ prefix: `p${i}-` }] };
    default: return { s: [`x${i}`], t: [{ 'anything-but': [`t${i}`, `u${i}`] }] };
  }
}

/** An event that matches rule i and, by construction, no other of these rules. */
function eventFor(i: number): object {
  switch (i % 4) {
    case 0: return { s: `v${i}` };
    case 1: return { n: i };
    case 2: return { s: `p${i}-tail` };
    default: return { s: `x${i}`, t: 'other' };
  }
}

function matchBoth(m: Matcher<number>, event: object): number[] {
  const viaObject = m.matchEvent(event).sort((a, b) => a - b);
  assert.deepEqual(m.matchJson(JSON.stringify(event)).sort((a, b) => a - b), viaObject);
  return viaObject;
}

describe('large indexes', () => {
  it('find exactly the matching rule among thousands, through removals and re-adds', () => {
    const m = new Matcher<number>();
    for (let i = 0; i < N; i++) m.add(i, parsePattern(JSON.stringify(rule(i))));
    for (let i = 0; i < N; i += 7) assert.deepEqual(matchBoth(m, eventFor(i)), [i]);
    assert.deepEqual(matchBoth(m, { s: 'v-none', n: -1, t: 'x' }), []);
    // An excluded value fails just the rule excluding it.
    assert.deepEqual(matchBoth(m, { s: 'x3', t: 't3' }), []);
    assert.deepEqual(matchBoth(m, { s: 'x3', t: 'u7' }), [3]);

    for (let i = 0; i < N; i++) if (i % 3 !== 0) m.remove(i);
    for (let i = 0; i < N; i += 5) assert.deepEqual(matchBoth(m, eventFor(i)), i % 3 === 0 ? [i] : []);

    for (let i = 1; i < N; i += 3) m.add(i, parsePattern(JSON.stringify(rule(i))));
    for (let i = 0; i < N; i += 5) assert.deepEqual(matchBoth(m, eventFor(i)), i % 3 === 2 ? [] : [i]);
  });

  it('match thousands of ranges on one field like a scan would', () => {
    const m = new Matcher<number>();
    const ranges: Array<[number, number]> = [];
    for (let i = 0; i < 2000; i++) {
      const lo = (i * 37) % 1000;
      ranges.push([lo, lo + (i % 50)]);
      m.add(i, parsePattern(JSON.stringify({ n: [{ numeric: ['>=', lo, '<', lo + (i % 50) + 0.5] }] })));
    }
    for (const v of [-1, 0, 0.25, 3, 499.5, 500, 999, 1048, 2000]) {
      const expected = ranges.flatMap(([lo, hi], i) => (v >= lo && v < hi + 0.5 ? [i] : []));
      assert.deepEqual(matchBoth(m, { n: v }), expected);
    }
  });

  it('hash keys the way Map compares them', () => {
    assert.equal(hashKey(0), hashKey(-0));
    assert.equal(hashKey('abc'), hashKey(['a', 'b', 'c'].join('')));
    const long = 'x'.repeat(100);
    assert.equal(hashKey(long + 'y'), hashKey(`${long}y`));
  });
});
