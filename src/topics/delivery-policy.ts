/**
 * SNS delivery policies: how often and how far apart a failed delivery is retried. HTTP/S subscriptions follow the
 * `DeliveryPolicy` of the subscription or its topic (default: 3 retries, 20 s apart); the other protocols follow
 * SNS's fixed policies (AWS-managed endpoints — SQS, Lambda — and customer-managed ones — email).
 *
 * A policy has four phases after the first attempt: `numNoDelayRetries` at once, `numMinDelayRetries`
 * `minDelayTarget` apart, a backoff phase rising from `minDelayTarget` to `maxDelayTarget` along
 * `backoffFunction`, and `numMaxDelayRetries` `maxDelayTarget` apart; `numRetries` counts them all. SNS adds jitter;
 * Mailroom does not, so schedules are exact (and testable). The backoff curves are Mailroom's reading of SNS's
 * graph: linear, arithmetic (quadratic growth), geometric (constant ratio), exponential (steepest at the end).
 */
import { invalidParameter } from './names.js';

export type BackoffFunction = 'linear' | 'arithmetic' | 'geometric' | 'exponential';

export interface RetryPolicy {
  minDelayTarget: number;
  maxDelayTarget: number;
  numRetries: number;
  numNoDelayRetries: number;
  numMinDelayRetries: number;
  numMaxDelayRetries: number;
  backoffFunction: BackoffFunction;
}

/** What an HTTP/S subscription's deliveries follow, after the subscription's and topic's policies are merged. */
export interface HttpDeliveryPolicy {
  healthyRetryPolicy: RetryPolicy;
  /** Deliveries per second to the endpoint, if limited. */
  maxReceivesPerSecond?: number;
  headerContentType: string;
}

/** SNS's default for HTTP/S: 3 retries 20 seconds apart. */
export const HTTP_RETRY_POLICY: RetryPolicy = { minDelayTarget: 20, maxDelayTarget: 20, numRetries: 3, numNoDelayRetries: 0, numMinDelayRetries: 0, numMaxDelayRetries: 0, backoffFunction: 'linear' };
/** SQS and Lambda endpoints: 3 at once, 2 a second apart, 10 backing off from 1 s to 20 s, then 100,000 at 20 s (23 days). */
export const AWS_MANAGED_RETRY_POLICY: RetryPolicy = { minDelayTarget: 1, maxDelayTarget: 20, numRetries: 100_015, numNoDelayRetries: 3, numMinDelayRetries: 2, numMaxDelayRetries: 100_000, backoffFunction: 'exponential' };
/** Email: 2 retries 10 s apart, 10 backing off from 10 s to 10 min, then 38 at 10 min (about 6 hours). */
export const SMTP_RETRY_POLICY: RetryPolicy = { minDelayTarget: 10, maxDelayTarget: 600, numRetries: 50, numNoDelayRetries: 0, numMinDelayRetries: 2, numMaxDelayRetries: 38, backoffFunction: 'exponential' };

export const DEFAULT_CONTENT_TYPE = 'text/plain; charset=UTF-8';
const CONTENT_TYPES = ['text/plain', 'application/json', 'application/xml'].flatMap((t) => [t, `${t}; charset=UTF-8`]);
const BACKOFF_FUNCTIONS: readonly string[] = ['linear', 'arithmetic', 'geometric', 'exponential'];
/** SNS's hard limit on the time an HTTP/S policy's retries may span. */
const MAX_POLICY_SECONDS = 3600;

/**
 * The wait before retry number `retry` (1 for the first), in ms, or undefined when the policy allows no more.
 */
export function retryDelayMs(p: RetryPolicy, retry: number): number | undefined {
  if (retry > p.numRetries) return undefined;
  const backoffRetries = p.numRetries - p.numNoDelayRetries - p.numMinDelayRetries - p.numMaxDelayRetries;
  let n = retry;
  if (n <= p.numNoDelayRetries) return 0;
  n -= p.numNoDelayRetries;
  if (n <= p.numMinDelayRetries) return p.minDelayTarget * 1000;
  n -= p.numMinDelayRetries;
  if (n <= backoffRetries) return Math.round(backoff(p, n / backoffRetries) * 1000);
  return p.maxDelayTarget * 1000;
}

/** The delay at position x in (0, 1] of the backoff phase; its last retry waits maxDelayTarget. */
function backoff(p: RetryPolicy, x: number): number {
  const { minDelayTarget: min, maxDelayTarget: max } = p;
  switch (p.backoffFunction) {
    case 'linear':
      return min + (max - min) * x;
    case 'arithmetic':
      return min + (max - min) * x * x;
    case 'geometric':
      return min * (max / min) ** x;
    case 'exponential':
      return min + ((max - min) * (2 ** (10 * x) - 1)) / (2 ** 10 - 1);
  }
}

type Json = Record<string, unknown>;

function parseJson(text: string, what: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidParameter(`${what}: failed to parse JSON.`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`${what}: must be a JSON object.`);
  return value as Json;
}

function object(value: unknown, what: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter(`DeliveryPolicy: ${what} must be a JSON object.`);
  return value as Json;
}

function integer(value: unknown, what: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(`DeliveryPolicy: ${what} must be an integer from ${min} to ${max}.`);
  }
  return value;
}

/** Checks a healthyRetryPolicy object and fills SNS's defaults; `where` names it in messages. */
function retryPolicy(raw: Json, where: string): RetryPolicy {
  const d = HTTP_RETRY_POLICY;
  const minDelayTarget = integer(raw.minDelayTarget, `${where}.minDelayTarget`, 1, MAX_POLICY_SECONDS) ?? d.minDelayTarget;
  const maxDelayTarget = integer(raw.maxDelayTarget, `${where}.maxDelayTarget`, 1, MAX_POLICY_SECONDS) ?? Math.max(d.maxDelayTarget, minDelayTarget);
  if (minDelayTarget > maxDelayTarget) throw invalidParameter(`DeliveryPolicy: ${where}.minDelayTarget must not exceed maxDelayTarget.`);
  const policy: RetryPolicy = {
    minDelayTarget,
    maxDelayTarget,
    numRetries: integer(raw.numRetries, `${where}.numRetries`, 0, 100) ?? d.numRetries,
    numNoDelayRetries: integer(raw.numNoDelayRetries, `${where}.numNoDelayRetries`, 0, 100) ?? 0,
    numMinDelayRetries: integer(raw.numMinDelayRetries, `${where}.numMinDelayRetries`, 0, 100) ?? 0,
    numMaxDelayRetries: integer(raw.numMaxDelayRetries, `${where}.numMaxDelayRetries`, 0, 100) ?? 0,
    backoffFunction: 'linear',
  };
  if (raw.backoffFunction !== undefined) {
    if (typeof raw.backoffFunction !== 'string' || !BACKOFF_FUNCTIONS.includes(raw.backoffFunction)) {
      throw invalidParameter(`DeliveryPolicy: ${where}.backoffFunction must be one of ${BACKOFF_FUNCTIONS.join(', ')}.`);
    }
    policy.backoffFunction = raw.backoffFunction as BackoffFunction;
  }
  if (policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries > policy.numRetries) {
    throw invalidParameter(`DeliveryPolicy: ${where}: numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries together must not exceed numRetries.`);
  }
  let total = 0;
  for (let retry = 1; retry <= policy.numRetries; retry++) total += retryDelayMs(policy, retry)!;
  if (total > MAX_POLICY_SECONDS * 1000) throw invalidParameter(`DeliveryPolicy: ${where}: the retries would span ${Math.round(total / 1000)} seconds; at most ${MAX_POLICY_SECONDS} are allowed.`);
  return policy;
}

function throttle(raw: Json | undefined, where: string): number | undefined {
  return raw && integer(raw.maxReceivesPerSecond, `${where}.maxReceivesPerSecond`, 1, 1_000_000);
}

function contentType(raw: Json | undefined, where: string): string | undefined {
  const value = raw?.headerContentType;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !CONTENT_TYPES.includes(value)) throw invalidParameter(`DeliveryPolicy: ${where}.headerContentType must be one of ${CONTENT_TYPES.join(', ')}.`);
  return value;
}

/** A subscription's DeliveryPolicy attribute, as far as it is given. */
interface PartialPolicy {
  healthyRetryPolicy?: RetryPolicy;
  maxReceivesPerSecond?: number;
  headerContentType?: string;
}

export function parseSubscriptionPolicy(text: string): PartialPolicy {
  const raw = parseJson(text, 'DeliveryPolicy');
  const healthy = object(raw.healthyRetryPolicy, 'healthyRetryPolicy');
  const policy: PartialPolicy = {};
  if (healthy) policy.healthyRetryPolicy = retryPolicy(healthy, 'healthyRetryPolicy');
  const rate = throttle(object(raw.throttlePolicy, 'throttlePolicy'), 'throttlePolicy');
  if (rate !== undefined) policy.maxReceivesPerSecond = rate;
  const type = contentType(object(raw.requestPolicy, 'requestPolicy'), 'requestPolicy');
  if (type !== undefined) policy.headerContentType = type;
  return policy;
}

/** A topic's DeliveryPolicy attribute: its `http` section, which applies to HTTP and HTTPS subscriptions. */
export function parseTopicPolicy(text: string): PartialPolicy & { disableSubscriptionOverrides: boolean } {
  const raw = parseJson(text, 'DeliveryPolicy');
  const http = object(raw.http, 'http') ?? {};
  const healthy = object(http.defaultHealthyRetryPolicy, 'http.defaultHealthyRetryPolicy');
  const policy: PartialPolicy & { disableSubscriptionOverrides: boolean } = { disableSubscriptionOverrides: http.disableSubscriptionOverrides === true };
  if (http.disableSubscriptionOverrides !== undefined && typeof http.disableSubscriptionOverrides !== 'boolean') {
    throw invalidParameter('DeliveryPolicy: http.disableSubscriptionOverrides must be true or false.');
  }
  if (healthy) policy.healthyRetryPolicy = retryPolicy(healthy, 'http.defaultHealthyRetryPolicy');
  const rate = throttle(object(http.defaultThrottlePolicy, 'http.defaultThrottlePolicy'), 'http.defaultThrottlePolicy');
  if (rate !== undefined) policy.maxReceivesPerSecond = rate;
  const type = contentType(object(http.defaultRequestPolicy, 'http.defaultRequestPolicy'), 'http.defaultRequestPolicy');
  if (type !== undefined) policy.headerContentType = type;
  return policy;
}

/** The policy an HTTP/S subscription's deliveries follow: its own, over its topic's, over SNS's defaults. */
export function effectiveHttpPolicy(topicPolicy: string | undefined, subscriptionPolicy: string | undefined): HttpDeliveryPolicy {
  const topic = topicPolicy ? parseTopicPolicy(topicPolicy) : undefined;
  const own = subscriptionPolicy && !topic?.disableSubscriptionOverrides ? parseSubscriptionPolicy(subscriptionPolicy) : {};
  const policy: HttpDeliveryPolicy = {
    healthyRetryPolicy: own.healthyRetryPolicy ?? topic?.healthyRetryPolicy ?? HTTP_RETRY_POLICY,
    headerContentType: own.headerContentType ?? topic?.headerContentType ?? DEFAULT_CONTENT_TYPE,
  };
  const rate = own.maxReceivesPerSecond ?? topic?.maxReceivesPerSecond;
  if (rate !== undefined) policy.maxReceivesPerSecond = rate;
  return policy;
}

/** The topic's EffectiveDeliveryPolicy attribute, as SNS shows it. */
export function effectiveTopicPolicyJson(topicPolicy: string | undefined): string {
  const topic = topicPolicy ? parseTopicPolicy(topicPolicy) : undefined;
  const http: Json = {
    defaultHealthyRetryPolicy: topic?.healthyRetryPolicy ?? HTTP_RETRY_POLICY,
    disableSubscriptionOverrides: topic?.disableSubscriptionOverrides ?? false,
  };
  if (topic?.maxReceivesPerSecond !== undefined) http.defaultThrottlePolicy = { maxReceivesPerSecond: topic.maxReceivesPerSecond };
  http.defaultRequestPolicy = { headerContentType: topic?.headerContentType ?? DEFAULT_CONTENT_TYPE };
  return JSON.stringify({ http });
}

/** An HTTP/S subscription's EffectiveDeliveryPolicy attribute. */
export function effectiveSubscriptionPolicyJson(policy: HttpDeliveryPolicy): string {
  const out: Json = { healthyRetryPolicy: policy.healthyRetryPolicy };
  if (policy.maxReceivesPerSecond !== undefined) out.throttlePolicy = { maxReceivesPerSecond: policy.maxReceivesPerSecond };
  out.requestPolicy = { headerContentType: policy.headerContentType };
  out.guaranteed = false;
  return JSON.stringify(out);
}
