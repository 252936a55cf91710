/**
 * Subscriptions: Subscribe, ConfirmSubscription, Unsubscribe, ListSubscriptions(ByTopic), Get/Set subscription
 * attributes.
 *
 * http/https and email subscriptions start pending: Subscribe records a SubscriptionConfirmation (its token valid
 * for 3 days) as a delivery to the endpoint, and the subscription is active once ConfirmSubscription — or a visit
 * to the SubscribeURL, which is the same call — presents the token. sqs and lambda subscriptions are the caller's
 * own resources (one account), so they are confirmed at once, as SNS does within an account. Subscribing the same
 * endpoint again returns the existing subscription (and sends a pending one its confirmation again).
 */
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { bool, check, map, str, struct } from '../protocols/shape.js';
import { timeOrderedUuid } from '../store/ids.js';
import type { SubscriptionRecord } from '../store/topics.js';
import { requireTopic, type TopicDeps } from './deps.js';
import { checkEndpoint, needsConfirmation } from './endpoints.js';
import { confirmationText, type StoredConfirmation } from './messages.js';
import { invalidParameter, newSubscriptionArn, regionPrefix, subscriptionNotFound, topicNameOf, topicNotFound, topicOfSubscription } from './names.js';
import { pageAfter, pageToken } from './paging.js';
import { checkSubscriptionAttribute, deadLetterQueueOf, readSubscriptionAttributes } from './subscription-attributes.js';

const TOKEN_VALID_MS = 3 * 86_400_000;
const PAGE_SIZE = 100;
/** What ListSubscriptions shows instead of the ARN of a subscription that is not confirmed yet. */
const PENDING_ARN = 'PendingConfirmation';

const subscribeShape = struct({ TopicArn: str(), Protocol: str(), Endpoint: str(), Attributes: map(str()), ReturnSubscriptionArn: bool }, ['TopicArn', 'Protocol']);
const confirmSubscriptionShape = struct({ TopicArn: str(), Token: str(), AuthenticateOnUnsubscribe: str() }, ['TopicArn', 'Token']);
const subscriptionArnShape = struct({ SubscriptionArn: str() }, ['SubscriptionArn']);
const listSubscriptionsShape = struct({ NextToken: str() });
const listByTopicShape = struct({ TopicArn: str(), NextToken: str() }, ['TopicArn']);
const setSubscriptionAttributesShape = struct({ SubscriptionArn: str(), AttributeName: str(), AttributeValue: str() }, ['SubscriptionArn', 'AttributeName']);

export interface SubscribeInput {
  TopicArn: string;
  Protocol: string;
  Endpoint?: string;
  Attributes?: Record<string, string>;
  ReturnSubscriptionArn?: boolean;
}

export interface ConfirmSubscriptionInput {
  TopicArn: string;
  Token: string;
  AuthenticateOnUnsubscribe?: string;
}

export interface SubscriptionSummary {
  SubscriptionArn: string;
  Owner: string;
  Protocol: string;
  Endpoint: string;
  TopicArn: string;
}

export class SubscriptionService {
  constructor(private readonly deps: TopicDeps) {}

  /**
   * `preConfirmed` is for in-process callers only (the operator's alerts endpoints, docs/monitoring.md): the
   * subscription is active at once, and confirmed as if authenticated, so only a signed Unsubscribe removes it.
   */
  async subscribe(input: SubscribeInput, ctx: RequestContext, options: { preConfirmed?: boolean } = {}): Promise<{ SubscriptionArn: string }> {
    const req = check<SubscribeInput>(input, subscribeShape);
    const topic = await requireTopic(this.deps, req.TopicArn, ctx);
    const protocol = req.Protocol;
    checkEndpoint(protocol, req.Endpoint, this.deps.emailEnabled);
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.Attributes ?? {})) {
      const stored = checkSubscriptionAttribute(name, value, protocol, true);
      if (stored !== '') attributes[name] = stored;
    }
    const now = this.deps.clock.now();
    const pending = needsConfirmation(protocol) && !options.preConfirmed;
    const subscription: SubscriptionRecord = {
      arn: newSubscriptionArn(topic.arn),
      topicArn: topic.arn,
      protocol,
      endpoint: req.Endpoint!,
      attributes,
      pendingConfirmation: pending,
      confirmationWasAuthenticated: !pending,
      createdAt: now,
      ...(pending && { token: randomBytes(64).toString('hex'), tokenExpiresAt: now + TOKEN_VALID_MS }),
    };
    const result = await this.deps.store.createSubscription(subscription);
    if (!result) throw topicNotFound();
    const current = result.subscription;
    if (!result.created) {
      const differs = Object.entries(attributes).some(([k, v]) => current.attributes[k] !== v);
      if (differs) throw invalidParameter('Attributes Reason: Subscription already exists with different attributes');
      if (current.pendingConfirmation && options.preConfirmed) {
        await this.deps.store.updateSubscription(current.arn, { pendingConfirmation: false, confirmationWasAuthenticated: true });
        return { SubscriptionArn: current.arn };
      }
      if (current.pendingConfirmation) {
        // Asked again while pending: the token is good for another 3 days, and the endpoint hears of it again.
        await this.deps.store.updateSubscription(current.arn, { tokenExpiresAt: now + TOKEN_VALID_MS });
      }
    }
    if (current.pendingConfirmation) await this.#sendConfirmation(current);
    await this.#deadLetterQueueNamed(current);
    const shown = current.pendingConfirmation && !req.ReturnSubscriptionArn ? 'pending confirmation' : current.arn;
    return { SubscriptionArn: shown };
  }

  async confirm(input: ConfirmSubscriptionInput, ctx: RequestContext): Promise<{ SubscriptionArn: string }> {
    const req = check<ConfirmSubscriptionInput>(input, confirmSubscriptionShape);
    topicNameOf(req.TopicArn, ctx);
    const subscription = await this.deps.store.subscriptionByToken(req.Token);
    if (!subscription || subscription.topicArn !== req.TopicArn) throw invalidParameter('Token');
    if (!subscription.pendingConfirmation) return { SubscriptionArn: subscription.arn };
    if (subscription.tokenExpiresAt !== undefined && subscription.tokenExpiresAt < this.deps.clock.now()) throw invalidParameter('Token Reason: the token has expired; subscribe again');
    if (!(await this.deps.store.getTopic(subscription.topicArn))) throw topicNotFound();
    // An authenticated confirmation that asks for it makes unsigned Unsubscribe requests (the UnsubscribeURL) fail.
    const authenticated = ctx.accessKeyId !== undefined && req.AuthenticateOnUnsubscribe?.toLowerCase() === 'true';
    await this.deps.store.updateSubscription(subscription.arn, { pendingConfirmation: false, confirmationWasAuthenticated: authenticated });
    return { SubscriptionArn: subscription.arn };
  }

  async unsubscribe(input: { SubscriptionArn: string }, ctx: RequestContext): Promise<object> {
    const req = check<{ SubscriptionArn: string }>(input, subscriptionArnShape);
    const arn = req.SubscriptionArn;
    if (topicOfSubscription(arn) === undefined) {
      const parts = arn.split(':').length;
      if (parts < 6) throw invalidParameter(`SubscriptionArn Reason: An ARN must have at least 6 elements, not ${parts}`);
      throw invalidParameter('SubscriptionId');
    }
    const subscription = await this.deps.store.getSubscription(arn);
    // Unsubscribe is idempotent: a subscription that is already gone is not an error.
    if (!subscription) return {};
    if (subscription.confirmationWasAuthenticated && needsConfirmation(subscription.protocol) && ctx.accessKeyId === undefined) {
      throw new ServiceError('AuthorizationErrorException', 'This subscription was confirmed with AuthenticateOnUnsubscribe: only a signed request can remove it.');
    }
    await this.deps.store.deleteSubscription(arn);
    return {};
  }

  async list(input: { NextToken?: string }, ctx: RequestContext): Promise<{ Subscriptions: SubscriptionSummary[]; NextToken?: string }> {
    const req = check<{ NextToken?: string }>(input, listSubscriptionsShape);
    return this.#page(regionPrefix(ctx), req.NextToken, ctx);
  }

  async listByTopic(input: { TopicArn: string; NextToken?: string }, ctx: RequestContext): Promise<{ Subscriptions: SubscriptionSummary[]; NextToken?: string }> {
    const req = check<{ TopicArn: string; NextToken?: string }>(input, listByTopicShape);
    const topic = await requireTopic(this.deps, req.TopicArn, ctx);
    return this.#page(`${topic.arn}:`, req.NextToken, ctx);
  }

  async getAttributes(input: { SubscriptionArn: string }, ctx: RequestContext): Promise<{ Attributes: Record<string, string> }> {
    const req = check<{ SubscriptionArn: string }>(input, subscriptionArnShape);
    const subscription = await this.#require(req.SubscriptionArn);
    const topic = await this.deps.store.getTopic(subscription.topicArn);
    return { Attributes: readSubscriptionAttributes(subscription, topic, ctx.accountId) };
  }

  async setAttributes(input: { SubscriptionArn: string; AttributeName: string; AttributeValue?: string }): Promise<object> {
    const req = check<{ SubscriptionArn: string; AttributeName: string; AttributeValue?: string }>(input, setSubscriptionAttributesShape);
    const subscription = await this.#require(req.SubscriptionArn);
    const value = checkSubscriptionAttribute(req.AttributeName, req.AttributeValue ?? '', subscription.protocol, false);
    const attributes = { ...subscription.attributes };
    if (value === '') delete attributes[req.AttributeName];
    else attributes[req.AttributeName] = value;
    if (!(await this.deps.store.updateSubscription(subscription.arn, { attributes }))) throw subscriptionNotFound();
    if (req.AttributeName === 'RedrivePolicy') await this.#deadLetterQueueNamed({ ...subscription, attributes });
    return {};
  }

  async #deadLetterQueueNamed(subscription: SubscriptionRecord): Promise<void> {
    const queueArn = deadLetterQueueOf(subscription);
    if (queueArn !== undefined) await this.deps.deadLetterQueueNamed?.(queueArn);
  }

  async #require(arn: string): Promise<SubscriptionRecord> {
    const subscription = topicOfSubscription(arn) === undefined ? undefined : await this.deps.store.getSubscription(arn);
    if (!subscription) throw subscriptionNotFound();
    return subscription;
  }

  async #page(prefix: string, token: string | undefined, ctx: RequestContext) {
    const page = await this.deps.store.listSubscriptions({ prefix, after: pageAfter(token), limit: PAGE_SIZE });
    const Subscriptions = page.items.map((s) => ({
      SubscriptionArn: s.pendingConfirmation ? PENDING_ARN : s.arn,
      Owner: ctx.accountId,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      TopicArn: s.topicArn,
    }));
    return { Subscriptions, ...pageToken(page.after) };
  }

  /** Records the SubscriptionConfirmation for delivery to the endpoint (durably, like a publish). */
  async #sendConfirmation(s: SubscriptionRecord): Promise<void> {
    const now = this.deps.clock.now();
    const id = timeOrderedUuid(now);
    const message: StoredConfirmation = { Type: 'SubscriptionConfirmation', MessageId: id, TopicArn: s.topicArn, Token: s.token!, Message: confirmationText(s.topicArn), Timestamp: new Date(now).toISOString() };
    if (await this.deps.store.sendToSubscription(s.arn, { id, topicArn: s.topicArn, receivedAt: now, payload: JSON.stringify(message) }, now)) this.deps.deliveriesRecorded();
  }
}
