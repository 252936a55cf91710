import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidEventError, Matcher, parsePattern, testEventPattern } from '../../src/patterns/index.js';

const p = (pattern: object) => parsePattern(JSON.stringify(pattern));
const sorted = (ids: string[]) => [...ids].sort();

describe('Matcher', () => {
  it('returns each matching rule id once, even when several $or branches match', () => {
    const m = new Matcher();
    m.add('or', p({ $or: [{ a: ['1'] }, { b: ['2'] }] }));
    m.add('a', p({ a: ['1'] }));
    m.add('none', p({ a: ['9'] }));
    assert.deepEqual(sorted(m.matchEvent({ a: '1', b: '2' })), ['a', 'or']);
    assert.equal(m.size, 3);
  });

  it('adds and removes incrementally', () => {
    const m = new Matcher<number>();
    for (let i = 0; i < 100; i++) m.add(i, p({ k: [`v${i}`] }));
    assert.deepEqual(m.matchEvent({ k: 'v42' }), [42]);
    m.remove(42);
    assert.deepEqual(m.matchEvent({ k: 'v42' }), []);
    assert.deepEqual(m.matchEvent({ k: 'v43' }), [43]);
    assert.equal(m.size, 99);
    m.remove(42); // removing twice is harmless
    assert.equal(m.size, 99);
  });

  it('replaces a rule added again under the same id', () => {
    const m = new Matcher();
    m.add('r', p({ a: ['old'] }));
    m.add('r', p({ b: [{ prefix: 'new' }] }));
    assert.equal(m.size, 1);
    assert.deepEqual(m.matchEvent({ a: 'old' }), []);
    assert.deepEqual(m.matchEvent({ b: 'newer' }), ['r']);
  });

  it('forgets paths no rule uses any more, including exists:false rules', () => {
    const m = new Matcher();
    m.add('absent', p({ x: [{ exists: false }] }));
    assert.deepEqual(m.matchEvent({ y: 1 }), ['absent']);
    assert.deepEqual(m.matchEvent({ x: 1 }), []);
    m.remove('absent');
    assert.deepEqual(m.matchEvent({ y: 1 }), []);
    m.add('again', p({ x: { deeper: [{ exists: false }] } }));
    assert.deepEqual(m.matchEvent({ x: { deeper: 1 } }), []);
    assert.deepEqual(m.matchEvent({ x: { other: 1 } }), ['again']);
  });

  it('keeps shared index entries when one of two rules with the same condition is removed', () => {
    const m = new Matcher();
    m.add('one', p({ a: [{ prefix: 'ab' }] }));
    m.add('two', p({ a: [{ prefix: 'ab' }] }));
    m.remove('one');
    assert.deepEqual(m.matchEvent({ a: 'abc' }), ['two']);
  });

  it('matchJson agrees with matchEvent, including escapes, dotted keys and skipped subtrees', () => {
    const m = new Matcher();
    m.add('esc', p({ s: ['a"b\\c\u00e9'] }));
    m.add('dot', p({ d: { e: ['v'] } }));
    m.add('deep', p({ big: { keep: [{ numeric: ['>', 1] }] } }));
    const event = { s: 'a"b\\c\u00e9', 'd.e': 'v', skip: { x: [1, { y: '}]' }], z: 'q' }, big: { keep: 2, drop: ['"[{'] } };
    assert.deepEqual(sorted(m.matchJson(JSON.stringify(event, null, 2))), ['deep', 'dot', 'esc']);
    assert.deepEqual(sorted(m.matchEvent(event)), ['deep', 'dot', 'esc']);
  });

  it('matchJson rejects malformed JSON like JSON.parse', () => {
    const m = new Matcher();
    m.add('r', p({ a: ['x'] }));
    assert.throws(() => m.matchJson('{"a": "x"'), SyntaxError);
    assert.throws(() => m.matchJson('{"a": "x"} trailing'), SyntaxError);
  });

  it('does not treat inherited object members as event fields', () => {
    const m = new Matcher();
    m.add('r', p({ constructor: [{ exists: true }] }));
    assert.deepEqual(m.matchEvent({}), []);
    assert.deepEqual(m.matchJson('{"constructor": 1}'), ['r']);
  });
});

describe('testEventPattern', () => {
  const envelope = { id: '1', account: '1', source: 's', time: 't', region: 'r', 'detail-type': 'd' };
  it('matches over the whole event', () => {
    assert.equal(testEventPattern('{"source": ["s"]}', JSON.stringify(envelope)), true);
    assert.equal(testEventPattern('{"source": ["x"]}', JSON.stringify(envelope)), false);
  });
  it('names a missing mandatory field', () => {
    const { region: _omit, ...rest } = envelope;
    assert.throws(
      () => testEventPattern('{"source": ["s"]}', JSON.stringify(rest)),
      (e: unknown) => e instanceof InvalidEventError && e.code === 'ValidationException' && e.field === 'region' && /region/.test(e.message),
    );
  });
  it('rejects events that are not JSON objects', () => {
    assert.throws(() => testEventPattern('{"a": ["b"]}', '[1]'), InvalidEventError);
    assert.throws(() => testEventPattern('{"a": ["b"]}', '{'), InvalidEventError);
  });
});
