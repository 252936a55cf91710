/** Shared helpers for the pattern-engine tests. */
import { Matcher, parsePattern } from '../../src/patterns/index.js';

/** Does `pattern` match `event` (both plain values)? Checked through both matchEvent and matchJson, which must agree. */
export function matches(pattern: unknown, event: unknown): boolean {
  const m = new Matcher();
  m.add('r', parsePattern(JSON.stringify(pattern)));
  const viaObject = m.matchEvent(event).length > 0;
  const viaText = m.matchJson(JSON.stringify(event)).length > 0;
  if (viaObject !== viaText) throw new Error(`matchEvent=${viaObject} but matchJson=${viaText}`);
  return viaObject;
}

/** The AWS message a pattern is rejected with, or null when it is valid. */
export function rejection(pattern: string | object): string | null {
  try {
    parsePattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export const REASON = 'Event pattern is not valid. Reason: ';
