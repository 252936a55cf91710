/**
 * Secure defaults: without any configuration, every queue used as a dead-letter queue — by a target's
 * DeadLetterConfig, a queue's RedrivePolicy or an SNS subscription's RedrivePolicy — gets a depth alarm, and every
 * rule with a target that retries gets a FailedInvocations alarm, both notifying the alerts topic
 * (default-alarms.ts, alerts-topic.ts). The services call in here after they stored the configuration that names
 * the queue or the target.
 *
 * They are ordinary alarms: listed, editable and deletable through CloudWatch's API. One is made only when no alarm
 * of its name exists, so a user's edits are kept; a deleted one comes back only when its queue or rule is named
 * again (PutTargets, CreateQueue or SetQueueAttributes with the RedrivePolicy, Subscribe or SetSubscriptionAttributes
 * with it). Deleting the queue or the rule leaves its alarm: it is the user's to delete, like any alarm in
 * CloudWatch, which never deletes an alarm for a resource that went away.
 *
 * Making an alarm never fails the call that caused it: the configuration is stored by then; a failure is logged.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ACCOUNT_ID } from '../../protocols/context.js';
import type { AlarmStore } from '../../store/alarms.js';
import type { RuleRecord, TargetRecord } from '../../store/records.js';
import type { TopicStore } from '../../store/topics.js';
import type { Sns } from '../../topics/index.js';
import type { AlarmService } from '../alarms/alarm-service.js';
import { AlertsTopic, alertsEndpoints } from './alerts-topic.js';
import { dlqDepthAlarm, failedInvocationsAlarm, retries, type DefaultAlarm, type TargetSpec } from './default-alarms.js';

export interface SecureDefaultsOptions {
  store: Pick<AlarmStore, 'getAlarm'> & Pick<TopicStore, 'getTopic'>;
  alarms: Pick<AlarmService, 'put'>;
  sns: Sns;
  logger: Logger;
  /** Where the alerts topic is made at start. */
  region: string;
  /** Make the default alarms (the server's default; the library's is off). */
  defaultAlarms: boolean;
  /** The operator's alerts endpoints, subscribed to the alerts topic pre-confirmed. */
  alerts?: { webhook?: string; email?: string };
}

export class SecureDefaults {
  readonly #topic: AlertsTopic;
  readonly #needsTopic: boolean;
  #work: Promise<void> = Promise.resolve();

  constructor(private readonly o: SecureDefaultsOptions) {
    const endpoints = alertsEndpoints(o.alerts ?? {});
    this.#topic = new AlertsTopic(o.sns, o.store, endpoints);
    this.#needsTopic = o.defaultAlarms || endpoints.length > 0;
  }

  /**
   * Makes the default region's alerts topic, with the operator's subscriptions, when default alarms or an alerts
   * endpoint need it; throws when an endpoint cannot be subscribed (email without an SMTP server, say).
   */
  async start(): Promise<void> {
    if (this.#needsTopic) await this.#topic.arn(this.o.region);
  }

  /** PutTargets stored `targets` on `rule`. */
  targetsPut(rule: RuleRecord, targets: readonly TargetRecord[]): Promise<void> {
    if (!this.o.defaultAlarms) return Promise.resolve();
    const alarms: (DefaultAlarm | undefined)[] = [];
    for (const target of targets) {
      const spec = JSON.parse(target.spec) as TargetSpec;
      if (spec.DeadLetterConfig?.Arn !== undefined) alarms.push(dlqDepthAlarm(spec.DeadLetterConfig.Arn));
      if (retries(spec)) alarms.push(failedInvocationsAlarm(rule.arn, rule.bus, rule.name));
    }
    return this.#make(alarms);
  }

  /** A RedrivePolicy (a queue's or a subscription's) names `queueArn`. */
  deadLetterQueueNamed(queueArn: string): Promise<void> {
    return this.#make([dlqDepthAlarm(queueArn)]);
  }

  #make(alarms: (DefaultAlarm | undefined)[]): Promise<void> {
    if (!this.o.defaultAlarms) return Promise.resolve();
    const byName = new Map(alarms.filter((a) => a !== undefined).map((a) => [a.input.AlarmName, a]));
    if (byName.size === 0) return Promise.resolve();
    // One at a time in this process, so two calls naming the same queue at once make its alarm once.
    this.#work = this.#work.then(async () => {
      for (const alarm of byName.values()) {
        try {
          await this.#makeOne(alarm);
        } catch (err) {
          this.o.logger.error({ err, alarm: alarm.input.AlarmName }, 'could not make a default alarm');
        }
      }
    });
    return this.#work;
  }

  async #makeOne(alarm: DefaultAlarm): Promise<void> {
    // Made before — and perhaps edited since: then it is the user's as it is.
    if (await this.o.store.getAlarm(alarm.input.AlarmName)) return;
    const topicArn = await this.#topic.arn(alarm.region);
    await this.o.alarms.put({ ...alarm.input, AlarmActions: [topicArn] }, { region: alarm.region, accountId: ACCOUNT_ID, requestId: randomUUID() });
    this.o.logger.info({ alarm: alarm.input.AlarmName, topic: topicArn }, 'default alarm created');
  }
}
