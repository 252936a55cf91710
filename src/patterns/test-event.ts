/**
 * TestEventPattern: does one pattern match one event, both given as JSON text. The event must be a JSON object
 * carrying the envelope fields AWS insists on. AWS's documentation also lists `resources`, but AWS accepts events
 * without it (most of the recorded conformance cases omit it and match), so it is not required here.
 */
import { parsePattern } from './compile.js';
import { InvalidEventError } from './errors.js';
import { Matcher } from './matcher.js';

export const REQUIRED_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

export function testEventPattern(patternText: string, eventText: string): boolean {
  const pattern = parsePattern(patternText);
  let event: unknown;
  try {
    event = JSON.parse(eventText);
  } catch {
    throw new InvalidEventError('It is not a valid JSON document.');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidEventError('It must be a JSON object.');
  }
  for (const field of REQUIRED_EVENT_FIELDS) {
    if (!Object.hasOwn(event, field)) throw new InvalidEventError(`Missing required field: ${field}.`, field);
  }
  const matcher = new Matcher<number>();
  matcher.add(0, pattern);
  return matcher.matchEvent(event).length > 0;
}
