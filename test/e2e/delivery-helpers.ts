/**
 * Small waiting helpers for the delivery end-to-end tests: every wait is for an event (a request reaching a local
 * API, a line from a child process) and is bounded, so a test that would hang fails with a message instead.
 */
import type { HttpSink } from '../helpers/http-sink.js';

/** Resolves with `promise`, or rejects with `what` once `ms` real milliseconds pass first. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits, request by request, until `done()` holds (checked before each wait, so requests that already arrived
 * count); fails with `what()` when it still does not hold after `ms`.
 */
export async function untilRequests(sink: HttpSink, done: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${ms} ms: ${what()}`);
    // The check above and this subscription run in the same tick, so no request can slip between them.
    await within(sink.nextRequest(), left, '').catch(() => {
      if (!done()) throw new Error(`timed out after ${ms} ms: ${what()}`);
    });
  }
}

/** The p-th percentile (0–100) of the values, nearest-rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
