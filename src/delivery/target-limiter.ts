/**
 * Per-target isolation: each target has its own concurrency limit and, for API destinations, its own rate limit
 * (`InvocationRateLimitPerSecond`, a token bucket in clock time). A target at its limit is skipped when the
 * dispatcher claims work, so a slow or failing endpoint never holds slots another target could use.
 */
import type { Clock } from '../clock.js';

interface TargetState {
  inFlight: number;
  /** Token bucket; undefined rate means unlimited. */
  ratePerSecond?: number;
  tokens: number;
  refilledAt: number;
}

export class TargetLimiter {
  readonly #targets = new Map<string, TargetState>();

  constructor(
    private readonly clock: Clock,
    private readonly concurrencyPerTarget: number,
  ) {}

  #state(target: string): TargetState {
    let s = this.#targets.get(target);
    if (!s) {
      s = { inFlight: 0, tokens: 0, refilledAt: this.clock.now() };
      this.#targets.set(target, s);
    }
    return s;
  }

  /** Sets a target's rate limit (undefined: none). A bucket holds at most one second's worth of tokens. */
  setRate(target: string, ratePerSecond: number | undefined): void {
    const s = this.#state(target);
    if (s.ratePerSecond === ratePerSecond) return;
    s.ratePerSecond = ratePerSecond;
    s.tokens = ratePerSecond ?? 0;
    s.refilledAt = this.clock.now();
  }

  /** Takes a slot (and a token) if the target has both; otherwise says how long until a token (0: wait for a slot). */
  tryAcquire(target: string): { ok: true } | { ok: false; retryInMs: number } {
    const s = this.#state(target);
    if (s.inFlight >= this.concurrencyPerTarget) return { ok: false, retryInMs: 0 };
    if (s.ratePerSecond !== undefined) {
      const now = this.clock.now();
      s.tokens = Math.min(s.ratePerSecond, s.tokens + ((now - s.refilledAt) / 1000) * s.ratePerSecond);
      s.refilledAt = now;
      if (s.tokens < 1) return { ok: false, retryInMs: Math.ceil(((1 - s.tokens) / s.ratePerSecond) * 1000) };
      s.tokens -= 1;
    }
    s.inFlight++;
    return { ok: true };
  }

  release(target: string): void {
    const s = this.#targets.get(target);
    if (s && s.inFlight > 0) s.inFlight--;
    // Forget idle, unlimited targets so the map does not grow with every target ever seen.
    if (s && s.inFlight === 0 && s.ratePerSecond === undefined) this.#targets.delete(target);
  }
}
