/**
 * Subscription attributes as SNS takes and returns them. Settable: RawMessageDelivery (http, https, sqs),
 * DeliveryPolicy (http, https), RedrivePolicy (a dead-letter queue for deliveries that fail for good) and
 * SubscriptionRoleArn (kept). Filter policies are refused rather than ignored: ignoring one would deliver messages
 * the subscriber asked not to get.
 */
import type { SubscriptionRecord, TopicRecord } from '../store/topics.js';
import { effectiveHttpPolicy, effectiveSubscriptionPolicyJson, parseSubscriptionPolicy } from './delivery-policy.js';
import { invalidParameter } from './names.js';

const SETTABLE = new Set(['RawMessageDelivery', 'DeliveryPolicy', 'RedrivePolicy', 'SubscriptionRoleArn', 'FilterPolicy', 'FilterPolicyScope', 'ReplayPolicy']);
const NOT_SUPPORTED = new Set(['FilterPolicy', 'FilterPolicyScope', 'ReplayPolicy']);
const RAW_PROTOCOLS = new Set(['http', 'https', 'sqs']);
const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;

/**
 * Checks one attribute for a subscription of `protocol` and returns the value to store. Subscribe words its
 * errors "Attributes Reason: ...", SetSubscriptionAttributes without that prefix.
 */
export function checkSubscriptionAttribute(name: string, value: string, protocol: string, subscribing: boolean): string {
  const fail = (what: string) => invalidParameter(`${subscribing ? 'Attributes Reason: ' : ''}${what}`);
  if (!SETTABLE.has(name)) throw fail('AttributeName');
  if (NOT_SUPPORTED.has(name)) {
    // Clearing one is harmless.
    if (value === '' || (name === 'FilterPolicy' && value.trim() === '{}')) return '';
    throw fail(`${name}: not supported by Mailroom yet; without it every message of the topic would reach this subscription.`);
  }
  switch (name) {
    case 'RawMessageDelivery': {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw fail(`RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
      if (!RAW_PROTOCOLS.has(protocol)) throw fail(`Delivery protocol [${protocol}] does not support raw message delivery.`);
      return lower;
    }
    case 'DeliveryPolicy':
      if (protocol !== 'http' && protocol !== 'https') throw fail(`DeliveryPolicy: Delivery protocol [${protocol}] does not support delivery policies.`);
      if (value !== '') parseSubscriptionPolicy(value);
      return value;
    case 'RedrivePolicy': {
      if (value === '') return value;
      let arn: unknown;
      try {
        arn = (JSON.parse(value) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
      } catch {
        throw fail('RedrivePolicy: failed to parse JSON.');
      }
      if (typeof arn !== 'string' || !SQS_ARN.test(arn)) throw fail('RedrivePolicy: deadLetterTargetArn is an invalid arn');
      return value;
    }
    default:
      return value;
  }
}

/** The dead-letter queue of a subscription's RedrivePolicy, if it has one. */
export function deadLetterQueueOf(subscription: SubscriptionRecord): string | undefined {
  const policy = subscription.attributes.RedrivePolicy;
  return policy ? (JSON.parse(policy) as { deadLetterTargetArn: string }).deadLetterTargetArn : undefined;
}

/** GetSubscriptionAttributes' answer. */
export function readSubscriptionAttributes(s: SubscriptionRecord, topic: TopicRecord | undefined, account: string): Record<string, string> {
  const attributes: Record<string, string> = {
    ConfirmationWasAuthenticated: String(s.confirmationWasAuthenticated),
    PendingConfirmation: String(s.pendingConfirmation),
    Owner: account,
    RawMessageDelivery: 'false',
    TopicArn: s.topicArn,
    Endpoint: s.endpoint,
    Protocol: s.protocol,
    SubscriptionArn: s.arn,
    SubscriptionPrincipal: `arn:aws:iam::${account}:user/mailroom`,
    ...s.attributes,
  };
  if (s.protocol === 'http' || s.protocol === 'https') {
    attributes.EffectiveDeliveryPolicy = effectiveSubscriptionPolicyJson(effectiveHttpPolicy(topic?.attributes.DeliveryPolicy, s.attributes.DeliveryPolicy));
  }
  return attributes;
}
