/**
 * Pattern compiler: pattern JSON text -> validated `CompiledPattern`, a list of branches (one per `$or`
 * alternative combination), each a map from dotted field path to the conditions any one of which satisfies it.
 * The walk, its order of checks and its messages follow aws/event-ruler's JsonRuleCompiler, so the first error
 * reported is the one AWS reports.
 */
import { parseCidr } from './cidr.js';
import { NUMERIC_LIMIT, lowerCase, type Condition } from './conditions.js';
import { InvalidEventPatternError } from './errors.js';
import { parseJsonText, type JsonNode } from './json-text.js';
import { parseWildcard, type Wildcard } from './wildcard.js';

/** A branch: every path must be satisfied (AND); each path lists alternatives (OR). */
export type Branch = ReadonlyMap<string, readonly Condition[]>;

declare const compiledBrand: unique symbol;
/** A validated pattern, ready for `Matcher.add`. Treat as opaque. */
export interface CompiledPattern {
  readonly branches: readonly Branch[];
  readonly [compiledBrand]: true;
}

/** Field names event-ruler keeps for operators; they cannot be field names inside `$or`. */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  'html', '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case', 'date-after',
  'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range',
  'ip-address-not-in-range',
]);

type MutableBranch = Map<string, readonly Condition[]>;

function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

/** Parse + validate pattern JSON text. Throws InvalidEventPatternError with AWS's message. */
export function parsePattern(text: string): CompiledPattern {
  const root = parseJsonText(text);
  if (root.t !== 'obj') fail('Filter is not an object');
  const branches: MutableBranch[] = [];
  compileObject(branches, [], root, false);
  return { branches } as unknown as CompiledPattern;
}

function compileObject(branches: MutableBranch[], path: readonly string[], node: JsonNode & { t: 'obj' }, inOr: boolean): void {
  for (const [key, value] of node.entries) {
    if (key === '$or') {
      compileOr(branches, path, value);
      continue;
    }
    if (inOr && RESERVED_IN_OR.has(key)) fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    if (value.t === 'obj') compileObject(branches, [...path, key], value, inOr);
    else if (value.t === 'arr') writeField(branches, [...path, key].join('.'), value.items);
    else fail(`"${key}" must be an object or an array`);
  }
  if (node.entries.length === 0) fail('Empty objects are not allowed');
}

/** Each `$or` alternative forks a copy of every branch built so far; fields after the `$or` join all forks. */
function compileOr(branches: MutableBranch[], path: readonly string[], node: JsonNode): void {
  const before = branches.map((b) => new Map(b));
  branches.length = 0;
  if (node.t !== 'arr') fail('It must be an Array followed with $or.');
  for (const item of node.items) {
    if (item.t !== 'obj') fail('Only JSON object is allowed in array of $or relationship.');
    const forked = before.length > 0 ? before.map((b) => new Map(b)) : [new Map()];
    compileObject(forked, path, item, true);
    branches.push(...forked);
  }
  if (node.items.length < 2) fail('There must have at least 2 Objects in $or relationship.');
}

function writeField(branches: MutableBranch[], path: string, items: readonly JsonNode[]): void {
  const conditions: Condition[] = [];
  for (const item of items) {
    switch (item.t) {
      case 'obj': conditions.push(compileMatchExpression(item)); break;
      case 'str': conditions.push({ kind: 'exact', value: item.v }); break;
      case 'num': conditions.push({ kind: 'exact', value: item.v }); break;
      case 'bool': conditions.push({ kind: 'exact', value: item.v }); break;
      case 'null': conditions.push({ kind: 'exact', value: null }); break;
      default: fail('Match value must be String, number, true, false, or null');
    }
  }
  if (conditions.length === 0) fail('Empty arrays are not allowed');
  if (branches.length === 0) branches.push(new Map());
  // A repeated path replaces the earlier one, as event-ruler's compiler does (its README: "only the final value").
  for (const branch of branches) branch.set(path, conditions);
}

/** Jackson's getText() for the token at this spot, used in a few event-ruler messages. */
function tokenText(node: JsonNode | undefined, closer: string): string {
  if (!node) return closer;
  switch (node.t) {
    case 'obj': return '{';
    case 'arr': return '[';
    case 'str': return node.v;
    case 'num': return node.raw;
    case 'bool': return String(node.v);
    case 'null': return 'null';
  }
}

function onlyOneKey(node: JsonNode & { t: 'obj' }, reason = 'Only one key allowed in match expression'): void {
  if (node.entries.length > 1) fail(reason);
}

const TOO_MANY_NUMERIC = 'Too many elements in numeric expression';

function compileMatchExpression(node: JsonNode & { t: 'obj' }): Condition {
  const first = node.entries[0];
  if (!first) return fail('Match expression name not found');
  const [name, value] = first;
  let condition: Condition;
  switch (name) {
    case 'exactly':
      if (value.t !== 'str') fail('exact match pattern must be a string');
      condition = { kind: 'exact', value: value.v };
      break;
    case 'prefix':
    case 'suffix':
      if (value.t === 'obj') {
        condition = { kind: name, text: lowerCase(ignoreCaseOperand(name, value)), ignoreCase: true };
        break;
      }
      if (value.t !== 'str') fail(`${name} match pattern must be a string`);
      condition = { kind: name, text: value.v, ignoreCase: false };
      break;
    case 'numeric':
      if (value.t !== 'arr') fail('Value of numeric must be an array.');
      condition = compileNumeric(value.items);
      onlyOneKey(node, TOO_MANY_NUMERIC);
      return condition;
    case 'anything-but':
      return compileAnythingBut(node, value);
    case 'exists':
      if (value.t !== 'bool') fail('exists match pattern must be either true or false.');
      condition = { kind: 'exists', present: value.v };
      break;
    case 'cidr': {
      if (value.t !== 'str') fail('prefix match pattern must be a string');
      const range = parseCidr(value.v);
      if (typeof range === 'string') fail(range);
      condition = { kind: 'cidr', range };
      break;
    }
    case 'equals-ignore-case':
      if (value.t !== 'str') fail('equals-ignore-case match pattern must be a string');
      condition = { kind: 'equals-ignore-case', lower: lowerCase(value.v) };
      break;
    case 'wildcard':
      if (value.t !== 'str') fail('wildcard match pattern must be a string');
      condition = { kind: 'wildcard', wildcard: wildcardOrFail(value.v) };
      break;
    default:
      fail(`Unrecognized match type ${name}`);
  }
  onlyOneKey(node);
  return condition;
}

/** `{"prefix": {"equals-ignore-case": "x"}}` and the suffix form. */
function ignoreCaseOperand(op: 'prefix' | 'suffix', inner: JsonNode & { t: 'obj' }): string {
  const title = op === 'prefix' ? 'Prefix' : 'Suffix';
  const first = inner.entries[0];
  if (!first) fail(`${title} expression name not found`);
  if (first[0] !== 'equals-ignore-case') fail(`Unsupported ${op} pattern: ${first[0]}`);
  if (first[1].t !== 'str') fail('equals-ignore-case match pattern must be a string');
  onlyOneKey(inner);
  return first[1].v;
}

function wildcardOrFail(text: string): Wildcard {
  const w = parseWildcard(text);
  return typeof w === 'string' ? fail(w) : w;
}

/** event-ruler's ComparableNumber range check, with Java's rendering of the limits. */
function checkNumber(n: number): number {
  if (!(n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT)) fail('Value must be between -5.0E9 and 5.0E9, inclusive');
  return n;
}

function compileNumeric(items: readonly JsonNode[]): Condition {
  const [opNode, valueNode] = items;
  if (opNode?.t !== 'str') fail(`Invalid member in numeric match: ${tokenText(opNode, ']')}`);
  const op = opNode.v;
  const valueName = op === '=' ? 'equals' : op;
  if (!['=', '<', '<=', '>', '>='].includes(op)) {
    fail(`Unrecognized numeric range operator: ${op}`);
  }
  if (valueNode?.t !== 'num') fail(`Value of ${valueName} must be numeric`);
  const value = valueNode.v;
  if (op === '=' || op === '<' || op === '<=') {
    if (items.length > 2) fail(TOO_MANY_NUMERIC);
    checkNumber(value);
    if (op === '=') return { kind: 'exact', value };
    return { kind: 'numeric', lo: -NUMERIC_LIMIT, loOpen: false, hi: value, hiOpen: op === '<' };
  }
  const loOpen = op === '>';
  if (items.length === 2) {
    checkNumber(value);
    return { kind: 'numeric', lo: value, loOpen, hi: NUMERIC_LIMIT, hiOpen: false };
  }
  const topOp = items[2];
  if (topOp.t !== 'str') fail(`Bad value in numeric range: ${tokenText(topOp, ']')}`);
  if (topOp.v !== '<' && topOp.v !== '<=') fail(`Bad numeric range operator: ${topOp.v}`);
  const top = items[3];
  if (top?.t !== 'num') fail(`Value of ${topOp.v} must be numeric`);
  if (items.length > 4) fail('Too many terms in numeric range expression');
  checkNumber(value);
  checkNumber(top.v);
  if (value >= top.v) fail('Bottom must be less than top');
  return { kind: 'numeric', lo: value, loOpen, hi: top.v, hiOpen: topOp.v === '<' };
}

type SetKind = 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard';

function compileAnythingBut(node: JsonNode & { t: 'obj' }, value: JsonNode): Condition {
  let setKind: SetKind | undefined;
  let operand = value;
  if (value.t === 'obj') {
    const first = value.entries[0];
    if (!first) fail('Anything-But expression name not found');
    const op = first[0];
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
      fail(`Unsupported anything-but pattern: ${op}`);
    }
    setKind = op;
    operand = first[1];
  }
  if (operand.t !== 'arr' && operand.t !== 'str' && operand.t !== 'num') {
    fail('Value of anything-but must be an array or single string/number value.');
  }
  const items = operand.t === 'arr' ? operand.items : [operand];
  const condition = setKind ? anythingButSet(setKind, items) : anythingButValues(items, operand.t === 'arr');
  if (value.t === 'obj') onlyOneKey(value, TOO_MANY_NUMERIC);
  onlyOneKey(node, TOO_MANY_NUMERIC);
  return condition;
}

function anythingButValues(items: readonly JsonNode[], isList: boolean): Condition {
  const values = new Set<string | number>();
  let strings = 0;
  let numbers = 0;
  for (const item of items) {
    if (item.t === 'str') {
      values.add(item.v);
      strings++;
    } else if (item.t === 'num') {
      values.add(checkNumber(item.v));
      numbers++;
    } else {
      fail(isList ? 'Inside anything but list, start|null|boolean is not supported.' : 'Inside anything-but list, start|null|boolean is not supported.');
    }
  }
  if ((strings > 0) === (numbers > 0)) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  }
  return { kind: 'anything-but', values };
}

function anythingButSet(kind: SetKind, items: readonly JsonNode[]): Condition {
  const texts: string[] = [];
  for (const item of items) {
    if (item.t !== 'str') {
      if (kind === 'equals-ignore-case') fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      fail(kind === 'wildcard' ? 'wildcard match pattern must be a string' : 'prefix/suffix match pattern must be a string');
    }
    if ((kind === 'prefix' || kind === 'suffix') && item.v === '') fail('Null prefix/suffix not allowed');
    texts.push(item.v);
  }
  switch (kind) {
    case 'equals-ignore-case': return { kind: 'anything-but-ignore-case', lower: new Set(texts.map(lowerCase)) };
    case 'prefix': return { kind: 'anything-but-prefix', texts };
    case 'suffix': return { kind: 'anything-but-suffix', texts };
    case 'wildcard': return { kind: 'anything-but-wildcard', wildcards: texts.map(wildcardOrFail) };
  }
}
