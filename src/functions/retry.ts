/**
 * Lambda's asynchronous-invocation schedule, as pure functions for the dispatcher:
 * - after a function error (a throw, a timeout, a module that does not load) the event is retried about 1 minute
 *   and then 2 minutes later, up to `maximumRetryAttempts` times;
 * - after throttling or a system error it is retried with exponential backoff from 1 s up to 5 minutes between
 *   attempts, for up to 6 hours; these retries do not count against `maximumRetryAttempts`;
 * - either way the event is given up once it is older than `maximumEventAgeInSeconds`.
 * And the invocation record Lambda sends to an on-failure or on-success destination.
 */
import type { FunctionResult } from './runner.js';
import type { FunctionSpec } from './spec.js';

const FUNCTION_ERROR_DELAYS_MS = [60_000, 120_000];
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;
/** Lambda keeps an event for at most 6 hours whatever the function's setting. */
const MAX_EVENT_AGE_MS = 6 * 60 * 60_000;

export type FailureKind = Extract<FunctionResult, { ok: false }>['kind'];

/** What the dispatcher knows about an event's invocations so far. */
export interface AsyncInvocationState {
  /** When the event was accepted for asynchronous invocation (clock ms). */
  enqueuedAt: number;
  /** Function errors so far, the failure being decided on included. */
  functionErrors: number;
  /** Throttles and system errors so far, the failure being decided on included. */
  throttles: number;
}

export type RetryDecision = { retry: true; at: number } | { retry: false; condition: 'RetriesExhausted' | 'EventAgeExceeded' };

/** The delay before the next attempt after the `n`th function error (1-based). */
export function functionErrorDelayMs(n: number): number {
  return FUNCTION_ERROR_DELAYS_MS[Math.min(n, FUNCTION_ERROR_DELAYS_MS.length) - 1]!;
}

/** The delay before the next attempt after the `n`th throttle or system error (1-based): 1 s, 2 s, 4 s, ... 5 min. */
export function throttleDelayMs(n: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.min(n - 1, 30), MAX_BACKOFF_MS);
}

/** Whether, and when, to try the event again after a failed attempt at `now`. */
export function nextRetry(spec: Pick<FunctionSpec, 'maximumRetryAttempts' | 'maximumEventAgeInSeconds'>, kind: FailureKind, state: AsyncInvocationState, now: number): RetryDecision {
  if (kind !== 'throttled' && state.functionErrors > spec.maximumRetryAttempts) return { retry: false, condition: 'RetriesExhausted' };
  const at = now + (kind === 'throttled' ? throttleDelayMs(state.throttles) : functionErrorDelayMs(state.functionErrors));
  const maxAgeMs = Math.min(spec.maximumEventAgeInSeconds * 1000, MAX_EVENT_AGE_MS);
  if (at - state.enqueuedAt > maxAgeMs) return { retry: false, condition: 'EventAgeExceeded' };
  return { retry: true, at };
}

export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded'; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: '$LATEST'; functionError?: 'Unhandled' };
  responsePayload: unknown;
}

export interface RecordInput {
  /** Clock ms. */
  timestamp: number;
  requestId: string;
  functionArn: string;
  approximateInvokeCount: number;
  requestPayload: unknown;
}

/** The record for an on-failure destination, from the last failed attempt. */
export function failureRecord(input: RecordInput, condition: 'RetriesExhausted' | 'EventAgeExceeded', last: Extract<FunctionResult, { ok: false }>): InvocationRecord {
  // A function error is a 200 answer flagged Unhandled; an event that only ever met throttling never ran.
  const ran = last.kind !== 'throttled';
  return {
    version: '1.0',
    timestamp: new Date(input.timestamp).toISOString(),
    requestContext: { requestId: input.requestId, functionArn: input.functionArn, condition, approximateInvokeCount: input.approximateInvokeCount },
    requestPayload: input.requestPayload,
    responseContext: ran ? { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' } : { statusCode: 429, executedVersion: '$LATEST' },
    responsePayload: { errorType: last.errorType, errorMessage: last.errorMessage, trace: last.trace },
  };
}

/** The record for an on-success destination. */
export function successRecord(input: RecordInput, result: unknown): InvocationRecord {
  return {
    version: '1.0',
    timestamp: new Date(input.timestamp).toISOString(),
    requestContext: { requestId: input.requestId, functionArn: input.functionArn, condition: 'Success', approximateInvokeCount: input.approximateInvokeCount },
    requestPayload: input.requestPayload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST' },
    responsePayload: result,
  };
}
