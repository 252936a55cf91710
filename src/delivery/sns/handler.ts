/**
 * SNS semantics for an 'sns' delivery — one published message (or subscription confirmation) for one
 * subscription: deliver it by the subscription's protocol, then settle from the result and SNS's delivery policy
 * for that protocol: done, retry after the policy's delay, or — when the policy is exhausted or the error is a
 * client-side one (the queue or function is gone) — the subscription's dead-letter queue (RedrivePolicy), or
 * dropped, counted and logged. Records AWS/SNS metrics per topic.
 *
 * An HTTP/S endpoint that answers 4xx has the message, as far as SNS is concerned: the delivery is done and
 * counted in NumberOfNotificationsDelivered, as in AWS; beyond AWS, Mailroom also counts it in
 * Mailroom/SNS NumberOfNotificationsRejected, keeps the answer in the delivery's attempt history and logs it.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { MetricRecorder } from '../../monitoring/metric-recorder.js';
import type { AttemptRecord, ClaimedDelivery, FollowUpDelivery } from '../../store/deliveries.js';
import type { NewQueueMessage } from '../../store/queues.js';
import type { Store } from '../../store/store.js';
import type { SubscriptionRecord, TopicRecord } from '../../store/topics.js';
import { AWS_MANAGED_RETRY_POLICY, effectiveHttpPolicy, retryDelayMs, SMTP_RETRY_POLICY, type RetryPolicy } from '../../topics/delivery-policy.js';
import { lambdaEvent, type EnvelopeContext, type StoredMessage } from '../../topics/messages.js';
import type { MessageSigner, TopicLinks } from '../../topics/index.js';
import { deadLetterQueueOf } from '../../topics/subscription-attributes.js';
import type { DeadLetterSink } from '../dead-letters.js';
import type { DeliveryHandler, HandledOutcome } from '../dispatcher.js';
import type { HttpClient } from '../invokers/http-call.js';
import type { SmtpClient } from '../invokers/smtp.js';
import type { InvocationResult } from '../invoker.js';
import { deliverEmail } from './email.js';
import { deliverHttp } from './http.js';
import { deliverToQueue } from './queue.js';

const FUNCTION_NAME = /:function:([A-Za-z0-9_-]+)/;

export interface SnsHandlerOptions {
  clock: Clock;
  logger: Logger;
  metrics: MetricRecorder;
  store: Store;
  signer: MessageSigner;
  links: TopicLinks;
  http: HttpClient;
  /** Absent when no SMTP server is configured. */
  smtp?: SmtpClient;
  functionExists: (name: string) => boolean;
  /** Told of messages delivered to a queue: wakes its long polls, counts them. */
  messagesSent: (messages: readonly NewQueueMessage[]) => void;
  deadLetters: DeadLetterSink;
}

export class SnsHandler implements DeliveryHandler {
  constructor(private readonly o: SnsHandlerOptions) {}

  /** Each subscription is its own target; an HTTP/S delivery policy's throttlePolicy is its rate limit. */
  async limits(d: ClaimedDelivery) {
    const subscription = await this.o.store.getSubscription(d.targetArn);
    if (subscription?.protocol !== 'http' && subscription?.protocol !== 'https') return { key: d.targetArn };
    const topic = await this.o.store.getTopic(subscription.topicArn);
    return { key: d.targetArn, ratePerSecond: effectiveHttpPolicy(topic?.attributes.DeliveryPolicy, subscription.attributes.DeliveryPolicy).maxReceivesPerSecond };
  }

  async attempt(d: ClaimedDelivery, signal: AbortSignal): Promise<HandledOutcome> {
    const { clock } = this.o;
    const message = JSON.parse(d.event) as StoredMessage;
    const subscription = await this.o.store.getSubscription(d.targetArn);
    const topic = subscription && (await this.o.store.getTopic(subscription.topicArn));
    if (!subscription || !topic) {
      this.o.logger.info({ deliveryId: d.id, subscription: d.targetArn }, 'subscription was removed before delivery; message dropped');
      return { id: d.id, next: { status: 'dropped' }, attempts: d.attempts, lastError: 'NO_RESOURCE: the subscription was removed before delivery' };
    }
    const c: EnvelopeContext = {
      key: await this.o.signer.key(),
      version: topic.attributes.SignatureVersion === '2' ? '2' : '1',
      links: this.o.links,
      subscriptionArn: subscription.arn,
      protocol: subscription.protocol,
    };
    const attempts = d.attempts + 1;
    const start = clock.now();
    let result: InvocationResult;
    try {
      result = await this.#deliver(message, c, subscription, topic, signal);
    } catch (err) {
      this.o.logger.error({ err, deliveryId: d.id }, 'SNS delivery failed unexpectedly');
      result = { ok: false, retryable: true, errorCode: 'UNKNOWN', errorMessage: (err as Error).message };
    }
    const now = clock.now();
    const rejected = result.ok && result.response !== undefined && result.response.status >= 400;
    const attempt: AttemptRecord = {
      attempt: attempts,
      at: start,
      durationMs: now - start,
      ok: result.ok && !rejected,
      ...(!result.ok && { errorCode: result.errorCode, errorMessage: result.errorMessage }),
      ...(rejected && { errorCode: 'ERROR_FROM_TARGET', errorMessage: `The endpoint answered HTTP ${result.response!.status}; SNS treats that as delivered.` }),
      ...(result.response && { status: result.response.status, body: result.response.body }),
    };
    const notification = message.Type === 'Notification';
    if (result.ok) {
      if (notification) this.#count(d, 'AWS/SNS', 'NumberOfNotificationsDelivered');
      if (rejected) {
        this.#count(d, 'Mailroom/SNS', 'NumberOfNotificationsRejected');
        this.o.logger.warn({ deliveryId: d.id, subscription: subscription.arn, status: result.response!.status }, 'endpoint answered 4xx; counted as delivered, as SNS does');
      }
      const followUps = result.enqueued && [this.#functionInvocation(d, subscription.endpoint, result.enqueued.input, now)];
      return { id: d.id, next: { status: 'done' }, attempts, attempt, ...(rejected && { lastError: `${attempt.errorCode}: ${attempt.errorMessage}` }), ...(followUps && { followUps }) };
    }
    const lastError = `${result.errorCode}: ${result.errorMessage}`;
    if (result.retryable) {
      const delay = retryDelayMs(retryPolicyOf(subscription, topic), attempts);
      if (delay !== undefined) return { id: d.id, next: { status: 'pending', dueAt: now + delay }, attempts, attempt, lastError };
    }
    if (!notification) {
      this.o.logger.warn({ deliveryId: d.id, subscription: subscription.arn, error: lastError, attempts }, 'subscription confirmation could not be delivered; the endpoint can subscribe again');
      return { id: d.id, next: { status: 'dropped' }, attempts, attempt, lastError };
    }
    this.#count(d, 'AWS/SNS', 'NumberOfNotificationsFailed');
    const dlq = deadLetterQueueOf(subscription);
    if (!dlq) {
      this.o.logger.warn({ deliveryId: d.id, subscription: subscription.arn, error: lastError, attempts }, 'SNS delivery failed for good and the subscription has no dead-letter queue; message dropped');
      return { id: d.id, next: { status: 'dropped' }, attempts, attempt, lastError };
    }
    return { id: d.id, next: { status: 'dead' }, attempts, attempt, lastError, ...(await this.#deadLetter(d, message, subscription, result, attempts, dlq)) };
  }

  #deliver(m: StoredMessage, c: EnvelopeContext, s: SubscriptionRecord, topic: TopicRecord, signal: AbortSignal): Promise<InvocationResult> {
    const raw = s.attributes.RawMessageDelivery === 'true';
    switch (s.protocol) {
      case 'http':
      case 'https':
        return deliverHttp(this.o.http, m, c, s.endpoint, raw, effectiveHttpPolicy(topic.attributes.DeliveryPolicy, s.attributes.DeliveryPolicy).headerContentType, signal);
      case 'sqs':
        return deliverToQueue(this.o.store, this.o.clock, this.o.messagesSent, m, c, s.endpoint, raw);
      case 'email':
      case 'email-json':
        return deliverEmail(this.o.smtp, m, c, topic, s.endpoint, signal);
      case 'lambda':
        return Promise.resolve(this.#toFunction(m, c, s.endpoint));
      default:
        return Promise.resolve({ ok: false, retryable: false, errorCode: 'INVALID_PARAMETER', errorMessage: `Mailroom does not deliver to ${s.protocol} endpoints.` });
    }
  }

  /** SNS invokes Lambda asynchronously: the function's own queue takes the event, with Lambda's retries. */
  #toFunction(m: StoredMessage, c: EnvelopeContext, functionArn: string): InvocationResult {
    const name = FUNCTION_NAME.exec(functionArn)?.[1] ?? '';
    if (m.Type !== 'Notification' || !this.o.functionExists(name)) return { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: `Function not found: ${functionArn}` };
    return { ok: true, enqueued: { kind: 'function', input: JSON.stringify(lambdaEvent(m, c)) } };
  }

  #functionInvocation(d: ClaimedDelivery, functionArn: string, input: string, now: number): FollowUpDelivery {
    return { kind: 'function', eventId: d.eventId, bus: d.bus, ruleName: d.ruleName, ruleArn: d.ruleArn, targetId: d.targetId, targetArn: functionArn, input, dueAt: now };
  }

  /** The outcome fields that put the message on the subscription's dead-letter queue, in the outcome's transaction. */
  async #deadLetter(d: ClaimedDelivery, m: StoredMessage, s: SubscriptionRecord, result: Extract<InvocationResult, { ok: false }>, attempts: number, dlq: string): Promise<Partial<HandledOutcome>> {
    const attributes: Record<string, string> = {
      ERROR_CODE: result.errorCode,
      ERROR_MESSAGE: result.errorMessage,
      TOPIC_ARN: s.topicArn,
      SUBSCRIPTION_ARN: s.arn,
      RETRY_ATTEMPTS: String(attempts - 1),
      MAILROOM_DELIVERY_ID: d.id,
    };
    if (result.response) attributes.MAILROOM_LAST_RESPONSE_STATUS = String(result.response.status);
    // The message as published (SNS's dead letters carry the message, not the envelope signed for the endpoint).
    const body = m.Type === 'Notification' ? m.Message : d.event;
    const afterSettle = (how: 'queued' | 'fallback' | undefined) => {
      if (how === 'queued') this.#count(d, 'AWS/SNS', 'NumberOfNotificationsRedrivenToDlq');
      else {
        this.#count(d, 'AWS/SNS', 'NumberOfNotificationsFailedToRedriveToDlq');
        this.o.logger.error({ deliveryId: d.id, dlq, subscription: s.arn }, 'SNS dead letter could not be written to its queue; kept in the fallback store');
      }
    };
    const prepared = await this.o.deadLetters.prepare(dlq, s.topicArn, body, attributes);
    if ('refused' in prepared) return { afterSettle, fallback: { deliveryId: d.id, queueArn: dlq, reason: prepared.refused, body, attributes, at: this.o.clock.now() } };
    return { afterSettle, deadLetter: { message: prepared.message, queueArn: dlq, attributes } };
  }

  #count(d: ClaimedDelivery, namespace: string, name: string): void {
    // The delivery's rule is its topic (see the store's publish): ruleName is the topic's name.
    this.o.metrics.add(namespace, name, { TopicName: d.ruleName }, 1);
  }
}

/** SNS's delivery policy for a subscription's protocol. */
function retryPolicyOf(s: SubscriptionRecord, topic: TopicRecord): RetryPolicy {
  switch (s.protocol) {
    case 'http':
    case 'https':
      return effectiveHttpPolicy(topic.attributes.DeliveryPolicy, s.attributes.DeliveryPolicy).healthyRetryPolicy;
    case 'email':
    case 'email-json':
      return SMTP_RETRY_POLICY;
    default:
      return AWS_MANAGED_RETRY_POLICY;
  }
}
