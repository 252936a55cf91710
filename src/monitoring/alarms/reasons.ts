/**
 * Alarm state reasons in CloudWatch's own wording, which people read in notifications and tools parse:
 *
 *   Threshold Crossed: 1 out of the last 1 datapoints [6.0 (25/09/22 18:49:00)] was greater than the threshold
 *   (5.0) (minimum 1 datapoint for OK -> ALARM transition).
 *   Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].
 *   Insufficient Data: 1 datapoint was unknown.
 *
 * and the reason data JSON beside them (StateReasonData).
 */
import type { AlarmConfig } from '../../store/alarms.js';
import { cloudWatchTimestamp, javaDouble, javaJson, reasonTime } from '../formats.js';
import { COMPARISONS, type EvaluatedPeriod } from './model.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const INTEGER_KEYS = new Set(['period']);

export function alarmReason(
  config: AlarmConfig,
  r: { alarm: boolean; evaluated: readonly EvaluatedPeriod[]; listed: readonly EvaluatedPeriod[]; total: number; required: number },
): string {
  const words = COMPARISONS[config.ComparisonOperator]!.words;
  const points = r.listed.map((p) => `${javaDouble(p.value!)} (${reasonTime(p.start)})`).join(', ');
  const verb = r.listed.length === 1 ? 'was' : 'were';
  // To leave ALARM, enough datapoints must be fine that fewer than `required` can still breach.
  const minimum = r.alarm ? r.required : r.total - r.required + 1;
  const transition = r.alarm ? 'OK -> ALARM' : 'ALARM -> OK';
  return (
    `Threshold Crossed: ${r.listed.length} out of the last ${r.total} datapoints [${points}] ${verb} ${r.alarm ? '' : 'not '}${words} ` +
    `the threshold (${javaDouble(config.Threshold)}) (minimum ${plural(minimum, 'datapoint')} for ${transition} transition).`
  );
}

export function missingDataReason(periods: number, breaching: boolean): string {
  const treated = periods === 1 ? '1 missing datapoint was' : `${periods} missing datapoints were`;
  return `Threshold Crossed: no datapoints were received for ${plural(periods, 'period')} and ${treated} treated as [${breaching ? 'Breaching' : 'NonBreaching'}].`;
}

export function insufficientDataReason(periods: number): string {
  return `Insufficient Data: ${periods === 1 ? '1 datapoint was' : `${periods} datapoints were`} unknown.`;
}

/** StateReasonData: the query, the statistic and the datapoints the decision rests on (newest first). */
export function reasonData(config: AlarmConfig, now: number, evaluated: readonly EvaluatedPeriod[]): string {
  const data: Record<string, unknown> = {
    version: '1.0',
    queryDate: cloudWatchTimestamp(now),
    ...(evaluated.length > 0 && { startDate: cloudWatchTimestamp(evaluated[evaluated.length - 1]!.start) }),
    statistic: config.Statistic ?? config.ExtendedStatistic,
    ...(config.Unit !== undefined && { unit: config.Unit }),
    period: config.Period,
    recentDatapoints: [...evaluated].reverse().map((p) => p.value),
    threshold: config.Threshold,
  };
  if (evaluated.length > 0) {
    data.evaluatedDatapoints = evaluated.map((p) => ({ timestamp: cloudWatchTimestamp(p.start), sampleCount: p.sampleCount, value: p.value }));
  }
  return javaJson(data, INTEGER_KEYS);
}
