/**
 * The dispatcher: the one engine that takes every due delivery out of the store's outbox, invokes it, and settles
 * the outcome. It is generic — what an attempt means (EventBridge target semantics, Lambda asynchronous
 * invocation) is up to the `DeliveryHandler` for the delivery's kind.
 *
 * - Push, then poll: `wake()` after new deliveries are committed claims at once; otherwise a clock timer is armed
 *   for the earliest due time the store reports (retries, and leases of a crashed process falling due). No loop
 *   runs while nothing is due. A claim that came back short means nothing else is due outside the targets it
 *   skipped: until the next wake (or DRY_FOR_MS), finished attempts do not claim again with those targets still
 *   skipped — walking past a saturated target's backlog for nothing would cost a scan of it per batch.
 * - Leases: a claim leases deliveries until `now + leaseMs`; settling is fenced by the lease, so a delivery taken
 *   over after its lease expired is never settled twice.
 * - Isolation: a target at its concurrency or rate limit is skipped when claiming; its claimed-but-waiting
 *   deliveries wait in memory, in order, and never block other targets.
 * - Outcomes are settled in batches: those of attempts finishing close together share one store call (see
 *   SETTLE_BATCH), so recording an outcome costs a fraction of a transaction. A delivery stays leased until its
 *   outcome is committed, so batching delays nothing but the record.
 * - Shutdown: stop claiming, let in-flight attempts finish within a grace period, then abort them and give every
 *   unsettled delivery back to the store (due now, attempt not counted).
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import type { ClaimedDelivery, DeliveryOutcome, DeliveryStore, SettleResult } from '../store/deliveries.js';
import type { NewQueueMessage } from '../store/queues.js';
import { DueTimes } from './due-times.js';
import type { TargetLimiter } from './target-limiter.js';

/** What a handler decides for one attempt; the dispatcher adds the owner and lease fence. */
export type HandledOutcome = Omit<DeliveryOutcome, 'owner' | 'leaseUntil' | 'rowRef'> & {
  /** Called once the outcome is committed, with how the dead letter went (for metrics and logs). */
  afterSettle?: (deadLetter: 'queued' | 'fallback' | undefined) => void;
};

export interface DeliveryHandler {
  /**
   * The key of the target the delivery's limits apply to (usually its ARN), and its rate limit, if any. It must
   * depend only on the delivery's kind and target ARN: it is asked once per target for a claimed batch.
   */
  limits(delivery: ClaimedDelivery): Promise<{ key: string; ratePerSecond?: number }>;
  attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<HandledOutcome>;
}

export interface DispatcherOptions {
  store: DeliveryStore;
  clock: Clock;
  logger: Logger;
  limiter: TargetLimiter;
  handlers: Record<ClaimedDelivery['kind'], DeliveryHandler>;
  /** Identifies this process's leases. */
  owner: string;
  /** Longer than any single attempt can take (clock time). */
  leaseMs?: number;
  maxInFlight?: number;
  claimBatch?: number;
  /** How long `stop()` lets in-flight attempts finish before aborting them (clock time). */
  shutdownGraceMs?: number;
  /** Told when an outcome put a message on a queue (a dead letter), so long polls on it wake and it is counted. */
  messagesSent?: (messages: readonly NewQueueMessage[]) => void;
  /**
   * Look at the store at least this often (clock time), even with nothing due: for a store other processes write
   * to, whose new deliveries this process hears of only by a wake-up that may be lost. Unset: only when due.
   */
  pollMs?: number;
}

interface Waiting {
  delivery: ClaimedDelivery;
  key: string;
}

/**
 * Outcomes are settled together once this many are waiting, once no other attempt is still running, or after
 * SETTLE_WINDOW_MS of real time, whichever comes first. The window is real time, not the clock's: it only groups
 * work that is happening anyway, and a test's ManualClock must not hold outcomes back.
 */
const SETTLE_BATCH = 256;
const SETTLE_WINDOW_MS = 10;

/** How long (clock time) a short claim's finding that nothing else is due is trusted without a wake. */
const DRY_FOR_MS = 1_000;

interface Settling {
  outcome: DeliveryOutcome;
  resolve: (result: SettleResult) => void;
  reject: (error: unknown) => void;
}

export class Dispatcher {
  readonly #o: Required<Omit<DispatcherOptions, 'handlers' | 'messagesSent' | 'pollMs'>> & Pick<DispatcherOptions, 'handlers' | 'messagesSent' | 'pollMs'>;
  readonly #inFlight = new Map<string, { delivery: ClaimedDelivery; done: Promise<void> }>();
  /** Claimed deliveries waiting for their target's slot or token, per target key, in claim order. */
  readonly #waiting = new Map<string, Waiting[]>();
  readonly #abort = new AbortController();
  #timer: TimerHandle | undefined;
  /** When the timer fires (clock time), while it is armed. */
  #timerAt: number | undefined;
  /** This process's settled retries and follow-ups not claimed since (see DueTimes). */
  readonly #dueTimes = new DueTimes();
  #tokenTimers = new Map<string, TimerHandle>();
  #pumping = false;
  #again = false;
  #stopping: Promise<void> | undefined;
  #settled = 0;
  #started = false;
  /** Counts wakes from outside (new deliveries, timers): what a short claim learnt holds only until the next one. */
  #wakes = 0;
  /** After a short claim: nothing was due outside these skipped targets, as of wake number `wakes` and time `at`. */
  #dry: { skipped: string[]; wakes: number; at: number } | undefined;
  /** Attempts whose handler has not returned yet. */
  #attempting = 0;
  #settling: Settling[] = [];
  #settleTimer: NodeJS.Timeout | undefined;

  constructor(options: DispatcherOptions) {
    this.#o = { leaseMs: 5 * 60_000, maxInFlight: 512, claimBatch: 200, shutdownGraceMs: 10_000, ...options };
  }

  /** Deliveries settled since start (for tests and diagnostics). */
  get settledCount(): number {
    return this.#settled;
  }

  /**
   * Nothing is being claimed, attempted or waiting for a slot, and the timer is armed for the next due delivery:
   * a test driving a ManualClock waits for this before advancing, or the advance would find no timer to fire.
   */
  get idle(): boolean {
    return !this.#pumping && this.#inFlight.size === 0 && this.#waiting.size === 0;
  }

  /**
   * A claim is being made or its deliveries handed out. A store may commit a claim before the dispatcher has its
   * answer (SQLite claims on its writer thread), so a test that sees a lease in the store waits for this to end too.
   */
  get claiming(): boolean {
    return this.#pumping;
  }

  start(): void {
    this.#started = true;
    this.wake();
  }

  /** New deliveries were committed (or a timer fired): claim now (once started). */
  wake(): void {
    this.#wakes++;
    this.#claimMore();
  }

  /** Claims again because there is room, with nothing new known about the store. */
  #claimMore(): void {
    if (!this.#started || this.#stopping) return;
    void this.#pump();
  }

  /** Stops claiming, lets in-flight attempts finish (up to the grace period), and releases the rest. */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#shutdown());
  }

  async #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#again = false;
        if (this.#stopping) break;
        const free = this.#o.maxInFlight - this.#inFlight.size - this.#waitingCount();
        const skipped = [...this.#waiting.keys()];
        if (free > 0 && !this.#knownDry(skipped)) {
          const now = this.#o.clock.now();
          const limit = Math.min(free, this.#o.claimBatch);
          const wakes = this.#wakes;
          const claimed = await this.#o.store.claimDue({ now, owner: this.#o.owner, leaseUntil: now + this.#o.leaseMs, limit, skipTargets: skipped });
          this.#dueTimes.claimedThrough(now);
          if (claimed.length < limit) this.#learnDry(skipped, wakes, now);
          await this.#enqueueAll(claimed);
          if (claimed.length === limit) this.#again = true;
        }
        // A wake() while the timer is being armed (deliveries committed after the claim) sets #again: claim again
        // rather than lose it.
        if (!this.#again && !this.#stopping) await this.#armTimer();
      } while (this.#again);
    } catch (err) {
      this.#o.logger.error({ err }, 'dispatcher could not claim deliveries; retrying shortly');
      this.#arm(1_000);
    } finally {
      this.#pumping = false;
    }
  }

  /**
   * True when a claim since the last wake, and within DRY_FOR_MS, found nothing due outside targets that are still
   * skipped. (Work can also fall due without a wake here — another process's retry — so the finding also ages out.)
   */
  #knownDry(skipped: string[]): boolean {
    const dry = this.#dry;
    if (!dry || dry.wakes !== this.#wakes || this.#o.clock.now() - dry.at > DRY_FOR_MS) return false;
    const now = new Set(skipped);
    return dry.skipped.every((key) => now.has(key));
  }

  /**
   * A short claim skipping `skipped` found nothing more due outside them. Claims only ever take due work away, so
   * this holds until the next wake; with an earlier finding since the same wake, nothing is due outside either.
   */
  #learnDry(skipped: string[], wakes: number, at: number): void {
    const earlier = this.#dry?.wakes === wakes && wakes === this.#wakes && at - this.#dry.at <= DRY_FOR_MS ? this.#dry : undefined;
    const known = earlier && new Set(earlier.skipped);
    this.#dry = known ? { skipped: skipped.filter((key) => known.has(key)), wakes, at: earlier.at } : { skipped, wakes, at };
  }

  async #armTimer(): Promise<void> {
    // While targets have claimed deliveries waiting for a slot, the store's next due time would be theirs (claims
    // skip them, and finding another target's next due time past their rows costs a scan of them). It is not needed:
    // new deliveries wake us, freed slots wake us, and this process's retries are kept in #dueTimes — the timer may
    // have been re-armed for something sooner and fired since they brought it forward (#armBy). A poll at a tenth
    // of the lease is the safety net, for leases that expire elsewhere.
    if (this.#waiting.size > 0) return this.#armBy(Math.min(this.#dueTimes.soonest ?? Infinity, this.#o.clock.now() + this.#o.leaseMs / 10));
    const next = await this.#o.store.nextDueAt();
    const poll = this.#o.pollMs;
    if (next === undefined) return poll === undefined ? this.#disarm() : this.#arm(poll);
    const wait = Math.min(next - this.#o.clock.now(), poll ?? Infinity);
    // Due now but not claimed: it fell due after the claim, or there is no room in flight (finishing attempts wake us).
    const free = this.#o.maxInFlight - this.#inFlight.size - this.#waitingCount();
    if (wait <= 0) return this.#arm(free > 0 ? 0 : this.#o.leaseMs / 10);
    this.#arm(wait);
  }

  #arm(ms: number): void {
    this.#timer?.cancel();
    this.#timerAt = this.#o.clock.now() + ms;
    this.#timer = this.#o.clock.setTimer(ms, () => {
      this.#timerAt = undefined;
      this.wake();
    });
  }

  #disarm(): void {
    this.#timer?.cancel();
    this.#timerAt = undefined;
  }

  /**
   * A settled outcome made a delivery due at `dueAt` (a retry, a follow-up). The timer was armed while it was
   * leased, before its outcome was committed, so bring the timer forward if it would fire later than that.
   */
  #armBy(dueAt: number): void {
    if (this.#stopping || (this.#timerAt !== undefined && this.#timerAt <= dueAt)) return;
    this.#arm(Math.max(0, dueAt - this.#o.clock.now()));
  }

  #waitingCount(): number {
    let n = 0;
    for (const list of this.#waiting.values()) n += list.length;
    return n;
  }

  /** Queues a claim's deliveries behind their targets' limits; a batch mostly names few targets, looked up once each. */
  async #enqueueAll(claimed: ClaimedDelivery[]): Promise<void> {
    const keys = new Map<string, string>();
    for (const delivery of claimed) {
      const running = this.#inFlight.get(delivery.id);
      if (running) {
        // Its lease ran out while this process was still attempting it (a function may run for 15 minutes, longer
        // than a lease): the claim has renewed the lease, so the running attempt settles under the new one rather
        // than a second attempt starting.
        running.delivery.leaseUntil = delivery.leaseUntil;
        continue;
      }
      const target = `${delivery.kind}\u0000${delivery.targetArn}`;
      let key = keys.get(target);
      if (key === undefined) {
        key = await this.#limits(delivery);
        keys.set(target, key);
      }
      this.#enqueue(delivery, key);
    }
  }

  /** The delivery's limit key, with the target's rate limit brought up to date. */
  async #limits(delivery: ClaimedDelivery): Promise<string> {
    try {
      const limits = await this.#o.handlers[delivery.kind].limits(delivery);
      this.#o.limiter.setRate(limits.key, limits.ratePerSecond);
      return limits.key;
    } catch (err) {
      this.#o.logger.error({ err, deliveryId: delivery.id }, 'could not resolve delivery limits');
      return delivery.targetArn;
    }
  }

  #enqueue(delivery: ClaimedDelivery, key: string): void {
    const list = this.#waiting.get(key);
    if (list) list.push({ delivery, key });
    else {
      this.#waiting.set(key, [{ delivery, key }]);
      this.#drain(key);
    }
  }

  /** Starts as many waiting deliveries of a target as its limits allow, in order. */
  #drain(key: string): void {
    const list = this.#waiting.get(key);
    while (list && list.length > 0 && !this.#stopping) {
      const acquired = this.#o.limiter.tryAcquire(key);
      if (!acquired.ok) {
        // Out of tokens: come back when the next one is due. Out of slots: a finishing attempt calls #drain.
        if (acquired.retryInMs > 0 && !this.#tokenTimers.has(key)) {
          this.#tokenTimers.set(key, this.#o.clock.setTimer(acquired.retryInMs, () => {
            this.#tokenTimers.delete(key);
            this.#drain(key);
          }));
        }
        return;
      }
      this.#run(list.shift()!.delivery, key);
    }
    if (list && list.length === 0) this.#waiting.delete(key);
  }

  #run(delivery: ClaimedDelivery, key: string): void {
    const done = this.#attempt(delivery, key).finally(() => {
      this.#inFlight.delete(delivery.id);
      if (this.#inFlight.size === 0) this.#claimMore();
    });
    this.#inFlight.set(delivery.id, { delivery, done });
  }

  /** The target's slot is free once the attempt is over: recording its outcome is Mailroom's work, not the target's. */
  #attempted(key: string): void {
    this.#o.limiter.release(key);
    this.#drain(key);
    // Claim again once a useful number of slots is free, not once per finished attempt — and not while this
    // target still has claimed deliveries waiting: a claim would skip it, walking past its due rows for nothing.
    const free = this.#o.maxInFlight - this.#inFlight.size - this.#waitingCount();
    if (!this.#waiting.has(key) && free >= this.#o.claimBatch / 4) this.#claimMore();
  }

  async #attempt(delivery: ClaimedDelivery, key: string): Promise<void> {
    let outcome: HandledOutcome;
    this.#attempting++;
    try {
      outcome = await this.#o.handlers[delivery.kind].attempt(delivery, this.#abort.signal);
    } catch (err) {
      // A handler bug must not lose the delivery: it stays leased and falls due again when the lease ends.
      this.#o.logger.error({ err, deliveryId: delivery.id }, 'delivery handler failed; the delivery will be retried when its lease ends');
      return;
    } finally {
      this.#attempting--;
      this.#attempted(key);
    }
    if (this.#abort.signal.aborted) return; // shutting down: released, not settled
    const { afterSettle, ...handled } = outcome;
    // The copy is ours: add the fence (and the store's handle on the row) to it rather than copying again.
    const rest = Object.assign(handled, { owner: this.#o.owner, leaseUntil: delivery.leaseUntil, rowRef: delivery.rowRef });
    try {
      const result = await this.#settle(rest);
      this.#settled++;
      if (result.error) {
        this.#o.logger.error({ deliveryId: delivery.id, error: result.error }, 'could not record a delivery outcome; it will be retried when its lease ends');
        return;
      }
      if (!result.applied) {
        this.#o.logger.warn({ deliveryId: delivery.id }, 'delivery lease was lost before its outcome was recorded; another dispatcher owns it now');
        return;
      }
      if (rest.next.status === 'pending' || rest.followUps) {
        const dueAt = Math.min(rest.next.status === 'pending' ? rest.next.dueAt : Infinity, ...(rest.followUps ?? []).map((f) => f.dueAt));
        // Work due now was just committed (a follow-up): the next claim must look, whatever the last one found.
        if (dueAt <= this.#o.clock.now()) this.#wakes++;
        if (dueAt !== Infinity) {
          this.#dueTimes.add(dueAt);
          this.#armBy(dueAt);
        }
      }
      if (result.deadLetter === 'queued' && rest.deadLetter) this.#o.messagesSent?.([rest.deadLetter.message]);
      afterSettle?.(result.deadLetter);
    } catch (err) {
      this.#o.logger.error({ err, deliveryId: delivery.id }, 'could not record a delivery outcome; it will be retried when its lease ends');
    }
  }

  /** Queues an outcome for the next batch (see SETTLE_BATCH) and resolves with its result once that is committed. */
  #settle(outcome: DeliveryOutcome): Promise<SettleResult> {
    return new Promise<SettleResult>((resolve, reject) => {
      this.#settling.push({ outcome, resolve, reject });
      if (this.#settling.length >= SETTLE_BATCH || this.#attempting === 0) this.#flushOutcomes();
      else this.#settleTimer ??= setTimeout(() => this.#flushOutcomes(), SETTLE_WINDOW_MS);
    });
  }

  #flushOutcomes(): void {
    clearTimeout(this.#settleTimer);
    this.#settleTimer = undefined;
    const batch = this.#settling;
    if (batch.length === 0) return;
    this.#settling = [];
    this.#o.store.settle(batch.map((s) => s.outcome)).then(
      (results) => batch.forEach((s, i) => s.resolve(results[i]!)),
      (err: unknown) => batch.forEach((s) => s.reject(err)),
    );
  }

  async #shutdown(): Promise<void> {
    this.#disarm();
    for (const t of this.#tokenTimers.values()) t.cancel();
    this.#tokenTimers.clear();
    const waiting = [...this.#waiting.values()].flat().map((w) => w.delivery.id);
    this.#waiting.clear();
    const inFlight = [...this.#inFlight.values()];
    const grace = new AbortController();
    const graceOver = this.#o.clock.sleep(this.#o.shutdownGraceMs, grace.signal).then(
      () => true,
      () => false,
    );
    const timedOut = await Promise.race([Promise.all(inFlight.map((f) => f.done)).then(() => false), graceOver]);
    grace.abort();
    const unfinished = timedOut ? [...this.#inFlight.keys()] : [];
    if (timedOut) {
      this.#abort.abort(new Error('dispatcher stopped'));
      await Promise.all([...this.#inFlight.values()].map((f) => f.done));
    }
    // Waiting and aborted deliveries are due again at once, for this process after a restart or for another one.
    const release = [...waiting, ...unfinished];
    if (release.length > 0) await this.#o.store.release(release, this.#o.owner, this.#o.clock.now());
  }
}
