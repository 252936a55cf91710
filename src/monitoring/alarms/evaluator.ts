/**
 * The alarm evaluator: on the injected clock, claims the alarms whose evaluation is due (a lease in the store, so
 * several processes sharing a database split the work and each alarm is evaluated once per step), reads the
 * periods of each alarm's evaluation range, decides its state (evaluate.ts), writes a change with its history, and
 * then runs the actions. The schedule lives in the store, so evaluation carries on across restarts; an alarm
 * missed while no process ran is evaluated once, at the next round, not once per missed minute.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../clock.js';
import type { AlarmRecord } from '../../store/alarms.js';
import type { Store } from '../../store/store.js';
import { dimensionMap, percentileOf } from '../inputs.js';
import { datapoints, statisticValue } from '../statistics.js';
import { runActions } from './actions.js';
import { evaluate, evaluationRangePeriods, type Decision, type EvaluatedPeriod } from './evaluate.js';
import { stateItem } from './history.js';
import type { AlarmNotifier } from './notifier.js';
import { lastCompletePeriodEnd, nextEvaluationAfter } from './schedule.js';

export interface EvaluatorDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  notifier: AlarmNotifier;
  /** Runs before each round: the local metric recorder's flush, so the period that just ended is in the store. */
  beforeRound?: () => Promise<void>;
}

/** A claim outlives any evaluation; a crashed process's alarms are taken over after this. */
const LEASE_MS = 60_000;
const BATCH = 100;
/** Alarms created by other processes, or scheduled beyond the horizon, are noticed within this much clock time. */
const MAX_IDLE_MS = 60_000;
/** Evaluations are scheduled at most a minute and a few seconds ahead; one later than this is from a clock that went back. */
const HORIZON_MS = 5 * 60_000;

export class AlarmEvaluator {
  readonly #owner = randomUUID();
  #timer: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(private readonly deps: EvaluatorDeps) {}

  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  /** Looks for due alarms now (an alarm was created or changed in this process). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#running) this.#again = true;
    else this.#schedule(0);
  }

  /** Resolves when the round in progress, if any, has finished (for tests driving a ManualClock). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.idle();
  }

  #schedule(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.deps.clock.setTimer(ms, () => {
      this.#timer = undefined;
      this.#running = this.#cycle();
    });
  }

  /** One round, then the timer for the next: at the earliest next evaluation time, or at once after a wake(). */
  async #cycle(): Promise<void> {
    try {
      await this.#round();
    } catch (err) {
      this.deps.logger.error({ err }, 'alarm evaluation round failed');
    }
    let delay = 0;
    if (!this.#again) {
      try {
        const next = await this.deps.store.nextAlarmEvaluationAt();
        delay = Math.min(MAX_IDLE_MS, Math.max(0, (next ?? Infinity) - this.deps.clock.now()));
      } catch (err) {
        this.deps.logger.error({ err }, 'could not read the next alarm evaluation time');
        delay = MAX_IDLE_MS;
      }
    }
    if (this.#again) delay = 0;
    this.#again = false;
    this.#running = undefined;
    if (!this.#stopped) this.#schedule(delay);
  }

  async #round(): Promise<void> {
    await this.deps.beforeRound?.();
    for (;;) {
      if (this.#stopped) return;
      const now = this.deps.clock.now();
      const claimed = await this.deps.store.claimDueAlarms({ now, owner: this.#owner, leaseUntil: now + LEASE_MS, limit: BATCH, horizon: now + HORIZON_MS });
      for (const alarm of claimed) {
        try {
          await this.#evaluate(alarm);
        } catch (err) {
          // The lease runs out and the alarm is evaluated again then.
          this.deps.logger.error({ err, alarm: alarm.name }, 'alarm evaluation failed');
        }
      }
      if (claimed.length < BATCH) return;
    }
  }

  async #evaluate(alarm: AlarmRecord): Promise<void> {
    const now = this.deps.clock.now();
    const decision = await this.#decide(alarm, now);
    const changed = decision !== undefined && decision.state !== alarm.state.value;
    const updated = await this.deps.store.finishAlarmEvaluation({
      name: alarm.name,
      owner: this.#owner,
      nextEvaluationAt: nextEvaluationAfter(now, alarm.config.Period),
      ...(changed && {
        change: {
          name: alarm.name,
          expectedVersion: alarm.state.version,
          state: { value: decision.state, reason: decision.reason, reasonData: decision.reasonData, updatedAt: now, transitionedAt: now },
          history: [stateItem(alarm.name, alarm.state, { value: decision.state, reason: decision.reason, reasonData: decision.reasonData }, now)],
        },
      }),
    });
    if (updated) await runActions({ ...this.deps, now: () => this.deps.clock.now() }, updated, alarm.state.value);
  }

  /** The state `alarm` should be in at `now`; undefined to keep the current one. */
  async #decide(alarm: AlarmRecord, now: number): Promise<Decision | undefined> {
    const c = alarm.config;
    const periodMs = c.Period * 1000;
    const count = evaluationRangePeriods(c.EvaluationPeriods);
    const end = lastCompletePeriodEnd(now, c.Period);
    const stat = c.Statistic ?? c.ExtendedStatistic!;
    const points = await datapoints(
      this.deps.store,
      { namespace: c.Namespace, name: c.MetricName, dimensions: dimensionMap(c.Dimensions), unit: c.Unit },
      { from: end - count * periodMs, to: end, periodMs },
    );
    const byStart = new Map(points.map((p) => [p.start, p]));
    const periods: EvaluatedPeriod[] = [];
    for (let k = 1; k <= count; k++) {
      const start = end - k * periodMs;
      const point = byStart.get(start);
      const value = point && statisticValue(point, stat);
      periods.push(value === undefined ? { start } : { start, value, sampleCount: point!.sampleCount });
    }
    if (c.EvaluateLowSampleCountPercentile === 'ignore' && periods.some((p) => p.value !== undefined && tooFewSamples(p.sampleCount!, stat))) return undefined;
    return evaluate(c, periods, now);
  }
}

/** CloudWatch's rule for a statistically significant percentile: at least 10 / (1 - p/100) samples. */
function tooFewSamples(samples: number, stat: string): boolean {
  const p = percentileOf(stat)!;
  return p < 100 && samples < 10 / (1 - p / 100);
}
