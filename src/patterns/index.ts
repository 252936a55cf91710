/**
 * Public API of the EventBridge event-pattern engine: pattern validation with AWS's messages, a multi-rule
 * Matcher, and TestEventPattern semantics.
 */
export { InvalidEventError, InvalidEventPatternError, ValidationError } from './errors.js';
export { parsePattern, type CompiledPattern } from './compile.js';
export { Matcher } from './matcher.js';
export { REQUIRED_EVENT_FIELDS, testEventPattern } from './test-event.js';
