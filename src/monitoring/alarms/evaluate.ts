/**
 * One alarm evaluation, as CloudWatch documents it ("How alarm state is evaluated when data is missing"): the
 * evaluator looks at an evaluation range a little longer than EvaluationPeriods (here N + 2 periods, newest
 * first) and then
 *
 * - with at least N real datapoints in the range, judges the N most recent ones: ALARM when at least M
 *   (DatapointsToAlarm, default N) breach, else OK; TreatMissingData plays no part;
 * - with fewer, fills the gap as TreatMissingData says: `breaching` and `notBreaching` count the missing ones as
 *   breaching or not; `missing` judges the real datapoints alone (ALARM when they breach at least min(M, how many
 *   there are)) and goes to INSUFFICIENT_DATA when there are none; `ignore` keeps the current state unless every
 *   way of filling the gap gives the same answer.
 *
 * A pure function of the datapoints, so the table of cases is tested without a clock or a store.
 */
import type { AlarmConfig, AlarmStateValue } from '../../store/alarms.js';
import { COMPARISONS, type Decision, type EvaluatedPeriod } from './model.js';
import { alarmReason, insufficientDataReason, missingDataReason, reasonData } from './reasons.js';

export type { Decision, EvaluatedPeriod } from './model.js';

/** How many periods an evaluation looks back over, for an alarm of `evaluationPeriods`. */
export function evaluationRangePeriods(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

/**
 * The state the alarm should be in, given the periods of its evaluation range (newest first), or undefined when
 * the current state is to be kept (TreatMissingData `ignore` without conclusive data).
 */
export function evaluate(config: AlarmConfig, periods: readonly EvaluatedPeriod[], now: number): Decision | undefined {
  const n = config.EvaluationPeriods;
  const m = config.DatapointsToAlarm ?? n;
  const breaches = (p: EvaluatedPeriod) => COMPARISONS[config.ComparisonOperator]!.test(p.value!, config.Threshold);
  const real = periods.filter((p) => p.value !== undefined);
  /** Judges `points` with `missingBreaching` filled-in breaching datapoints, "out of the last `total`". */
  const judge = (points: EvaluatedPeriod[], missingBreaching: number, required: number, total = n): Decision => {
    const breaching = points.filter(breaches);
    const alarm = breaching.length + missingBreaching >= required;
    return {
      state: alarm ? 'ALARM' : 'OK',
      reason: alarmReason(config, { alarm, evaluated: points, listed: alarm ? breaching : points.filter((p) => !breaches(p)), total, required }),
      reasonData: reasonData(config, now, points),
    };
  };

  if (real.length >= n) return judge(real.slice(0, n), 0, m);
  const missing = n - real.length;
  const treat = config.TreatMissingData ?? 'missing';
  if (real.length === 0) {
    if (treat === 'ignore') return undefined;
    if (treat === 'missing') return { state: 'INSUFFICIENT_DATA', reason: insufficientDataReason(n), reasonData: reasonData(config, now, []) };
    const alarm = treat === 'breaching' && n >= m;
    return { state: alarm ? 'ALARM' : 'OK', reason: missingDataReason(n, treat === 'breaching'), reasonData: reasonData(config, now, []) };
  }
  switch (treat) {
    case 'breaching':
      return judge(real, missing, m);
    case 'notBreaching':
      return judge(real, 0, m);
    case 'ignore': {
      const worst = judge(real, missing, m);
      return worst.state === judge(real, 0, m).state ? worst : undefined;
    }
    default:
      return judge(real, 0, Math.min(m, real.length), real.length);
  }
}
