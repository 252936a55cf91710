/**
 * When alarms are evaluated, on the injected clock: every minute (every period, for high-resolution alarms with a
 * 10, 20 or 30 second period), a little after the boundary so the recorders have flushed the period that just
 * ended. An evaluation at time t judges the periods (aligned to the epoch) that ended by t - delay.
 */
const MINUTE = 60_000;

function stepMs(periodSeconds: number): number {
  return Math.min(periodSeconds * 1000, MINUTE);
}

/** How long after a boundary the evaluation runs: 10 s after each minute, 2 s for high-resolution alarms. */
export function evaluationDelayMs(periodSeconds: number): number {
  return periodSeconds >= 60 ? 10_000 : 2_000;
}

/** The first evaluation time strictly after `now`. */
export function nextEvaluationAfter(now: number, periodSeconds: number): number {
  const step = stepMs(periodSeconds);
  const delay = evaluationDelayMs(periodSeconds);
  return Math.floor((now - delay) / step) * step + step + delay;
}

/** The end of the latest period an evaluation at `now` may judge (ms since the epoch, a multiple of the period). */
export function lastCompletePeriodEnd(now: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.floor((now - evaluationDelayMs(periodSeconds)) / periodMs) * periodMs;
}
