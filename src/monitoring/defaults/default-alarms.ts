/**
 * The alarms Mailroom makes by default, as PutMetricAlarm inputs with predictable names, so that people (and
 * scripts) can find, edit and delete them with CloudWatch's API:
 *
 * - `mailroom-dlq-depth-<queue>` on every dead-letter queue: the seed's alarm, AWS/SQS
 *   ApproximateNumberOfMessagesVisible, Maximum over 5 minutes, ≥ 1 in 1 of 1, missing data not breaching;
 * - `mailroom-failed-invocations-<bus>/<rule>` on every rule with a target that retries: AWS/Events
 *   FailedInvocations (EventBusName, RuleName, the dimensions the delivery engine records), Sum over 5 minutes ≥ 1.
 *
 * A rule name cannot hold '/', so the bus/rule name is unambiguous; a name CloudWatch would find too long (a bus
 * name may have 256 characters) is cut and ends in a hash of the whole.
 */
import { createHash } from 'node:crypto';
import { retryPolicyOf } from '../../delivery/retry-policy.js';
import type { PutMetricAlarmInput } from '../alarms/config.js';

export const DLQ_DEPTH_PREFIX = 'mailroom-dlq-depth-';
export const FAILED_INVOCATIONS_PREFIX = 'mailroom-failed-invocations-';
const MAX_NAME = 255;
const FIVE_MINUTES = 300;

/** An alarm to make (unless one of its name exists), in the region of the resource it watches. */
export interface DefaultAlarm {
  region: string;
  input: PutMetricAlarmInput;
}

/** What a target's stored spec says about retries and dead letters. */
export interface TargetSpec {
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
}

/** Common to both: one 5-minute period, ≥ 1, no data is fine. */
const condition = {
  Period: FIVE_MINUTES,
  EvaluationPeriods: 1,
  DatapointsToAlarm: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  ActionsEnabled: true,
} as const;

/** The depth alarm of the queue `queueArn` (arn:aws:sqs:<region>:<account>:<name>), or undefined for another ARN. */
export function dlqDepthAlarm(queueArn: string): DefaultAlarm | undefined {
  const m = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):\d{12}:([A-Za-z0-9_-]{1,80})$/.exec(queueArn);
  if (!m) return undefined;
  const queue = m[2]!;
  return {
    region: m[1]!,
    input: {
      AlarmName: alarmName(DLQ_DEPTH_PREFIX + queue),
      AlarmDescription: `Mailroom default alarm: messages are waiting in the dead-letter queue ${queue}. They need someone to look at them (mailroom dlq list ${queue}) and redrive or delete them.`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queue }],
      Statistic: 'Maximum',
      ...condition,
    },
  };
}

/** The failed-invocations alarm of the rule `ruleArn` (arn:aws:events:<region>:...) on `bus`. */
export function failedInvocationsAlarm(ruleArn: string, bus: string, rule: string): DefaultAlarm {
  return {
    region: ruleArn.split(':')[3]!,
    input: {
      AlarmName: alarmName(`${FAILED_INVOCATIONS_PREFIX}${bus}/${rule}`),
      AlarmDescription: `Mailroom default alarm: deliveries of rule ${rule} on event bus ${bus} failed for good (after their retries, or at once for an error that is not retried).`,
      Namespace: 'AWS/Events',
      MetricName: 'FailedInvocations',
      Dimensions: [
        { Name: 'EventBusName', Value: bus },
        { Name: 'RuleName', Value: rule },
      ],
      Statistic: 'Sum',
      ...condition,
    },
  };
}

/** A target retries unless its RetryPolicy says MaximumRetryAttempts 0 (the default is 185). */
export function retries(spec: TargetSpec): boolean {
  return retryPolicyOf(spec).maximumRetryAttempts > 0;
}

function alarmName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${name.slice(0, MAX_NAME - hash.length - 1)}~${hash}`;
}
