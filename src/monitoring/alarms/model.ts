/**
 * The vocabulary of alarm evaluation shared by the evaluation and its reasons: a period's datapoint, a decision,
 * and the comparison operators with the words CloudWatch's reasons use for them.
 */
import type { AlarmStateValue } from '../../store/alarms.js';

export interface EvaluatedPeriod {
  /** Start of the period, ms since the epoch. */
  start: number;
  /** The alarm's statistic for the period; undefined when the period has no data (or cannot answer a percentile). */
  value?: number;
  sampleCount?: number;
}

export interface Decision {
  state: AlarmStateValue;
  reason: string;
  reasonData: string;
}

/** The four threshold operators; the anomaly-band ones need metric math, which Mailroom does not evaluate. */
export const COMPARISONS: Readonly<Record<string, { test: (value: number, threshold: number) => boolean; words: string }>> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: 'greater than or equal to' },
  GreaterThanThreshold: { test: (v, t) => v > t, words: 'greater than' },
  LessThanThreshold: { test: (v, t) => v < t, words: 'less than' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: 'less than or equal to' },
};

