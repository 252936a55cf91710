/**
 * SNS: topics, subscriptions, publishing and the links and signatures its messages carry, as services usable
 * in-process (the library API, CloudWatch alarm actions) and as the operation table the query protocol serves.
 * Delivery of what is published is the delivery engine's (src/delivery/sns/).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import { ACCOUNT_ID, DEFAULT_REGION, type RequestContext } from '../protocols/context.js';
import type { QueryOperation, QueryService } from '../protocols/query.js';
import type { Operation } from '../protocols/wire.js';
import type { Store } from '../store/store.js';
import type { TopicDeps } from './deps.js';
import { TopicLinks } from './links.js';
import { regionOf } from './names.js';
import { SNS_QUERY_SHAPES, SNS_QUERY_VERSION, SNS_XML_NAMESPACE, type SnsOperationName } from './query-shapes.js';
import { PublishService } from './publish.js';
import { MessageSigner } from './signing.js';
import { SubscriptionService } from './subscriptions.js';
import { TopicTagService } from './tags.js';
import { TopicService } from './topic-service.js';

export type { CreateTopicInput, SetTopicAttributesInput } from './topic-service.js';
export type { ConfirmSubscriptionInput, SubscribeInput, SubscriptionSummary } from './subscriptions.js';
export type { PublishBatchEntry, PublishBatchInput, PublishInput } from './publish.js';
export type { MessageAttributeValue } from './message-attributes.js';
export { SNS_XML_NAMESPACE } from './query-shapes.js';
export { TopicLinks, CERTIFICATE_PATH } from './links.js';
export { MessageSigner, SigningKey, type SignatureVersion } from './signing.js';

export interface SnsOptions {
  store: Store;
  clock: Clock;
  metrics: MetricRecorder;
  /** The URL subscribers reach Mailroom at (SubscribeURL, UnsubscribeURL, SigningCertURL); default: the server's. */
  publicUrl?: string;
  /** Whether an SMTP server is configured for email subscriptions. */
  emailEnabled?: boolean;
  /** New deliveries were committed. */
  deliveriesRecorded?: () => void;
  /** A subscription's RedrivePolicy names this queue as its dead-letter queue. */
  deadLetterQueueNamed?: (queueArn: string) => Promise<void>;
}

/**
 * Publishing for other services in the same process: CloudWatch alarm actions (their AlarmNotifier is
 * `{ publish: (n) => sns.publish(n.topicArn, n.message, n.subject).then((messageId) => ({ messageId })) }`),
 * function destinations.
 */
export interface TopicPublisher {
  publish(topicArn: string, message: string, subject?: string): Promise<string>;
}

export class Sns implements TopicPublisher {
  readonly topics: TopicService;
  readonly subscriptions: SubscriptionService;
  readonly publisher: PublishService;
  readonly tags: TopicTagService;
  readonly links: TopicLinks;
  readonly signer: MessageSigner;

  constructor(o: SnsOptions) {
    this.links = new TopicLinks(o.publicUrl);
    this.signer = new MessageSigner(o.store, o.clock);
    const deps: TopicDeps = {
      store: o.store,
      clock: o.clock,
      metrics: o.metrics,
      deliveriesRecorded: () => o.deliveriesRecorded?.(),
      emailEnabled: o.emailEnabled ?? false,
      deadLetterQueueNamed: o.deadLetterQueueNamed,
    };
    this.topics = new TopicService(deps);
    this.subscriptions = new SubscriptionService(deps);
    this.publisher = new PublishService(deps);
    this.tags = new TopicTagService(deps);
  }

  /**
   * Publishes `message` to a topic in-process, as Publish does (durable before it resolves); resolves with the
   * MessageId. Throws ServiceError (NotFound, InvalidParameter) as Publish would.
   */
  async publish(topicArn: string, message: string, subject?: string): Promise<string> {
    const ctx: RequestContext = { region: regionOf(topicArn) ?? DEFAULT_REGION, accountId: ACCOUNT_ID, requestId: randomUUID() };
    const input = subject === undefined ? { TopicArn: topicArn, Message: message } : { TopicArn: topicArn, Message: message, Subject: subject };
    return (await this.publisher.publish(input, ctx)).MessageId;
  }

  /** The operations as the query protocol serves them (the only protocol SNS's SDKs speak). */
  queryService(): QueryService {
    const run = this.#operations();
    const operations: Record<string, QueryOperation> = {};
    for (const [name, shapes] of Object.entries(SNS_QUERY_SHAPES)) operations[name] = { run: run[name as SnsOperationName], ...shapes };
    return { service: 'SNS', signingName: 'sns', version: SNS_QUERY_VERSION, xmlNamespace: SNS_XML_NAMESPACE, operations };
  }

  #operations(): Record<SnsOperationName, Operation> {
    // Inputs arrive unvalidated; every service checks its input's shape first, so the casts only name the type.
    type Input = never;
    return {
      CreateTopic: (i, c) => this.topics.create(i as Input, c),
      DeleteTopic: (i, c) => this.topics.delete(i as Input, c),
      ListTopics: (i, c) => this.topics.list(i as Input, c),
      GetTopicAttributes: (i, c) => this.topics.getAttributes(i as Input, c),
      SetTopicAttributes: (i, c) => this.topics.setAttributes(i as Input, c),
      Subscribe: (i, c) => this.subscriptions.subscribe(i as Input, c),
      ConfirmSubscription: (i, c) => this.subscriptions.confirm(i as Input, c),
      Unsubscribe: (i, c) => this.subscriptions.unsubscribe(i as Input, c),
      ListSubscriptions: (i, c) => this.subscriptions.list(i as Input, c),
      ListSubscriptionsByTopic: (i, c) => this.subscriptions.listByTopic(i as Input, c),
      GetSubscriptionAttributes: (i, c) => this.subscriptions.getAttributes(i as Input, c),
      SetSubscriptionAttributes: (i) => this.subscriptions.setAttributes(i as Input),
      Publish: (i, c) => this.publisher.publish(i as Input, c),
      PublishBatch: (i, c) => this.publisher.publishBatch(i as Input, c),
      TagResource: (i, c) => this.tags.tag(i as Input, c),
      UntagResource: (i, c) => this.tags.untag(i as Input, c),
      ListTagsForResource: (i, c) => this.tags.list(i as Input, c),
    };
  }
}
