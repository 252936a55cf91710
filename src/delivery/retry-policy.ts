/**
 * EventBridge's retry policy for rule targets: `MaximumRetryAttempts` (0–185, default 185) and
 * `MaximumEventAgeInSeconds` (60–86400, default 86400), whichever runs out first, with exponential backoff and
 * jitter between attempts.
 *
 * The schedule (docs/delivery.md): the n-th retry waits d/2 + random·d/2 ("equal jitter"), where
 * d = min(1 s · 2^(n-1), 11 min). So the first retries come within seconds (0.5–1 s, 1–2 s, 2–4 s, ...), the wait
 * grows to minutes after about ten retries, and 185 retries take about 24 hours on average — so, as in AWS, the
 * 24-hour age limit often ends the retries shortly before the 185th. A target's `Retry-After` answer is honoured:
 * the wait is the later of it and the backoff.
 */

export interface RetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maximumRetryAttempts: 185, maximumEventAgeMs: 86_400_000 };

const BASE_MS = 1_000;
const CAP_MS = 11 * 60_000;

/** The policy a target's stored spec asks for, with AWS's defaults for what it leaves out. */
export function retryPolicyOf(spec: { RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } }): RetryPolicy {
  return {
    maximumRetryAttempts: spec.RetryPolicy?.MaximumRetryAttempts ?? DEFAULT_RETRY_POLICY.maximumRetryAttempts,
    maximumEventAgeMs: (spec.RetryPolicy?.MaximumEventAgeInSeconds ?? 86_400) * 1000,
  };
}

/** Wait before retry number `retry` (1 for the first retry); `random` in [0, 1). */
export function backoffMs(retry: number, random: number = Math.random()): number {
  const d = Math.min(CAP_MS, BASE_MS * 2 ** Math.min(retry - 1, 30));
  return d / 2 + random * (d / 2);
}

export type RetryDecision = { retry: true; dueAt: number } | { retry: false; exhausted: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' };

/**
 * After a failed, retryable attempt: when to try again, or which limit has run out. `attempts` counts attempts made
 * so far (1 after the first); the event's age is measured from when it was accepted.
 */
export function nextRetry(policy: RetryPolicy, attempts: number, now: number, eventReceivedAt: number, retryAfterMs = 0, random: number = Math.random()): RetryDecision {
  const retriesDone = attempts - 1;
  if (retriesDone >= policy.maximumRetryAttempts) return { retry: false, exhausted: 'MaximumRetryAttempts' };
  // Whole milliseconds: due times are stored as integers.
  const dueAt = Math.ceil(now + Math.max(backoffMs(retriesDone + 1, random), retryAfterMs));
  // A retry that would start after the event's age limit will never be made: the event is exhausted now.
  if (dueAt - eventReceivedAt > policy.maximumEventAgeMs) return { retry: false, exhausted: 'MaximumEventAgeInSeconds' };
  return { retry: true, dueAt };
}
