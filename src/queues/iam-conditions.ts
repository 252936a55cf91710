/**
 * IAM policy conditions: a statement's `Condition` block compiled once into a test of a request's context keys,
 * with IAM's rules — every operator in the block must hold, every key under an operator must hold, and a key
 * holds when the request's value matches any of the listed values (for the negated operators, none of them).
 *
 * A key the request does not carry makes a positive operator false and a negated one true (so
 * `NotIpAddress aws:SourceIp` denies requests from services, as in AWS); `…IfExists` makes it true either way,
 * `ForAllValues:` true and `ForAnyValue:` false. Keys are case-insensitive, values case-sensitive unless the
 * operator says otherwise. The `Arn…` operators compare each of an ARN's six colon-separated parts on its own,
 * so `*` never crosses a colon there (and a pattern must have all six); `ArnEquals` matches like `ArnLike`.
 */
import { parseIp } from '../patterns/cidr.js';

/** The request's context keys, lower-cased (`aws:sourcearn`). */
export type ConditionContext = ReadonlyMap<string, string>;

export type ConditionTest = (context: ConditionContext) => boolean;

/** Compiles one expected value into a test of the request's value; a string is why the value is invalid. */
type Compiler = (expected: string) => ((actual: string) => boolean) | string;

const exact: Compiler = (e) => (a) => a === e;
const ignoringCase: Compiler = (e) => {
  const lower = e.toLowerCase();
  return (a) => a.toLowerCase() === lower;
};
const like: Compiler = (e) => globTest(e);
const arnLike: Compiler = (e) => {
  const parts = arnParts(e);
  // Wildcards never span parts, so a pattern needs all six, even if they are all "*".
  if (!parts) return () => false;
  const tests = parts.map((p) => globTest(p));
  return (a) => {
    const actual = arnParts(a);
    return actual !== undefined && tests.every((test, i) => test(actual[i]!));
  };
};
const bool: Compiler = (e) => {
  const lower = e.toLowerCase();
  if (lower !== 'true' && lower !== 'false') return `Bool expects true or false, not ${e}`;
  return (a) => a.toLowerCase() === lower;
};
const numeric =
  (cmp: (a: number, e: number) => boolean): Compiler =>
  (e) => {
    const n = Number(e);
    if (e.trim() === '' || Number.isNaN(n)) return `${e} is not a number`;
    return (a) => a.trim() !== '' && !Number.isNaN(Number(a)) && cmp(Number(a), n);
  };
const date =
  (cmp: (a: number, e: number) => boolean): Compiler =>
  (e) => {
    const t = parseDate(e);
    if (t === undefined) return `${e} is not a date`;
    return (a) => {
      const at = parseDate(a);
      return at !== undefined && cmp(at, t);
    };
  };
const ip: Compiler = (e) => {
  // IAM's CIDR is a network: the host bits of the address as written are ignored, and /32 (/128) is one address.
  const [text, maskText] = e.split('/');
  const base = parseIp(text ?? '');
  const bits = base?.v6 ? 128 : 32;
  const mask = maskText === undefined ? bits : /^\d{1,3}$/.test(maskText) ? Number(maskText) : NaN;
  if (!base || !(mask <= bits)) return `${e} is not an IP address or CIDR block`;
  const hostMask = (1n << BigInt(bits - mask)) - 1n;
  const network = base.n & ~hostMask;
  return (a) => {
    const address = parseIp(a);
    return address !== null && address.v6 === base.v6 && (address.n & ~hostMask) === network;
  };
};

const eq = (a: number, e: number) => a === e;
const lt = (a: number, e: number) => a < e;
const le = (a: number, e: number) => a <= e;
const gt = (a: number, e: number) => a > e;
const ge = (a: number, e: number) => a >= e;

/** Operator → how it compares, and whether it is the negation (true when no listed value matches). */
const OPERATORS: Record<string, { compile: Compiler; negated: boolean }> = {
  StringEquals: { compile: exact, negated: false },
  StringNotEquals: { compile: exact, negated: true },
  StringEqualsIgnoreCase: { compile: ignoringCase, negated: false },
  StringNotEqualsIgnoreCase: { compile: ignoringCase, negated: true },
  StringLike: { compile: like, negated: false },
  StringNotLike: { compile: like, negated: true },
  ArnEquals: { compile: arnLike, negated: false },
  ArnLike: { compile: arnLike, negated: false },
  ArnNotEquals: { compile: arnLike, negated: true },
  ArnNotLike: { compile: arnLike, negated: true },
  NumericEquals: { compile: numeric(eq), negated: false },
  NumericNotEquals: { compile: numeric(eq), negated: true },
  NumericLessThan: { compile: numeric(lt), negated: false },
  NumericLessThanEquals: { compile: numeric(le), negated: false },
  NumericGreaterThan: { compile: numeric(gt), negated: false },
  NumericGreaterThanEquals: { compile: numeric(ge), negated: false },
  DateEquals: { compile: date(eq), negated: false },
  DateNotEquals: { compile: date(eq), negated: true },
  DateLessThan: { compile: date(lt), negated: false },
  DateLessThanEquals: { compile: date(le), negated: false },
  DateGreaterThan: { compile: date(gt), negated: false },
  DateGreaterThanEquals: { compile: date(ge), negated: false },
  Bool: { compile: bool, negated: false },
  BinaryEquals: { compile: exact, negated: false },
  IpAddress: { compile: ip, negated: false },
  NotIpAddress: { compile: ip, negated: true },
};

/** Compiles a statement's `Condition` block; a string is the reason it is invalid. */
export function compileCondition(block: unknown): ConditionTest | string {
  if (block === null || typeof block !== 'object' || Array.isArray(block)) return 'Condition must be an object';
  const tests: ConditionTest[] = [];
  for (const [operator, keys] of Object.entries(block as Record<string, unknown>)) {
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) return `Condition operator ${operator} must map keys to values`;
    for (const [key, raw] of Object.entries(keys as Record<string, unknown>)) {
      const values = conditionValues(raw);
      if (values === undefined) return `Condition ${operator} ${key} must be a string, number, boolean or a list of them`;
      const test = compileKey(operator, key.toLowerCase(), values);
      if (typeof test === 'string') return `Condition ${operator} ${key}: ${test}`;
      tests.push(test);
    }
  }
  return (context) => tests.every((t) => t(context));
}

function compileKey(operator: string, key: string, values: string[]): ConditionTest | string {
  const set = /^(ForAnyValue|ForAllValues):/.exec(operator)?.[1];
  let name = set ? operator.slice(set.length + 1) : operator;
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  if (name === 'Null' && !set && !ifExists) return compileNull(key, values);
  const spec = OPERATORS[name];
  if (!spec) return `unknown operator ${operator}`;
  const matchers: ((actual: string) => boolean)[] = [];
  for (const v of values) {
    const m = spec.compile(v);
    if (typeof m === 'string') return m;
    matchers.push(m);
  }
  // What an absent key gives: IfExists and ForAllValues hold vacuously, ForAnyValue never; otherwise only a
  // negated operator holds ("not equal to any of these" is true of nothing).
  const absent = ifExists || set === 'ForAllValues' ? true : set === 'ForAnyValue' ? false : spec.negated;
  return (context) => {
    const actual = context.get(key);
    if (actual === undefined) return absent;
    return matchers.some((m) => m(actual)) !== spec.negated;
  };
}

/** `Null`: "true" holds when the key is absent, "false" when it is present. */
function compileNull(key: string, values: string[]): ConditionTest | string {
  const wanted = values.map((v) => v.toLowerCase());
  if (wanted.some((v) => v !== 'true' && v !== 'false')) return 'Null expects true or false';
  return (context) => wanted.includes(context.has(key) ? 'false' : 'true');
}

function conditionValues(raw: unknown): string[] | undefined {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) return undefined;
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
    else return undefined;
  }
  return out;
}

/**
 * An IAM glob (`*` any run of characters, `?` one character) as an anchored RegExp. `flags` is 'i' for action
 * names, which IAM compares without regard to case.
 */
export function globRegExp(glob: string, flags = ''): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, `s${flags}`);
}

/**
 * A test of a value against an IAM glob, `ignoreCase` for action names. A glob without wildcards is a string
 * comparison and `*` is always true: most policies are made of those, and this runs on every delivery.
 */
export function globTest(glob: string, ignoreCase = false): (value: string) => boolean {
  if (glob === '*') return () => true;
  if (!/[*?]/.test(glob)) {
    if (!ignoreCase) return (v) => v === glob;
    const lower = glob.toLowerCase();
    return (v) => v.length === lower.length && v.toLowerCase() === lower;
  }
  const re = globRegExp(glob, ignoreCase ? 'i' : '');
  return (v) => re.test(v);
}

/** An ARN's six parts (the resource part may itself hold colons), or undefined when it has fewer. */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** An ISO 8601 date or epoch seconds, as IAM's date operators accept, in ms; undefined when neither. */
function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
