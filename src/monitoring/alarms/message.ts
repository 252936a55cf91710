/**
 * The message CloudWatch publishes to an alarm's SNS topics on a state change, byte for byte in its shape: members
 * in CloudWatch's order, `AlarmDescription` null when unset, `Region` as a display name, timestamps like
 * `2022-09-25T18:50:37.811+0000`, and in `Trigger` the statistic upper-case (`AVERAGE`), dimensions as lower-case
 * `{"value", "name"}` pairs, `Unit` null when unset and the threshold as a double (`5.0`). The subject is
 * `ALARM: "name" in US East (N. Virginia)`.
 */
import type { AlarmRecord, AlarmStateValue } from '../../store/alarms.js';
import { cloudWatchTimestamp, javaJson } from '../formats.js';
import { regionDisplayName } from '../regions.js';

const INTEGER_KEYS = new Set(['Period', 'EvaluationPeriods', 'DatapointsToAlarm']);

export interface AlarmMessage {
  subject: string;
  /** The JSON text SNS carries as the notification's Message. */
  message: string;
}

/** The region and account an alarm lives in, from its ARN (arn:aws:cloudwatch:<region>:<account>:alarm:<name>). */
export function alarmLocation(arn: string): { region: string; accountId: string } {
  const [, , , region, accountId] = arn.split(':');
  return { region: region!, accountId: accountId! };
}

export function alarmMessage(alarm: AlarmRecord, oldState: AlarmStateValue, changedAt: number): AlarmMessage {
  const c = alarm.config;
  const { region, accountId } = alarmLocation(alarm.arn);
  const statistic = c.Statistic !== undefined ? { StatisticType: 'Statistic', Statistic: c.Statistic.toUpperCase() } : { StatisticType: 'ExtendedStatistic', ExtendedStatistic: c.ExtendedStatistic };
  const body = {
    AlarmName: alarm.name,
    AlarmDescription: c.AlarmDescription ?? null,
    AWSAccountId: accountId,
    AlarmConfigurationUpdatedTimestamp: cloudWatchTimestamp(alarm.configUpdatedAt),
    NewStateValue: alarm.state.value,
    NewStateReason: alarm.state.reason,
    StateChangeTime: cloudWatchTimestamp(changedAt),
    Region: regionDisplayName(region),
    AlarmArn: alarm.arn,
    OldStateValue: oldState,
    OKActions: c.OKActions,
    AlarmActions: c.AlarmActions,
    InsufficientDataActions: c.InsufficientDataActions,
    Trigger: {
      MetricName: c.MetricName,
      Namespace: c.Namespace,
      ...statistic,
      Unit: c.Unit ?? null,
      Dimensions: c.Dimensions.map((d) => ({ value: d.Value, name: d.Name })),
      Period: c.Period,
      EvaluationPeriods: c.EvaluationPeriods,
      ...(c.DatapointsToAlarm !== undefined && { DatapointsToAlarm: c.DatapointsToAlarm }),
      ComparisonOperator: c.ComparisonOperator,
      Threshold: c.Threshold,
      TreatMissingData: c.TreatMissingData ?? 'missing',
      EvaluateLowSampleCountPercentile: c.EvaluateLowSampleCountPercentile ?? '',
    },
  };
  return { subject: `${alarm.state.value}: "${alarm.name}" in ${regionDisplayName(region)}`, message: javaJson(body, INTEGER_KEYS) };
}
