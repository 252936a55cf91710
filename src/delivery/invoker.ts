/**
 * The contract between the dispatcher and the code that calls a target. An invoker makes one attempt and says how
 * it went, classified the way EventBridge classifies it; the dispatcher decides what follows (done, retry at a
 * later time, dead letter) from that and the target's retry policy. Invokers never retry on their own.
 */

/** EventBridge's ERROR_CODE values, as they appear in dead-letter message attributes. */
export type DeliveryErrorCode =
  | 'CONNECTION_FAILURE'
  | 'ERROR_FROM_TARGET'
  | 'INVALID_JSON'
  | 'INVALID_PARAMETER'
  | 'NO_PERMISSIONS'
  | 'NO_RESOURCE'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'SDK_CLIENT_ERROR'
  | 'THROTTLING'
  | 'TIMEOUT'
  | 'UNKNOWN';

/** What the target answered, kept with the dead letter (body cut to 4 KB). */
export interface TargetResponse {
  status: number;
  body: string;
}

export type InvocationResult =
  | {
      ok: true;
      response?: TargetResponse;
      /** The target accepted the event for its own asynchronous processing (a function's event queue). */
      enqueued?: { kind: 'function'; input: string };
    }
  | {
      ok: false;
      /** Network errors, timeouts, 429 and 5xx are retryable; other 4xx, missing targets and permissions are not. */
      retryable: boolean;
      errorCode: DeliveryErrorCode;
      errorMessage: string;
      response?: TargetResponse;
      /** From a Retry-After header, in milliseconds of the clock's time. */
      retryAfterMs?: number;
    };

export interface Invocation {
  /** The ARN the rule target names. */
  targetArn: string;
  /** The AWS target shape minus Id/Arn (HttpParameters, SqsParameters, ...), parsed. */
  target: Record<string, unknown>;
  /** The event as the target receives it, after Input / InputPath / InputTransformer. */
  input: string;
  /** The original EventBridge envelope (JSON text). */
  event: string;
  ruleArn: string;
  /** Aborted when the invocation's timeout passes or the dispatcher shuts down. */
  signal: AbortSignal;
}

export interface Invoker {
  /** True when this invoker handles the target ARN (e.g. `arn:aws:events:...:api-destination/...`). */
  handles(targetArn: string): boolean;
  invoke(invocation: Invocation): Promise<InvocationResult>;
}

/** The first 4 KB of a response body, as the dead letter keeps it. */
export function truncateBody(body: string): string {
  return Buffer.byteLength(body, 'utf8') <= 4096 ? body : Buffer.from(body, 'utf8').subarray(0, 4096).toString('utf8');
}
