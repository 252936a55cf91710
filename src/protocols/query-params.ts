/**
 * Reads the flat form parameters of a query-protocol request (`Attribute.1.Name=VisibilityTimeout`,
 * `AttributeName.1=All`, `SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=x`) into the nested
 * input object an operation takes — the same object the JSON protocol would have parsed — guided by the
 * operation's query shape. Numbers, booleans and timestamps are converted here, since the form carries only text,
 * into what awsJson would have carried: numbers, `"NaN"`/`"Infinity"`/`"-Infinity"` for the non-finite doubles
 * (the service decides whether it takes them), and epoch seconds for ISO 8601 timestamps. A value that does not
 * convert is InvalidParameterValue naming the parameter. Parameters the shape does not know are
 * ignored, as AWS ignores them; what is required is the operation's to check.
 */
import { ServiceError } from '../errors.js';
import type { QueryShape, QueryStructure } from './query-shape.js';
import { wireName } from './query-shape.js';

/** Parameter name → value; the first occurrence of a repeated name counts. */
export type QueryParams = ReadonlyMap<string, string>;

const INDEX = /^[1-9]\d{0,8}$/;
/**
 * No shape nests deeper or names longer than this; longer names cannot be parameters of any operation, and
 * skipping them bounds the prefix index a hostile request could make the reader build.
 */
const MAX_SEGMENTS = 16;
const MAX_NAME_LENGTH = 512;

/** Reads `params` as the input structure `shape` describes. */
export function readQueryInput(params: QueryParams, shape: QueryStructure): Record<string, unknown> {
  return new ParamReader(params).structure(shape, '');
}

class ParamReader {
  /** Every dotted prefix of every parameter name, so presence checks do not rescan the parameters. */
  readonly #prefixes = new Set<string>();
  /** For `Prefix.N...`: the indices N seen after each prefix, so lists are read in one pass over the names. */
  readonly #indices = new Map<string, Set<number>>();

  constructor(private readonly params: QueryParams) {
    for (const name of params.keys()) {
      if (name.length > MAX_NAME_LENGTH) continue;
      const segments = name.split('.', MAX_SEGMENTS + 1);
      if (segments.length > MAX_SEGMENTS) continue;
      let prefix = segments[0]!;
      for (const segment of segments.slice(1)) {
        this.#prefixes.add(prefix);
        if (INDEX.test(segment)) {
          const seen = this.#indices.get(prefix) ?? new Set();
          seen.add(Number(segment));
          this.#indices.set(prefix, seen);
        }
        prefix += `.${segment}`;
      }
    }
  }

  structure(shape: QueryStructure, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(shape.members)) {
      const value = this.#value(member, join(path, wireName(key, member)));
      if (value !== undefined) out[key] = value;
    }
    return out;
  }

  #value(shape: QueryShape, path: string): unknown {
    switch (shape.kind) {
      case 'string':
        return this.params.get(path);
      case 'integer':
        return this.#integer(path);
      case 'double':
        return this.#double(path);
      case 'boolean':
        return this.#boolean(path);
      case 'timestamp':
        return this.#timestamp(path);
      case 'structure':
        return this.#prefixes.has(path) ? this.structure(shape, path) : undefined;
      case 'list':
        return this.#list(shape, path);
      case 'map':
        return this.#map(shape, path);
    }
  }

  #list(shape: Extract<QueryShape, { kind: 'list' }>, path: string): unknown[] | undefined {
    // botocore sends an empty list as the bare member name with an empty value.
    if (this.params.get(path) === '') return [];
    // A flattened list's elements replace the member's own name with the element name: `AttributeName.1`.
    const base = shape.flattened ? replaceLast(path, shape.memberName) : `${path}.${shape.memberName ?? 'member'}`;
    const indices = this.#sortedIndices(base);
    return indices?.map((i) => {
      const element = this.#value(shape.member, `${base}.${i}`);
      // `AttributeName.1.x` without `AttributeName.1`: the element itself is missing.
      if (element === undefined) throw missing(`${base}.${i}`);
      return element;
    });
  }

  #map(shape: Extract<QueryShape, { kind: 'map' }>, path: string): Record<string, unknown> | undefined {
    const base = shape.flattened ? path : `${path}.entry`;
    const indices = this.#sortedIndices(base);
    if (!indices) return undefined;
    const out: Record<string, unknown> = {};
    for (const i of indices) {
      const keyPath = `${base}.${i}.${shape.keyName}`;
      const valuePath = `${base}.${i}.${shape.valueName}`;
      const key = this.params.get(keyPath);
      if (key === undefined) throw missing(keyPath);
      const value = this.#value(shape.value, valuePath);
      if (value === undefined) throw missing(valuePath);
      // Defined rather than assigned, so a key such as "__proto__" is an ordinary entry, as JSON.parse makes it.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  #sortedIndices(base: string): number[] | undefined {
    const seen = this.#indices.get(base);
    return seen && [...seen].sort((a, b) => a - b);
  }

  #integer(path: string): number | undefined {
    const text = this.params.get(path);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n)) throw invalid(path, text, 'Must be an integer.');
    return n;
  }

  #double(path: string): number | string | undefined {
    const text = this.params.get(path);
    if (text === undefined) return undefined;
    if (DECIMAL.test(text)) return Number(text);
    // botocore writes the non-finite doubles as Java parses them: NaN, Infinity, -Infinity.
    if (NON_FINITE.test(text)) return text.replace(/^\+/, '');
    throw invalid(path, text, 'Must be a number.');
  }

  #timestamp(path: string): number | undefined {
    const text = this.params.get(path);
    if (text === undefined) return undefined;
    const seconds = isoSeconds(text);
    if (seconds === undefined) throw invalid(path, text, 'Must be an ISO 8601 timestamp such as 2026-11-25T10:00:00Z.');
    return seconds;
  }

  #boolean(path: string): boolean | undefined {
    const text = this.params.get(path);
    if (text === undefined) return undefined;
    const lower = text.toLowerCase();
    if (lower !== 'true' && lower !== 'false') throw invalid(path, text, 'Must be true or false.');
    return lower === 'true';
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^(?:NaN|[+-]?Infinity)$/;
/**
 * What botocore sends (`2026-11-25T10:00:00Z`, `2026-11-25T10:00:00.123456Z`) and other clients may: any number
 * of fraction digits, a `+01:00` or `+0100` offset, or none, which is taken as UTC.
 */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:Z|([+-])(\d{2}):?(\d{2}))?$/i;

/** An ISO 8601 date-time as epoch seconds (fractional), or undefined if it is not one or names no real time. */
function isoSeconds(text: string): number | undefined {
  const m = ISO_8601.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls an hour 24 or a February 30 over into the next unit; such a text names no time.
  const exact = at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day && at.getUTCHours() === hour && at.getUTCMinutes() === minute;
  if (!exact || Number(m[10] ?? 0) > 59) return undefined;
  const offsetMinutes = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  return at.getTime() / 1000 + Number(m[7] ?? 0) - offsetMinutes * 60;
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function replaceLast(path: string, name: string | undefined): string {
  if (name === undefined) return path;
  const dot = path.lastIndexOf('.');
  return dot < 0 ? name : `${path.slice(0, dot)}.${name}`;
}

function missing(path: string): ServiceError {
  return new ServiceError('MissingParameter', `The request must contain the parameter ${path}.`);
}

function invalid(path: string, text: string, reason: string): ServiceError {
  return new ServiceError('InvalidParameterValue', `Value ${text} for parameter ${path} is invalid. Reason: ${reason}`);
}
