/**
 * Topic attributes as SNS takes and returns them. The settable ones are checked and stored as given; reading adds
 * what SNS computes (Owner, TopicArn, the subscription counts, EffectiveDeliveryPolicy) and the default Policy.
 * `KmsMasterKeyId` is kept and returned; encrypting topic messages at rest is the store's sealer's job.
 */
import type { TopicCounts, TopicRecord } from '../store/topics.js';
import { effectiveTopicPolicyJson, parseTopicPolicy } from './delivery-policy.js';
import { invalidParameter } from './names.js';

/** Delivery-status logging settings: accepted and returned, not acted on (Mailroom keeps no delivery logs in CloudWatch Logs). */
const FEEDBACK = ['HTTP', 'SQS', 'Lambda', 'Application', 'Firehose'].flatMap((p) => [`${p}SuccessFeedbackRoleArn`, `${p}SuccessFeedbackSampleRate`, `${p}FailureFeedbackRoleArn`]);
const SETTABLE = new Set(['DeliveryPolicy', 'DisplayName', 'Policy', 'KmsMasterKeyId', 'SignatureVersion', 'TracingConfig', 'DataProtectionPolicy', ...FEEDBACK]);
/** Only CreateTopic takes these; they make a FIFO topic, which Mailroom does not have. */
const FIFO_ONLY = new Set(['FifoTopic', 'ContentBasedDeduplication', 'FifoThroughputScope', 'ArchivePolicy']);

/** Checks one attribute about to be set; CreateTopic (`creating`) words an unknown name differently from SetTopicAttributes. */
export function checkTopicAttribute(name: string, value: string, creating: boolean): void {
  if (FIFO_ONLY.has(name)) {
    if (creating && value.toLowerCase() === 'false') return;
    throw invalidParameter(`Attributes Reason: ${name}: FIFO topics are not supported by Mailroom yet.`);
  }
  if (!SETTABLE.has(name)) throw invalidParameter(creating ? `Attributes Reason: Unknown attribute ${name}` : 'AttributeName');
  switch (name) {
    case 'DisplayName':
      if (value.length > 100) throw invalidParameter('DisplayName Reason: must be at most 100 characters');
      return;
    case 'SignatureVersion':
      if (value !== '1' && value !== '2') throw invalidParameter('SignatureVersion Reason: must be 1 (SHA1withRSA) or 2 (SHA256withRSA)');
      return;
    case 'TracingConfig':
      if (value !== 'PassThrough' && value !== 'Active') throw invalidParameter('TracingConfig Reason: must be PassThrough or Active');
      return;
    case 'DeliveryPolicy':
      if (value !== '') parseTopicPolicy(value);
      return;
    case 'Policy':
    case 'DataProtectionPolicy':
      checkJsonObject(value, name);
      return;
    case 'KmsMasterKeyId':
      if (value.length > 2048) throw invalidParameter('KmsMasterKeyId');
      return;
  }
  if (name.endsWith('SampleRate') && !/^(\d|[1-9]\d|100)$/.test(value)) throw invalidParameter(`${name} Reason: must be an integer from 0 to 100`);
}

function checkJsonObject(value: string, name: string): void {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return;
  } catch {
    // reported below
  }
  throw invalidParameter(`${name} Reason: must be a JSON object`);
}

/** CreateTopic's Attributes, checked, without the FIFO switches that say "no". */
export function creationAttributes(given: Record<string, string>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    checkTopicAttribute(name, value, true);
    if (!FIFO_ONLY.has(name)) attributes[name] = value;
  }
  return attributes;
}

/** SNS's default topic policy: the owner account may do everything with the topic. */
export function defaultPolicy(topic: TopicRecord, account: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic', 'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
        Resource: topic.arn,
        Condition: { StringEquals: { 'AWS:SourceOwner': account } },
      },
    ],
  });
}

/** GetTopicAttributes' answer. */
export function readTopicAttributes(topic: TopicRecord, counts: TopicCounts, account: string): Record<string, string> {
  const { Policy, DeliveryPolicy, ...rest } = topic.attributes;
  const attributes: Record<string, string> = {
    Policy: Policy ?? defaultPolicy(topic, account),
    Owner: account,
    SubscriptionsPending: String(counts.pending),
    TopicArn: topic.arn,
    EffectiveDeliveryPolicy: effectiveTopicPolicyJson(DeliveryPolicy || undefined),
    SubscriptionsConfirmed: String(counts.confirmed),
    DisplayName: '',
    SubscriptionsDeleted: String(counts.deleted),
    ...rest,
  };
  if (DeliveryPolicy) attributes.DeliveryPolicy = DeliveryPolicy;
  return attributes;
}
