import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidEventPatternError, parsePattern } from '../../src/patterns/index.js';
import { REASON, rejection } from './helpers.js';

const cases: Array<[string, object | string, string]> = [
  ['top level not an object', '["a"]', 'Filter is not an object'],
  ['scalar field value', { a: 'x' }, '"a" must be an object or an array'],
  ['empty object', { a: {} }, 'Empty objects are not allowed'],
  ['empty array', { a: [] }, 'Empty arrays are not allowed'],
  ['nested array value', { a: [['x']] }, 'Match value must be String, number, true, false, or null'],
  ['empty match expression', { a: [{}] }, 'Match expression name not found'],
  ['unknown operator', { a: [{ regex: 'x' }] }, 'Unrecognized match type regex'],
  ['operator names are case sensitive', { a: [{ Prefix: 'x' }] }, 'Unrecognized match type Prefix'],
  ['two keys in a match expression', { a: [{ prefix: 'x', suffix: 'y' }] }, 'Only one key allowed in match expression'],
  ['prefix not a string', { a: [{ prefix: 1 }] }, 'prefix match pattern must be a string'],
  ['suffix not a string', { a: [{ suffix: null }] }, 'suffix match pattern must be a string'],
  ['exactly not a string', { a: [{ exactly: 1 }] }, 'exact match pattern must be a string'],
  ['prefix ignore-case wrong operator', { a: [{ prefix: { wildcard: 'x' } }] }, 'Unsupported prefix pattern: wildcard'],
  ['suffix ignore-case not a string', { a: [{ suffix: { 'equals-ignore-case': 1 } }] }, 'equals-ignore-case match pattern must be a string'],
  ['equals-ignore-case list', { a: [{ 'equals-ignore-case': ['x'] }] }, 'equals-ignore-case match pattern must be a string'],
  ['exists not boolean', { a: [{ exists: 'yes' }] }, 'exists match pattern must be either true or false.'],
  ['wildcard not a string', { a: [{ wildcard: 1 }] }, 'wildcard match pattern must be a string'],
  ['consecutive stars', { a: [{ wildcard: 'ab**' }] }, 'Consecutive wildcard characters at pos 3'],
  ['bad escape', { a: [{ wildcard: 'a\\b' }] }, 'Invalid escape character at pos 2'],
  ['numeric not an array', { a: [{ numeric: 5 }] }, 'Value of numeric must be an array.'],
  ['numeric unknown operator', { a: [{ numeric: ['!=', 5] }] }, 'Unrecognized numeric range operator: !='],
  ['numeric missing value', { a: [{ numeric: ['>'] }] }, 'Value of > must be numeric'],
  ['numeric equals string', { a: [{ numeric: ['=', '5'] }] }, 'Value of equals must be numeric'],
  ['numeric first member not operator', { a: [{ numeric: [5] }] }, 'Invalid member in numeric match: 5'],
  ['numeric two lower bounds', { a: [{ numeric: ['>', 0, '>=', 1] }] }, 'Bad numeric range operator: >='],
  ['numeric too many after upper', { a: [{ numeric: ['<', 1, '>', 0] }] }, 'Too many elements in numeric expression'],
  ['numeric too many terms', { a: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }, 'Too many terms in numeric range expression'],
  ['numeric inverted range', { a: [{ numeric: ['>', 5, '<', 1] }] }, 'Bottom must be less than top'],
  ['numeric out of range', { a: [{ numeric: ['>', 6e9] }] }, 'Value must be between -5.0E9 and 5.0E9, inclusive'],
  ['anything-but null', { a: [{ 'anything-but': null }] }, 'Value of anything-but must be an array or single string/number value.'],
  ['anything-but list with boolean', { a: [{ 'anything-but': ['x', true] }] }, 'Inside anything but list, start|null|boolean is not supported.'],
  ['anything-but mixed list', { a: [{ 'anything-but': ['x', 1] }] }, 'Inside anything but list, either all values are number or string, mixed type is not supported'],
  ['anything-but unsupported', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'Unsupported anything-but pattern: numeric'],
  ['anything-but empty prefix', { a: [{ 'anything-but': { prefix: '' } }] }, 'Null prefix/suffix not allowed'],
  ['anything-but suffix number', { a: [{ 'anything-but': { suffix: [1] } }] }, 'prefix/suffix match pattern must be a string'],
  ['anything-but ignore-case number', { a: [{ 'anything-but': { 'equals-ignore-case': 1 } }] }, 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'],
  ['anything-but wildcard bad', { a: [{ 'anything-but': { wildcard: ['x**'] } }] }, 'Consecutive wildcard characters at pos 2'],
  ['cidr not a string', { a: [{ cidr: 1 }] }, 'prefix match pattern must be a string'],
  ['cidr without slash', { a: [{ cidr: '10.0.0.0' }] }, "Malformed CIDR, one '/' required"],
  ['cidr bad mask', { a: [{ cidr: '10.0.0.0/x' }] }, 'Malformed CIDR, mask bits must be an integer'],
  ['cidr mask too big', { a: [{ cidr: '10.0.0.0/33' }] }, 'IPv4 mask bits must be < 32'],
  ['cidr not an address', { a: [{ cidr: 'host/8' }] }, 'Nonstandard IP address: host'],
  ['$or not an array', { $or: { a: ['x'] } }, 'It must be an Array followed with $or.'],
  ['$or with one object', { $or: [{ a: ['x'] }] }, 'There must have at least 2 Objects in $or relationship.'],
  ['$or with a non-object', { $or: [{ a: ['x'] }, 'b'] }, 'Only JSON object is allowed in array of $or relationship.'],
  ['reserved name inside $or', { $or: [{ prefix: ['x'] }, { b: ['y'] }] }, 'prefix is Ruler reserved fieldName which cannot be used inside $or.'],
  ['syntax error', '{"a": ["x"', 'Unexpected end-of-input: expected close marker for Array'],
  ['unquoted key', '{a: ["x"]}', "Unexpected character ('a' (code 97)): was expecting double-quote to start field name"],
];

describe('pattern validation messages', () => {
  for (const [title, pattern, reason] of cases) {
    it(title, () => assert.equal(rejection(pattern), REASON + reason));
  }

  it('throws InvalidEventPatternError with AWS code', () => {
    assert.throws(() => parsePattern('{"a": []}'), (e: unknown) => e instanceof InvalidEventPatternError && e.code === 'InvalidEventPatternException');
  });

  it('reports the first problem in document order', () => {
    assert.equal(rejection({ a: [{ prefix: 1 }], b: [] }), REASON + 'prefix match pattern must be a string');
    assert.equal(rejection({ b: [], a: [{ prefix: 1 }] }), REASON + 'Empty arrays are not allowed');
  });

  it('accepts the valid forms', () => {
    const valid: object[] = [
      { a: ['x', 1, true, null], b: { c: [{ prefix: 'p' }, { suffix: 's' }] } },
      { a: [{ numeric: ['>=', -5e9, '<', 5e9] }, { numeric: ['=', 0] }] },
      { a: [{ 'anything-but': { prefix: ['a', 'b'] } }, { 'anything-but': 5 }, { 'anything-but': { wildcard: '' } }] },
      { a: [{ wildcard: 'a*b*c' }, { cidr: '::1/127' }, { exists: false }] },
      { $or: [{ a: ['x'] }, { b: [{ exists: true }] }], c: ['z'] },
      { prefix: ['top-level operator names are ordinary field names'] },
    ];
    for (const p of valid) assert.equal(rejection(p), null, JSON.stringify(p));
  });

  it('rejects wildcard patterns that are too complex', () => {
    assert.match(rejection({ a: [{ wildcard: '*a*b*c*d*e*f' }] }) ?? '', /Rule is too complex/);
    assert.equal(rejection({ a: [{ wildcard: '*a*b*' }] }), null);
  });
});

describe('duplicate keys', () => {
  it('a repeated path keeps its last value, as event-ruler compiles it', () => {
    const p = parsePattern('{"a": ["x"], "a": ["y"]}');
    assert.deepEqual(p.branches.map((b) => [...b.keys()]), [['a']]);
    assert.deepEqual(p.branches[0].get('a'), [{ kind: 'exact', value: 'y' }]);
  });
  it('repeated objects contribute all their distinct paths', () => {
    const p = parsePattern('{"d": {"a": ["x"]}, "d": {"b": ["y"]}}');
    assert.deepEqual([...p.branches[0].keys()].sort(), ['d.a', 'd.b']);
  });
});
