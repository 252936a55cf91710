import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matches } from './helpers.js';

describe('exact values', () => {
  it('matches strings, numbers, booleans and null by type', () => {
    assert.equal(matches({ a: ['x'] }, { a: 'x' }), true);
    assert.equal(matches({ a: ['x'] }, { a: 'X' }), false);
    assert.equal(matches({ a: [5] }, { a: 5 }), true);
    assert.equal(matches({ a: [5] }, { a: '5' }), false);
    assert.equal(matches({ a: ['5'] }, { a: 5 }), false);
    assert.equal(matches({ a: [true] }, { a: true }), true);
    assert.equal(matches({ a: [true] }, { a: 'true' }), false);
    assert.equal(matches({ a: [null] }, { a: null }), true);
    assert.equal(matches({ a: [null] }, {}), false);
  });
  it('compares numbers numerically (300.0 is 300)', () => {
    assert.equal(matches({ n: [300] }, JSON.parse('{"n": 300.0}')), true);
    assert.equal(matches({ n: [3e2] }, { n: 300 }), true);
  });
  it('treats the value list as alternatives and event arrays as any-element', () => {
    assert.equal(matches({ a: ['x', 'y'] }, { a: 'y' }), true);
    assert.equal(matches({ a: ['x'] }, { a: ['q', 'x'] }), true);
    assert.equal(matches({ a: ['x'] }, { a: [] }), false);
  });
  it('requires every field (AND) and nested paths', () => {
    assert.equal(matches({ a: ['1'], b: { c: ['2'] } }, { a: '1', b: { c: '2' } }), true);
    assert.equal(matches({ a: ['1'], b: { c: ['2'] } }, { a: '1', b: { c: '3' } }), false);
    assert.equal(matches({ b: { c: ['2'] } }, { b: '{"c":"2"}' }), false);
  });
  it('joins paths with dots on both sides, as event-ruler does', () => {
    assert.equal(matches({ a: { b: ['v'] } }, { 'a.b': 'v' }), true);
    assert.equal(matches({ 'a.b': ['v'] }, { a: { b: 'v' } }), true);
    assert.equal(matches({ 'a.b': ['v'] }, { a: { 'b.c': 'v' } }), false);
  });
});

describe('prefix / suffix / equals-ignore-case', () => {
  it('prefix', () => {
    assert.equal(matches({ a: [{ prefix: 'ab' }] }, { a: 'abc' }), true);
    assert.equal(matches({ a: [{ prefix: 'ab' }] }, { a: 'xabc' }), false);
    assert.equal(matches({ a: [{ prefix: '1' }] }, { a: 12 }), false);
    assert.equal(matches({ a: [{ prefix: '' }] }, { a: '' }), true);
  });
  it('suffix', () => {
    assert.equal(matches({ a: [{ suffix: '.png' }] }, { a: 'x.png' }), true);
    assert.equal(matches({ a: [{ suffix: '.png' }] }, { a: 'x.PNG' }), false);
  });
  it('ignore-case variants', () => {
    assert.equal(matches({ a: [{ 'equals-ignore-case': 'HeLLo' }] }, { a: 'hello' }), true);
    assert.equal(matches({ a: [{ 'equals-ignore-case': 'HeLLo' }] }, { a: 'hello!' }), false);
    assert.equal(matches({ a: [{ prefix: { 'equals-ignore-case': 'AB' } }] }, { a: 'abX' }), true);
    assert.equal(matches({ a: [{ prefix: { 'equals-ignore-case': 'AB' } }] }, { a: 'xab' }), false);
    assert.equal(matches({ a: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { a: 'a.png' }), true);
    assert.equal(matches({ a: [{ suffix: { 'equals-ignore-case': '.PNG' } }] }, { a: 'a.pn' }), false);
  });
});

describe('wildcard', () => {
  it('matches stars across any text, anchored at both ends', () => {
    assert.equal(matches({ a: [{ wildcard: 'a*c' }] }, { a: 'abbbc' }), true);
    assert.equal(matches({ a: [{ wildcard: 'a*c' }] }, { a: 'abbbcd' }), false);
    assert.equal(matches({ a: [{ wildcard: '*b*b*' }] }, { a: 'abab' }), true);
    assert.equal(matches({ a: [{ wildcard: '*b*b*' }] }, { a: 'ab' }), false);
    assert.equal(matches({ a: [{ wildcard: 'ab*ba' }] }, { a: 'aba' }), false);
    assert.equal(matches({ a: [{ wildcard: '' }] }, { a: '' }), true);
  });
  it('supports escaped stars and backslashes', () => {
    assert.equal(matches({ a: [{ wildcard: 'a\\*b' }] }, { a: 'a*b' }), true);
    assert.equal(matches({ a: [{ wildcard: 'a\\*b' }] }, { a: 'axb' }), false);
    assert.equal(matches({ a: [{ wildcard: 'a\\\\*' }] }, { a: 'a\\zz' }), true);
  });
});

describe('anything-but', () => {
  it('single values and lists exclude by type', () => {
    assert.equal(matches({ a: [{ 'anything-but': 'x' }] }, { a: 'y' }), true);
    assert.equal(matches({ a: [{ 'anything-but': 'x' }] }, { a: 'x' }), false);
    assert.equal(matches({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'y' }), false);
    assert.equal(matches({ a: [{ 'anything-but': [1, 2] }] }, { a: 2 }), false);
    assert.equal(matches({ a: [{ 'anything-but': [1, 2] }] }, { a: '2' }), true);
    assert.equal(matches({ a: [{ 'anything-but': '2' }] }, { a: 2 }), true);
  });
  it('needs the field to be present, but null counts as present', () => {
    assert.equal(matches({ a: [{ 'anything-but': 'x' }] }, {}), false);
    assert.equal(matches({ a: [{ 'anything-but': 'x' }] }, { a: null }), true);
  });
  it('prefix, suffix, equals-ignore-case and wildcard forms', () => {
    assert.equal(matches({ a: [{ 'anything-but': { prefix: 'in' } }] }, { a: 'init' }), false);
    assert.equal(matches({ a: [{ 'anything-but': { prefix: ['in', 'po'] } }] }, { a: 'post' }), false);
    assert.equal(matches({ a: [{ 'anything-but': { prefix: 'in' } }] }, { a: 'out' }), true);
    assert.equal(matches({ a: [{ 'anything-but': { prefix: 'in' } }] }, { a: 5 }), true);
    assert.equal(matches({ a: [{ 'anything-but': { suffix: '.txt' } }] }, { a: 'a.txt' }), false);
    assert.equal(matches({ a: [{ 'anything-but': { suffix: '.txt' } }] }, { a: 'a.txt.bak' }), true);
    assert.equal(matches({ a: [{ 'anything-but': { 'equals-ignore-case': ['ON', 'off'] } }] }, { a: 'On' }), false);
    assert.equal(matches({ a: [{ 'anything-but': { 'equals-ignore-case': 'on' } }] }, { a: 'one' }), true);
    assert.equal(matches({ a: [{ 'anything-but': { wildcard: '*/x/*' } }] }, { a: 'a/x/b' }), false);
    assert.equal(matches({ a: [{ 'anything-but': { wildcard: ['*/x/*', 'q*'] } }] }, { a: 'a/y/b' }), true);
  });
  it('matches an array when any element is not excluded', () => {
    assert.equal(matches({ a: [{ 'anything-but': 'x' }] }, { a: ['x', 'y'] }), true);
    assert.equal(matches({ a: [{ 'anything-but': 'x' }] }, { a: ['x', 'x'] }), false);
  });
});

describe('numeric', () => {
  it('compares ranges and equality on JSON numbers only', () => {
    const range = { n: [{ numeric: ['>', 0, '<=', 5] }] };
    assert.equal(matches(range, { n: 5 }), true);
    assert.equal(matches(range, { n: 0 }), false);
    assert.equal(matches(range, { n: 5.000001 }), false);
    assert.equal(matches(range, { n: '3' }), false);
    assert.equal(matches({ n: [{ numeric: ['>=', -1.5] }] }, { n: -1.5 }), true);
    assert.equal(matches({ n: [{ numeric: ['<', -1.5] }] }, { n: -1.5 }), false);
    assert.equal(matches({ n: [{ numeric: ['=', 301.8] }] }, { n: 301.8 }), true);
    assert.equal(matches({ n: [{ numeric: ['=', 301.8] }] }, { n: 301.81 }), false);
  });
  it('ignores numbers outside event-ruler\'s ±5e9 range', () => {
    assert.equal(matches({ n: [{ numeric: ['>', 0] }] }, { n: 6e9 }), false);
    assert.equal(matches({ n: [{ numeric: ['>', 0] }] }, { n: 5e9 }), true);
  });
  it('matches inside nested arrays of numbers', () => {
    assert.equal(matches({ c: [{ numeric: ['<', 0] }] }, { c: [[[1, 2], [3, -4]]] }), true);
    assert.equal(matches({ c: [{ numeric: ['<', 0] }] }, { c: [[[1, 2], [3, 4]]] }), false);
  });
});

describe('exists', () => {
  it('exists:true needs a value (null included); objects and empty arrays are not values', () => {
    assert.equal(matches({ a: [{ exists: true }] }, { a: null }), true);
    assert.equal(matches({ a: [{ exists: true }] }, { a: { b: 1 } }), false);
    assert.equal(matches({ a: [{ exists: true }] }, { a: [] }), false);
    assert.equal(matches({ a: [{ exists: true }] }, {}), false);
  });
  it('exists:false needs the path to hold no value', () => {
    assert.equal(matches({ a: [{ exists: false }] }, {}), true);
    assert.equal(matches({ a: [{ exists: false }] }, { a: 'x' }), false);
    assert.equal(matches({ a: [{ exists: false }], b: ['1'] }, { b: '1' }), true);
    assert.equal(matches({ a: [{ exists: false }], b: ['1'] }, { a: 0, b: '1' }), false);
  });
  it('exists:false as one alternative among others', () => {
    const p = { a: [{ 'anything-but': 'bad' }, { exists: false }] };
    assert.equal(matches(p, {}), true);
    assert.equal(matches(p, { a: 'good' }), true);
    assert.equal(matches(p, { a: 'bad' }), false);
  });
});

describe('cidr', () => {
  it('IPv4', () => {
    assert.equal(matches({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.255' }), true);
    assert.equal(matches({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.1.0' }), false);
    assert.equal(matches({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: '10.0.0.256' }), false);
    assert.equal(matches({ ip: [{ cidr: '10.0.0.0/24' }] }, { ip: 10 }), false);
  });
  it('IPv6, including compressed and expanded forms', () => {
    const p = { ip: [{ cidr: '2001:db8::/32' }] };
    assert.equal(matches(p, { ip: '2001:0db8:0000:0000:0000:0000:0000:0001' }), true);
    assert.equal(matches(p, { ip: '2001:db9::1' }), false);
    assert.equal(matches(p, { ip: '10.0.0.1' }), false);
  });
});

describe('$or', () => {
  it('matches when any alternative matches, combined with the surrounding fields', () => {
    const p = { s: ['x'], $or: [{ a: ['1'] }, { b: { c: [{ numeric: ['>', 3] }] } }] };
    assert.equal(matches(p, { s: 'x', a: '1' }), true);
    assert.equal(matches(p, { s: 'x', b: { c: 4 } }), true);
    assert.equal(matches(p, { s: 'y', a: '1' }), false);
    assert.equal(matches(p, { s: 'x', a: '2', b: { c: 3 } }), false);
  });
  it('nests', () => {
    const p = { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] };
    assert.equal(matches(p, { c: '3' }), true);
    assert.equal(matches(p, { d: '3' }), false);
  });
});

describe('objects inside arrays', () => {
  const p = { items: { name: ['pen'], color: ['red'] } };
  it('match only when the fields come from the same element', () => {
    assert.equal(matches(p, { items: [{ name: 'pen', color: 'blue' }, { name: 'cup', color: 'red' }] }), false);
    assert.equal(matches(p, { items: [{ name: 'cup', color: 'red' }, { name: 'pen', color: 'red' }] }), true);
  });
  it('do not constrain fields outside the array', () => {
    assert.equal(matches({ x: ['1'], items: { name: ['pen'] } }, { x: '1', items: [{ name: 'cup' }, { name: 'pen' }] }), true);
  });
  it('apply at every nesting level', () => {
    const q = { o: { i: { a: ['1'], b: ['2'] } } };
    assert.equal(matches(q, { o: [{ i: [{ a: '1' }] }, { i: [{ b: '2' }] }] }), false);
    assert.equal(matches(q, { o: [{ i: [{ a: '1' }, { a: '1', b: '2' }] }] }), true);
  });
});
