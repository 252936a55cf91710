/**
 * Topic and subscription names and ARNs. A topic is `arn:aws:sns:<region>:<account>:<name>`; a subscription is its
 * topic's ARN plus `:<uuid>`. ARNs are checked the way SNS checks them, with SNS's wording, and a topic ARN must
 * name the request's own region (SNS answers InvalidParameter for another region's topic).
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})$/;
const SUBSCRIPTION_ARN = /^(arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}):([0-9a-f-]{36})$/;

export function invalidParameter(what: string): ServiceError {
  return new ServiceError('InvalidParameterException', `Invalid parameter: ${what}`);
}

export function topicNotFound(): ServiceError {
  return new ServiceError('NotFound', 'Topic does not exist');
}

export function subscriptionNotFound(): ServiceError {
  return new ServiceError('NotFound', 'Subscription does not exist');
}

/** Checks a CreateTopic name; FIFO topics are refused, since their ordering and deduplication are not implemented. */
export function validateTopicName(name: string): void {
  if (name.endsWith('.fifo')) throw invalidParameter(`Topic Name Reason: FIFO topics are not supported by Mailroom yet; '${name}' names one. Create a standard topic (no .fifo suffix).`);
  if (!TOPIC_NAME.test(name)) throw invalidParameter('Topic Name');
}

export function topicArn(ctx: RequestContext, name: string): string {
  return `arn:aws:sns:${ctx.region}:${ctx.accountId}:${name}`;
}

/** What every topic and subscription ARN of the caller's region starts with (for listing). */
export function regionPrefix(ctx: RequestContext): string {
  return `arn:aws:sns:${ctx.region}:${ctx.accountId}:`;
}

export function newSubscriptionArn(topic: string): string {
  return `${topic}:${randomUUID()}`;
}

/** The name of a well-formed topic ARN in the request's region, or SNS's InvalidParameter naming `field`. */
export function topicNameOf(arn: string | undefined, ctx: RequestContext, field = 'TopicArn'): string {
  if (arn === undefined || arn === '') throw invalidParameter(`${field} Reason: no value for required parameter`);
  if (!arn.startsWith('arn:')) throw invalidParameter(`${field} Reason: ${arn} does not start with arn`);
  const parts = arn.split(':');
  if (parts.length < 6) throw invalidParameter(`${field} Reason: An ARN must have at least 6 elements, not ${parts.length}`);
  const m = TOPIC_ARN.exec(arn);
  if (!m || m[1] !== ctx.region) throw invalidParameter(field);
  return m[3]!;
}

/** The topic ARN a subscription ARN belongs to, or undefined when the ARN is not a subscription's. */
export function topicOfSubscription(arn: string): string | undefined {
  return SUBSCRIPTION_ARN.exec(arn)?.[1];
}

/** A region from an SNS ARN (topic or subscription), for in-process calls that have no request. */
export function regionOf(arn: string): string | undefined {
  return TOPIC_ARN.exec(arn)?.[1] ?? TOPIC_ARN.exec(topicOfSubscription(arn) ?? '')?.[1];
}
