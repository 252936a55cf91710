/**
 * PutMetricAlarm's input, validated into an AlarmConfig, and an alarm as DescribeAlarms shows it (MetricAlarm).
 * Constraint violations and inconsistent alarms are CloudWatch's ValidationError. Alarms on metric math
 * (`Metrics`, `ThresholdMetricId`, the anomaly-band operators) are refused: Mailroom does not evaluate math yet.
 */
import type { RequestContext } from '../../protocols/context.js';
import { bool, double, int, list, str, struct } from '../../protocols/shape.js';
import type { AlarmConfig, AlarmRecord } from '../../store/alarms.js';
import { checkInput, dimensions, metricName, namespace, percentileOf, period, statistic, unit, validationError, type Dimension } from '../inputs.js';
import { COMPARISONS } from './model.js';

export const TREAT_MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'] as const;
const OPERATORS = [
  'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold',
] as const;
const DAY = 86_400;

export const alarmName = str({ min: 1, max: 255 });
const actions = list(str({ min: 1, max: 1024 }), { max: 5 });

export interface PutMetricAlarmInput {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold?: number | string;
  ComparisonOperator: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: unknown[];
  Tags?: { Key: string; Value: string }[];
  ThresholdMetricId?: string;
}

export const putShape = struct(
  {
    AlarmName: alarmName,
    AlarmDescription: str({ max: 1024 }),
    ActionsEnabled: bool,
    OKActions: actions,
    AlarmActions: actions,
    InsufficientDataActions: actions,
    MetricName: metricName,
    Namespace: namespace,
    Statistic: statistic,
    ExtendedStatistic: str(),
    Dimensions: dimensions,
    Period: period,
    Unit: unit,
    EvaluationPeriods: int({ min: 1 }),
    DatapointsToAlarm: int({ min: 1 }),
    Threshold: double,
    ComparisonOperator: str({ enum: OPERATORS }),
    TreatMissingData: str({ min: 1, max: 255 }),
    EvaluateLowSampleCountPercentile: str({ min: 1, max: 255 }),
    Metrics: list({ kind: 'any' }),
    Tags: list(struct({ Key: str({ min: 1, max: 128 }), Value: str({ max: 256 }) }, ['Key', 'Value'])),
    ThresholdMetricId: str({ min: 1, max: 255 }),
  },
  ['AlarmName', 'EvaluationPeriods', 'ComparisonOperator'],
);

/** The input of PutMetricAlarm as the AlarmConfig to store; throws ValidationError for an alarm CloudWatch refuses. */
export function toAlarmConfig(input: unknown, ctx: RequestContext): { name: string; config: AlarmConfig; actionsEnabled: boolean; tags: Record<string, string> } {
  const req = checkInput<PutMetricAlarmInput>(input, putShape);
  if (req.Metrics !== undefined || req.ThresholdMetricId !== undefined || !(req.ComparisonOperator in COMPARISONS)) {
    throw validationError('Alarms on metric math (Metrics, ThresholdMetricId and the anomaly detection band operators) are not supported by Mailroom yet; alarm on a single metric with Statistic or ExtendedStatistic.');
  }
  for (const member of ['MetricName', 'Namespace', 'Period', 'Threshold'] as const) {
    if (req[member] === undefined) throw validationError(`${member} must not be null`);
  }
  // awsJson carries NaN and the infinities as strings, CBOR as floats: refused the same way over both.
  if (typeof req.Threshold !== 'number' || !Number.isFinite(req.Threshold)) throw validationError(`The value ${req.Threshold} for parameter Threshold is invalid.`);
  if ((req.Statistic === undefined) === (req.ExtendedStatistic === undefined)) {
    throw validationError('Exactly one of Statistic and ExtendedStatistic must be specified.');
  }
  if (req.ExtendedStatistic !== undefined && percentileOf(req.ExtendedStatistic) === undefined) {
    throw validationError(`The value ${req.ExtendedStatistic} for parameter ExtendedStatistic is not supported: Mailroom evaluates percentiles such as p99.`);
  }
  checkSchedule(req.Period!, req.EvaluationPeriods, req.DatapointsToAlarm);
  if (req.TreatMissingData !== undefined && !(TREAT_MISSING_DATA as readonly string[]).includes(req.TreatMissingData)) {
    throw validationError(`The value ${req.TreatMissingData} for parameter TreatMissingData is invalid: use breaching, notBreaching, ignore or missing.`);
  }
  if (req.EvaluateLowSampleCountPercentile !== undefined) {
    if (req.ExtendedStatistic === undefined) throw validationError('EvaluateLowSampleCountPercentile may only be set on an alarm with a percentile ExtendedStatistic.');
    if (!['evaluate', 'ignore'].includes(req.EvaluateLowSampleCountPercentile)) {
      throw validationError(`The value ${req.EvaluateLowSampleCountPercentile} for parameter EvaluateLowSampleCountPercentile is invalid: use evaluate or ignore.`);
    }
  }
  for (const action of [...(req.OKActions ?? []), ...(req.AlarmActions ?? []), ...(req.InsufficientDataActions ?? [])]) checkAction(action, ctx);
  const config: AlarmConfig = {
    OKActions: req.OKActions ?? [],
    AlarmActions: req.AlarmActions ?? [],
    InsufficientDataActions: req.InsufficientDataActions ?? [],
    MetricName: req.MetricName!,
    Namespace: req.Namespace!,
    Dimensions: req.Dimensions ?? [],
    Period: req.Period!,
    EvaluationPeriods: req.EvaluationPeriods,
    Threshold: req.Threshold,
    ComparisonOperator: req.ComparisonOperator,
  };
  for (const key of ['AlarmDescription', 'Statistic', 'ExtendedStatistic', 'Unit', 'DatapointsToAlarm', 'TreatMissingData', 'EvaluateLowSampleCountPercentile'] as const) {
    if (req[key] !== undefined) (config as unknown as Record<string, unknown>)[key] = req[key];
  }
  const tags = Object.fromEntries((req.Tags ?? []).map((t) => [t.Key, t.Value]));
  return { name: req.AlarmName, config, actionsEnabled: req.ActionsEnabled ?? true, tags };
}

function checkSchedule(periodSeconds: number, evaluationPeriods: number, datapointsToAlarm: number | undefined): void {
  if (![10, 20, 30].includes(periodSeconds) && periodSeconds % 60 !== 0) {
    throw validationError(`The parameter Period must be 10, 20, 30 or a multiple of 60; got ${periodSeconds}.`);
  }
  // One day of evaluation, or seven for periods of an hour or more.
  const limit = periodSeconds >= 3600 ? 7 * DAY : DAY;
  if (periodSeconds * evaluationPeriods > limit) {
    throw validationError(`The product of Period and EvaluationPeriods must not exceed ${limit} seconds; got ${periodSeconds * evaluationPeriods}.`);
  }
  if (datapointsToAlarm !== undefined && datapointsToAlarm > evaluationPeriods) {
    throw validationError(`DatapointsToAlarm (${datapointsToAlarm}) must be less than or equal to EvaluationPeriods (${evaluationPeriods}).`);
  }
}

function checkAction(action: string, ctx: RequestContext): void {
  const parts = action.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || !parts[2]) throw validationError(`Invalid arn syntax: ${action}`);
  if (parts[2] === 'sns' && parts[3] !== ctx.region) throw validationError(`Invalid region ${parts[3]} specified. Only ${ctx.region} is supported.`);
}

export function alarmArn(ctx: RequestContext, name: string): string {
  return `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name}`;
}

/** An alarm as DescribeAlarms and DescribeAlarmsForMetric return it; timestamps are Dates for the protocol to write. */
export function describeAlarm(alarm: AlarmRecord) {
  const c = alarm.config;
  return {
    AlarmName: alarm.name,
    AlarmArn: alarm.arn,
    AlarmDescription: c.AlarmDescription,
    AlarmConfigurationUpdatedTimestamp: new Date(alarm.configUpdatedAt),
    ActionsEnabled: alarm.actionsEnabled,
    OKActions: c.OKActions,
    AlarmActions: c.AlarmActions,
    InsufficientDataActions: c.InsufficientDataActions,
    StateValue: alarm.state.value,
    StateReason: alarm.state.reason,
    StateReasonData: alarm.state.reasonData,
    StateUpdatedTimestamp: new Date(alarm.state.updatedAt),
    MetricName: c.MetricName,
    Namespace: c.Namespace,
    Statistic: c.Statistic,
    ExtendedStatistic: c.ExtendedStatistic,
    Dimensions: c.Dimensions,
    Period: c.Period,
    Unit: c.Unit,
    EvaluationPeriods: c.EvaluationPeriods,
    DatapointsToAlarm: c.DatapointsToAlarm,
    Threshold: c.Threshold,
    ComparisonOperator: c.ComparisonOperator,
    TreatMissingData: c.TreatMissingData,
    EvaluateLowSampleCountPercentile: c.EvaluateLowSampleCountPercentile,
    StateTransitionedTimestamp: new Date(alarm.state.transitionedAt),
  };
}
