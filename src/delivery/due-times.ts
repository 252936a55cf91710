/**
 * The due times of deliveries this process settled as pending (retries, follow-ups) and has not claimed since,
 * soonest first. While some target has claimed deliveries waiting for a slot, the dispatcher does not ask the store
 * for its next due time (that would walk past the waiting target's backlog), so these are what it arms its timer
 * for: without them, a retry whose timer was replaced by an earlier one would wait for the next unrelated wake.
 * Bounded: past CAP the latest are forgotten, and the dispatcher's safety poll finds them.
 */
const CAP = 1024;

export class DueTimes {
  readonly #times: number[] = [];

  add(dueAt: number): void {
    const times = this.#times;
    if (times.length === CAP && dueAt >= times[CAP - 1]!) return;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! <= dueAt) lo = mid + 1;
      else hi = mid;
    }
    times.splice(lo, 0, dueAt);
    if (times.length > CAP) times.pop();
  }

  /** A claim at `now` has looked at everything due by then. */
  claimedThrough(now: number): void {
    const times = this.#times;
    let n = 0;
    while (n < times.length && times[n]! <= now) n++;
    if (n > 0) times.splice(0, n);
  }

  get soonest(): number | undefined {
    return this.#times[0];
  }
}
