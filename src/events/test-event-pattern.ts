/**
 * Pattern checks as EventBridge's API reports them: TestEventPattern, and the validation PutRule shares with it.
 * Invalid patterns answer with AWS's InvalidEventPatternException message; an event missing a required envelope
 * field is a ValidationException.
 */
import { ServiceError } from '../errors.js';
import { InvalidEventError, InvalidEventPatternError, parsePattern, testEventPattern } from '../patterns/index.js';
import { check, str, struct } from '../protocols/shape.js';

const shape = struct({ EventPattern: str({ max: 4096 }), Event: str() }, ['EventPattern', 'Event']);

export function testPattern(input: unknown): Promise<{ Result: boolean }> {
  const req = check<{ EventPattern: string; Event: string }>(input, shape);
  return Promise.resolve({ Result: asServiceError(() => testEventPattern(req.EventPattern, req.Event)) });
}

/** Throws InvalidEventPatternException with AWS's message when the pattern is not valid. */
export function validatePattern(text: string): void {
  asServiceError(() => parsePattern(text));
}

function asServiceError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidEventPatternError) throw new ServiceError('InvalidEventPatternException', err.message);
    if (err instanceof InvalidEventError) throw new ServiceError('ValidationException', err.message);
    throw err;
  }
}
