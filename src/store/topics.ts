/**
 * The store's side of SNS topics: topics, their subscriptions (with the pending confirmation token), the key that
 * signs SNS messages, and publishing. A published message is written once, as a row of the outbox's payload table
 * (`events`, whose `payload` column the sealer seals), together with one pending delivery of kind 'sns' per
 * subscription it goes to — in one fully synced transaction, so Publish answers only once the message is durable
 * and every delivery is recorded. The delivery engine then delivers it like any other outbox row.
 *
 * ARNs are the keys: a topic is `arn:aws:sns:<region>:<account>:<name>`, a subscription that ARN plus
 * `:<uuid>`, so the subscriptions of a topic are the ARNs with the topic's ARN and a colon as prefix, and the
 * topics (or subscriptions) of a region those with `arn:aws:sns:<region>:<account>:` as prefix.
 *
 * PostgreSQL: the same three tables (topics, subscriptions, sns_signing_keys; see docs/topics.md), the
 * deliveries' kind constraint widened to 'sns', and `publish` as one statement (one commit) after the topic's
 * confirmed subscriptions are read (src/store/postgres/topic-messages.ts).
 */
import type { Page, PageRequest } from './records.js';

export interface TopicRecord {
  arn: string;
  name: string;
  /** The attributes CreateTopic and SetTopicAttributes set (DisplayName, Policy, DeliveryPolicy, ...), as strings. */
  attributes: Record<string, string>;
  createdAt: number;
  lastModifiedAt: number;
}

export interface SubscriptionRecord {
  arn: string;
  topicArn: string;
  /** http, https, sqs, lambda, email or email-json. */
  protocol: string;
  endpoint: string;
  /** The settable attributes (RawMessageDelivery, DeliveryPolicy, RedrivePolicy, ...), as strings. */
  attributes: Record<string, string>;
  pendingConfirmation: boolean;
  confirmationWasAuthenticated: boolean;
  /** The confirmation token: kept after confirming, so a repeated ConfirmSubscription is answered the same way. */
  token?: string;
  tokenExpiresAt?: number;
  createdAt: number;
}

export interface SubscriptionChanges {
  attributes?: Record<string, string>;
  pendingConfirmation?: boolean;
  confirmationWasAuthenticated?: boolean;
  token?: string;
  tokenExpiresAt?: number;
}

export interface TopicCounts {
  confirmed: number;
  pending: number;
  /** Subscriptions removed since the topic was created. */
  deleted: number;
}

/** One message as it is kept until delivered: the stored JSON (see src/topics/messages.ts) under its MessageId. */
export interface TopicMessage {
  /** The SNS MessageId; unique, as it is the payload row's id. */
  id: string;
  topicArn: string;
  receivedAt: number;
  payload: string;
  /** The key to seal the payload with at rest: the topic's KmsMasterKeyId (undefined: SNS's managed key). */
  keyRef?: string;
}

/** The RSA key that signs SNS messages and its self-signed certificate (served at SigningCertURL). */
export interface SigningKeyRecord {
  privateKeyPem: string;
  certificatePem: string;
  createdAt: number;
}

export interface TopicStore {
  /** Creates the topic and its tags; false (nothing written) when a topic with that ARN exists. */
  createTopic(topic: TopicRecord, tags: Record<string, string>): Promise<boolean>;
  getTopic(arn: string): Promise<TopicRecord | undefined>;
  /** Topics by ARN, ascending; `prefix` selects a region's. */
  listTopics(page: PageRequest): Promise<Page<TopicRecord>>;
  setTopicAttributes(arn: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean>;
  /** Deletes the topic with its subscriptions and tags; false when it did not exist. */
  deleteTopic(arn: string): Promise<boolean>;
  topicCounts(arn: string): Promise<TopicCounts>;

  /**
   * Creates the subscription, unless the topic already has one for the same protocol and endpoint: then that one
   * is returned with `created: false`. Undefined when the topic does not exist.
   */
  createSubscription(subscription: SubscriptionRecord): Promise<{ created: boolean; subscription: SubscriptionRecord } | undefined>;
  getSubscription(arn: string): Promise<SubscriptionRecord | undefined>;
  subscriptionByToken(token: string): Promise<SubscriptionRecord | undefined>;
  /** Subscriptions by ARN, ascending; `prefix` selects a topic's (its ARN and ':') or a region's. */
  listSubscriptions(page: PageRequest): Promise<Page<SubscriptionRecord>>;
  updateSubscription(arn: string, changes: SubscriptionChanges): Promise<boolean>;
  /** Removes the subscription (counted as deleted on its topic); false when it did not exist. */
  deleteSubscription(arn: string): Promise<boolean>;

  /**
   * Durably records messages published to a topic with one pending delivery, due at `dueAt`, per confirmed
   * subscription of the topic at that moment — all in one transaction. Returns how many subscriptions each
   * message goes to, or undefined (nothing written) when the topic does not exist.
   */
  publish(topicArn: string, messages: TopicMessage[], dueAt: number): Promise<number | undefined>;
  /** Records a message for one subscription only (a subscription confirmation); false when it does not exist. */
  sendToSubscription(subscriptionArn: string, message: TopicMessage, dueAt: number): Promise<boolean>;

  signingKey(): Promise<SigningKeyRecord | undefined>;
  /** Keeps `key` unless a key is stored already (another process was first); returns the one stored. */
  putSigningKey(key: SigningKeyRecord): Promise<SigningKeyRecord>;
}
