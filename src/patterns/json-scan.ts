/**
 * Matching straight from JSON text: a scanner that walks the text alongside the FieldTree, decoding only the
 * members that lead to a referenced path and skipping every other value by bracket counting, without building
 * objects for it. This is what makes `Matcher.matchJson` cheaper than JSON.parse + walk on large events.
 *
 * Skipped values are checked for balanced brackets and terminated strings, not fully validated, and numbers are
 * read with Number(), which is laxer than JSON: matchJson expects text already known to be JSON. On anything
 * unexpected the scanner throws MalformedJson and the caller falls back to JSON.parse (which reports the error
 * properly, or, if the text is valid after all, yields the object to walk the ordinary way).
 *
 * Written as a reusable object with methods rather than closures: closures would be re-created on every event.
 */
import type { FieldTree, PathNode } from './field-tree.js';
import type { ArrayTrail } from './rule-state.js';

export class MalformedJson extends Error {}

const QUOTE = 34, BACKSLASH = 92, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93, COMMA = 44, COLON = 58;

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

export class JsonScanner {
  private text = '';
  private pos = 0;

  constructor(private readonly tree: FieldTree) {}

  /** Feeds every value of the JSON document at a referenced path to its field index. */
  scan(text: string): void {
    this.text = text;
    this.pos = 0;
    this.value(this.tree.top, null);
    this.ws();
    if (this.pos < text.length) this.bad();
  }

  private bad(): never {
    throw new MalformedJson();
  }

  private ws(): number {
    const text = this.text;
    let pos = this.pos;
    let c = text.charCodeAt(pos);
    while (isWs(c)) c = text.charCodeAt(++pos);
    this.pos = pos;
    return c;
  }

  private value(node: PathNode, trail: ArrayTrail | null): void {
    const c = this.ws();
    if (c === LBRACE) {
      if (node.reachable.size === 0) return this.skipContainer();
      return this.object(node, trail);
    }
    if (c === LBRACKET) return this.array(node, trail);
    if (node.field) node.field.accept(this.scalar(c), trail);
    else this.skipScalar(c);
  }

  private object(node: PathNode, trail: ArrayTrail | null): void {
    this.pos++;
    if (this.ws() === RBRACE) {
      this.pos++;
      return;
    }
    const reachable = node.reachable;
    for (;;) {
      if (this.ws() !== QUOTE) this.bad();
      const key = this.string();
      if (this.ws() !== COLON) this.bad();
      this.pos++;
      const child = reachable.get(key);
      if (child) this.value(child, trail);
      else this.skip();
      const sep = this.ws();
      this.pos++;
      if (sep === RBRACE) return;
      if (sep !== COMMA) this.bad();
    }
  }

  private array(node: PathNode, trail: ArrayTrail | null): void {
    this.pos++;
    if (this.ws() === RBRACKET) {
      this.pos++;
      return;
    }
    // Element positions only matter where two different fields could be matched inside the same array.
    const tracked = node.fieldsBelow > 1;
    const array = tracked ? this.tree.nextArrayId() : 0;
    for (let index = 0; ; index++) {
      const e = this.ws();
      this.value(node, tracked && (e === LBRACE || e === LBRACKET) ? { array, index, parent: trail } : trail);
      const sep = this.ws();
      this.pos++;
      if (sep === RBRACKET) return;
      if (sep !== COMMA) this.bad();
    }
  }

  /** At an opening quote: returns the decoded string and moves past the closing quote. */
  private string(): string {
    const text = this.text;
    const start = this.pos + 1;
    const end = text.indexOf('"', start);
    if (end < 0) this.bad();
    const slash = text.indexOf('\\', start);
    if (slash < 0 || slash > end) {
      this.pos = end + 1;
      return text.slice(start, end);
    }
    this.skipString();
    try {
      return JSON.parse(text.slice(start - 1, this.pos)) as string;
    } catch {
      return this.bad();
    }
  }

  private scalar(c: number): unknown {
    const text = this.text;
    if (c === QUOTE) return this.string();
    if (c === 116 && text.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (c === 102 && text.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (c === 110 && text.startsWith('null', this.pos)) return (this.pos += 4), null;
    // Hand-rolled rather than a regex: numbers dominate some events (coordinate arrays) and this is the hot path.
    const start = this.pos;
    let pos = start;
    let d = text.charCodeAt(pos);
    while ((d >= 48 && d <= 57) || d === 45 || d === 46 || d === 43 || d === 101 || d === 69) d = text.charCodeAt(++pos);
    const n = pos > start ? Number(text.slice(start, pos)) : NaN;
    // Number() is laxer than JSON ("01", "1.", "+1" pass); callers hand us text that was already validated.
    if (n !== n) this.bad();
    this.pos = pos;
    return n;
  }

  private skip(): void {
    const c = this.ws();
    if (c === LBRACE || c === LBRACKET) this.skipContainer();
    else this.skipScalar(c);
  }

  private skipString(): void {
    const text = this.text;
    let i = this.pos + 1;
    for (;;) {
      const end = text.indexOf('"', i);
      if (end < 0) this.bad();
      let slashes = 0;
      for (let j = end - 1; text.charCodeAt(j) === BACKSLASH; j--) slashes++;
      i = end + 1;
      if (slashes % 2 === 0) break;
    }
    this.pos = i;
  }

  /** Skips an object or array by bracket depth, stepping over strings whole. */
  private skipContainer(): void {
    const text = this.text;
    let depth = 0;
    for (;;) {
      const d = text.charCodeAt(this.pos);
      if (d === QUOTE) {
        this.skipString();
        continue;
      }
      this.pos++;
      if (d === LBRACE || d === LBRACKET) depth++;
      else if (d === RBRACE || d === RBRACKET) {
        if (--depth === 0) return;
      } else if (d !== d) this.bad(); // NaN: ran off the end
    }
  }

  private skipScalar(c: number): void {
    if (c === QUOTE) return this.skipString();
    const text = this.text;
    const start = this.pos;
    let pos = start;
    for (;;) {
      const d = text.charCodeAt(pos);
      if (d === COMMA || d === RBRACE || d === RBRACKET || isWs(d) || d !== d) break;
      pos++;
    }
    if (pos === start) this.bad();
    this.pos = pos;
  }
}
