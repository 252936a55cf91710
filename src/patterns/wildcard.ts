/**
 * `wildcard` patterns: validation with event-ruler's messages, a complexity limit standing in for AWS's, and
 * matching. A pattern is split on unescaped `*` into literal segments; matching anchors the first and last
 * segments and finds the middle ones left to right, which is exact for `*`-only globs.
 */

export interface Wildcard {
  readonly source: string;
  /** Literal pieces between stars; `segments.length - 1` stars, so a leading/trailing star gives an empty piece. */
  readonly segments: readonly string[];
}

/** Most simultaneously live wildcard-pattern states AWS lets one value machine reach (see `complexity`). */
const MAX_COMPLEXITY = 5;

const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/** Parses a wildcard pattern; returns an event-ruler error message (without AWS's preamble) when invalid. */
export function parseWildcard(source: string): Wildcard | string {
  const segments: string[] = [];
  let current = '';
  // event-ruler reports byte positions in the UTF-8 of the quoted value, so the opening quote counts as byte 0.
  let bytePos = 1;
  const chars = Array.from(source); // code points, so astral characters stay whole
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '*') {
      if (chars[i + 1] === '*') return `Consecutive wildcard characters at pos ${bytePos}`;
      segments.push(current);
      current = '';
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next !== '*' && next !== '\\') return `Invalid escape character at pos ${bytePos}`;
      current += next;
      i++;
      bytePos++;
    } else {
      current += ch;
    }
    bytePos += utf8Length(chars[i].codePointAt(0) ?? 0);
  }
  segments.push(current);
  const wildcard = { source, segments };
  return complexity(wildcard) > MAX_COMPLEXITY ? TOO_COMPLEX : wildcard;
}

export function wildcardMatches(w: Wildcard, value: string): boolean {
  const segs = w.segments;
  const first = segs[0];
  if (segs.length === 1) return value === first;
  const last = segs[segs.length - 1];
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < segs.length - 1; i++) {
    const seg = segs[i];
    if (seg === '') continue;
    const found = value.indexOf(seg, at);
    if (found < 0 || found + seg.length > end) return false;
    at = found + seg.length;
  }
  return true;
}

/**
 * AWS rejects wildcard patterns whose value automaton could be in too many wildcard states at once for some input.
 * We compute that directly: simulate the pattern's NFA over every reachable set of states (subset construction
 * over the pattern's own characters plus one "other" character) and count the live star states. Repeated
 * sequences after a star raise the count only when they re-enter a star, which is what AWS's message hints at.
 */
function complexity(w: Wildcard): number {
  if (w.segments.length < 3) return w.segments.length - 1;
  // NFA positions: a flat token list where -1 is a star and other entries are characters.
  const tokens: number[] = [];
  w.segments.forEach((seg, i) => {
    if (i > 0) tokens.push(-1);
    for (const ch of seg) tokens.push(ch.codePointAt(0) ?? 0);
  });
  const alphabet = [...new Set(tokens.filter((t) => t >= 0)), -2];
  const closure = (states: Set<number>): Set<number> => {
    for (const s of [...states]) {
      let p = s;
      while (tokens[p] === -1) states.add(++p); // a star may match nothing
    }
    return states;
  };
  const start = closure(new Set([0]));
  const seen = new Set<string>();
  const queue = [start];
  let worst = 0;
  while (queue.length > 0 && seen.size < 10_000) {
    const states = queue.pop()!;
    const key = [...states].sort((a, b) => a - b).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    let stars = 0;
    for (const s of states) if (tokens[s] === -1) stars++;
    worst = Math.max(worst, stars);
    for (const ch of alphabet) {
      const next = new Set<number>();
      for (const s of states) {
        if (tokens[s] === -1) next.add(s);
        else if (tokens[s] === ch) next.add(s + 1);
      }
      if (next.size > 0) queue.push(closure(next));
    }
  }
  return worst;
}

function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
