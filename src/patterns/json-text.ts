/**
 * A small JSON reader for pattern text. JSON.parse cannot be used for patterns because AWS accepts repeated keys
 * and gives them meaning (event-ruler compiles fields in document order, a later occurrence of a path replacing an
 * earlier one), so objects are kept as ordered entry lists. Syntax errors are reported in Jackson's wording, which
 * is what AWS puts after "Event pattern is not valid. Reason: ".
 */
import { InvalidEventPatternError } from './errors.js';

export type JsonNode =
  | { readonly t: 'obj'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> }
  | { readonly t: 'arr'; readonly items: readonly JsonNode[] }
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly v: number; readonly raw: string }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'null' };

/** Jackson's default nesting limit; also keeps recursion far from the JS stack limit. */
const MAX_DEPTH = 1000;

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonText(text: string): JsonNode {
  let pos = 0;

  const fail = (reason: string): never => {
    throw new InvalidEventPatternError(reason);
  };
  const describe = (ch: string): string => `'${ch}' (code ${ch.charCodeAt(0)})`;

  const skipWs = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
      else return;
    }
  };

  const readString = (): string => {
    pos++; // opening quote
    let out = '';
    let start = pos;
    for (;;) {
      if (pos >= text.length) fail('Unexpected end-of-input: was expecting closing quote for a string value');
      const c = text.charCodeAt(pos);
      if (c === 34) {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (c < 32) fail(`Illegal unquoted character (CTRL-CHAR, code ${c}): has to be escaped using backslash to be included in string value`);
      if (c !== 92) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Unexpected character in unicode escape: was expecting hex-digit for character escape sequence');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 4;
          break;
        }
        case undefined: fail('Unexpected end-of-input in character escape sequence'); break;
        default: fail(`Unrecognized character escape ${describe(e)}`);
      }
      start = pos;
    }
  };

  const readValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail(`Document nesting depth exceeds the maximum allowed (${MAX_DEPTH})`);
    skipWs();
    const ch = text[pos];
    if (ch === '{') return readObject(depth);
    if (ch === '[') return readArray(depth);
    if (ch === '"') return { t: 'str', v: readString() };
    if (ch === undefined) return fail('Unexpected end-of-input: expected a value');
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER_RE.lastIndex = pos;
      const m = NUMBER_RE.exec(text);
      if (!m) return fail(`Unexpected character (${describe(ch)}): expected digit`);
      pos += m[0].length;
      return { t: 'num', v: Number(m[0]), raw: m[0] };
    }
    for (const [word, node] of LITERALS) {
      if (text.startsWith(word, pos) && !/[A-Za-z0-9_]/.test(text[pos + word.length] ?? '')) {
        pos += word.length;
        return node;
      }
    }
    const token = /^[^\s,:{}[\]"]*/.exec(text.slice(pos))?.[0] || ch;
    return fail(`Unrecognized token '${token}': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`);
  };

  const readObject = (depth: number): JsonNode => {
    pos++;
    const entries: Array<readonly [string, JsonNode]> = [];
    skipWs();
    if (text[pos] === '}') {
      pos++;
      return { t: 'obj', entries };
    }
    for (;;) {
      skipWs();
      const ch = text[pos];
      if (ch === undefined) fail('Unexpected end-of-input: expected close marker for Object');
      if (ch !== '"') fail(`Unexpected character (${describe(ch)}): was expecting double-quote to start field name`);
      const key = readString();
      skipWs();
      if (text[pos] !== ':') fail(`Unexpected character (${describe(text[pos] ?? ' ')}): was expecting a colon to separate field name and value`);
      pos++;
      entries.push([key, readValue(depth + 1)]);
      skipWs();
      const sep = text[pos++];
      if (sep === '}') return { t: 'obj', entries };
      if (sep === undefined) fail('Unexpected end-of-input: expected close marker for Object');
      if (sep !== ',') fail(`Unexpected character (${describe(sep)}): was expecting comma to separate Object entries`);
    }
  };

  const readArray = (depth: number): JsonNode => {
    pos++;
    const items: JsonNode[] = [];
    skipWs();
    if (text[pos] === ']') {
      pos++;
      return { t: 'arr', items };
    }
    for (;;) {
      items.push(readValue(depth + 1));
      skipWs();
      const sep = text[pos++];
      if (sep === ']') return { t: 'arr', items };
      if (sep === undefined) fail('Unexpected end-of-input: expected close marker for Array');
      if (sep !== ',') fail(`Unexpected character (${describe(sep)}): was expecting comma to separate Array entries`);
    }
  };

  // Like event-ruler, only the first JSON value is read; anything after it is never looked at.
  return readValue(0);
}

const LITERALS: ReadonlyArray<readonly [string, JsonNode]> = [
  ['true', { t: 'bool', v: true }],
  ['false', { t: 'bool', v: false }],
  ['null', { t: 'null' }],
];
