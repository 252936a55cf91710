/**
 * The SQLite TopicStore: the async face of topics.ts and topic-messages.ts, which SqliteStore delegates to.
 * Writes go through `write`, SqliteStore's gate that runs them between two ingest commits (see there). Publishes
 * go through group commit, like ingest: those that arrive together share one transaction and one fsync.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import type { Sealer } from '../../keys/sealer.js';
import { GroupCommit } from '../group-commit.js';
import { IdGenerator } from '../ids.js';
import type { Page, PageRequest } from '../records.js';
import type { SigningKeyRecord, SubscriptionChanges, SubscriptionRecord, TopicCounts, TopicMessage, TopicRecord, TopicStore } from '../topics.js';
import { TopicMessages, type PendingPublish } from './topic-messages.js';
import { Topics } from './topics.js';

export type WriteGate = <R>(fn: () => R) => Promise<R>;

export class SqliteTopicStore implements TopicStore {
  readonly #topics: Topics;
  readonly #messages: TopicMessages;
  readonly #deleteTopic;
  readonly #deleteSubscription;
  readonly #putKey;
  readonly #publishes: GroupCommit<PendingPublish>;

  constructor(
    db: Database.Database,
    private readonly clock: Clock,
    private readonly write: WriteGate,
    sealer: Sealer,
  ) {
    this.#topics = new Topics(db, sealer);
    this.#messages = new TopicMessages(db, new IdGenerator(), sealer);
    this.#deleteTopic = db.transaction((arn: string) => this.#topics.deleteTopic(arn));
    this.#deleteSubscription = db.transaction((arn: string) => this.#topics.deleteSubscription(arn));
    this.#putKey = db.transaction((key: SigningKeyRecord): SigningKeyRecord => {
      this.#topics.insertSigningKey(key);
      return this.#topics.signingKey()!;
    });
    this.#publishes = new GroupCommit((calls) => this.write(() => this.#messages.publish(calls, this.clock.now())));
  }

  createTopic(topic: TopicRecord, tags: Record<string, string>): Promise<boolean> {
    return this.write(() => this.#topics.createTopic(topic, tags));
  }
  async getTopic(arn: string): Promise<TopicRecord | undefined> {
    return this.#topics.getTopic(arn);
  }
  async listTopics(page: PageRequest): Promise<Page<TopicRecord>> {
    return this.#topics.listTopics(page);
  }
  setTopicAttributes(arn: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    return this.write(() => this.#topics.setTopicAttributes(arn, attributes, lastModifiedAt));
  }
  deleteTopic(arn: string): Promise<boolean> {
    return this.write(() => this.#deleteTopic.immediate(arn));
  }
  async topicCounts(arn: string): Promise<TopicCounts> {
    return this.#topics.counts(arn);
  }

  createSubscription(subscription: SubscriptionRecord): Promise<{ created: boolean; subscription: SubscriptionRecord } | undefined> {
    return this.write(() => this.#topics.createSubscription(subscription));
  }
  async getSubscription(arn: string): Promise<SubscriptionRecord | undefined> {
    return this.#topics.getSubscription(arn);
  }
  async subscriptionByToken(token: string): Promise<SubscriptionRecord | undefined> {
    return this.#topics.subscriptionByToken(token);
  }
  async listSubscriptions(page: PageRequest): Promise<Page<SubscriptionRecord>> {
    return this.#topics.listSubscriptions(page);
  }
  updateSubscription(arn: string, changes: SubscriptionChanges): Promise<boolean> {
    return this.write(() => this.#topics.updateSubscription(arn, changes));
  }
  deleteSubscription(arn: string): Promise<boolean> {
    return this.write(() => this.#deleteSubscription.immediate(arn));
  }

  async publish(topicArn: string, messages: TopicMessage[], dueAt: number): Promise<number | undefined> {
    const call: PendingPublish = { topicArn, messages, dueAt };
    await this.#publishes.submit(call);
    return call.subscriptions;
  }
  sendToSubscription(subscriptionArn: string, message: TopicMessage, dueAt: number): Promise<boolean> {
    return this.write(() => this.#messages.sendToSubscription(subscriptionArn, message, dueAt, this.clock.now()));
  }

  async signingKey(): Promise<SigningKeyRecord | undefined> {
    return this.#topics.signingKey();
  }
  putSigningKey(key: SigningKeyRecord): Promise<SigningKeyRecord> {
    return this.write(() => this.#putKey.immediate(key));
  }

  /** Commits the publishes already submitted; later ones are refused. */
  close(): Promise<void> {
    return this.#publishes.close();
  }
}
