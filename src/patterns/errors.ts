/**
 * Error types of the pattern engine. Their `code`s are the AWS error codes the API layer puts in `__type`,
 * and their messages are AWS's own wording so SDK users see what they would see against AWS.
 */

const PATTERN_PREFIX = 'Event pattern is not valid. Reason: ';

/** Thrown for an invalid pattern; `message` is AWS's exact message, e.g. "Event pattern is not valid. Reason: Empty arrays are not allowed" */
export class InvalidEventPatternError extends Error {
  readonly code = 'InvalidEventPatternException';
  /** The event-ruler reason alone, without AWS's "Event pattern is not valid" preamble. */
  readonly reason: string;
  constructor(reason: string) {
    super(PATTERN_PREFIX + reason);
    this.name = 'InvalidEventPatternError';
    this.reason = reason;
  }
}

/** A request parameter failed AWS's input validation (`ValidationException`). */
export class ValidationError extends Error {
  readonly code: string = 'ValidationException';
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** The `Event` given to TestEventPattern is not JSON, not an object, or lacks a mandatory envelope field. */
export class InvalidEventError extends ValidationError {
  /** The missing mandatory field, when that is what is wrong. */
  readonly field: string | undefined;
  constructor(detail: string, field?: string) {
    super(`Parameter Event is not valid. ${detail}`);
    this.name = 'InvalidEventError';
    this.field = field;
  }
}
