/**
 * The store's side of SQS queues (standard queues): what a queue and a message are at rest, and the operations
 * the queue service and the delivery engine need. The delivery engine writes dead letters as ordinary messages,
 * inside its own outcome transaction, through `NewQueueMessage`.
 *
 * Receiving is the store's job, not the service's: claiming a message (new receipt handle, visibility pushed
 * forward, receive count incremented) happens in one transaction, so two receivers — later two processes sharing
 * PostgreSQL — never get the same message within its visibility timeout.
 *
 * Durability: a send resolves only once it would survive a power cut. A receive's claim and a delete need not:
 * losing one to a power cut makes a message visible again, which at-least-once delivery allows (SQS too may return
 * a deleted message), so a backend may commit them without waiting for the disk.
 */
import type { Page, PageRequest } from './records.js';

/** A message attribute as SQS carries it. */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  /** base64 for JSON transport; bytes at rest. */
  BinaryValue?: string;
}

/** A message to append to a queue; ids, digests and times are computed by the caller (the queue service). */
export interface NewQueueMessage {
  /** Queue name (unique per Mailroom). */
  queue: string;
  messageId: string;
  body: string;
  attributes: Record<string, MessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  sentAt: number;
  /** When it first becomes visible (sentAt + DelaySeconds). */
  visibleAt: number;
  /** sentAt + the queue's MessageRetentionPeriod. */
  expiresAt: number;
  /** SenderId system attribute: the sender's access key id, or the account id. */
  senderId?: string;
  /**
   * The KMS key that seals the message at rest (the queue's KmsMasterKeyId); absent means Mailroom's managed
   * alias/aws/sqs (SSE-SQS, the default), null means plaintext (the user turned SSE off).
   */
  keyRef?: string | null;
  /** The queue's KmsDataKeyReusePeriodSeconds (default 300). */
  dataKeyReuseSeconds?: number;
}

/** A queue; `attributes` holds every settable attribute's effective value as SQS returns it (strings). */
export interface QueueRecord {
  name: string;
  arn: string;
  attributes: Record<string, string>;
  createdAt: number;
  lastModifiedAt: number;
  /** When PurgeQueue last ran (SQS allows one purge per 60 s). */
  lastPurgedAt?: number;
}

/** What one ReceiveMessage asks of the store. */
export interface ReceiveRequest {
  queue: string;
  now: number;
  /** 1–10. */
  max: number;
  /** How long a received message stays invisible. */
  visibilityTimeoutMs: number;
  /**
   * The queue's redrive policy: a message already received `maxReceiveCount` times moves to the dead-letter
   * queue (named by `deadLetterQueue`) instead of being returned — on the receive that would exceed the count,
   * as SQS does. When that queue does not exist the message stays and is returned, never lost.
   */
  redrive?: { maxReceiveCount: number; deadLetterQueue: string; sourceArn: string };
}

export interface ReceivedMessage {
  messageId: string;
  /** Opaque to callers: valid for this receive only; the next receive of the message issues a new one. */
  receiptHandle: string;
  body: string;
  attributes: Record<string, MessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
  sentAt: number;
  /** Including this receive. */
  receiveCount: number;
  firstReceivedAt: number;
  senderId?: string;
  /** Set on messages a redrive policy moved here: the ARN of the queue they came from. */
  deadLetterSourceArn?: string;
}

/**
 * What a receipt handle refers to: `ok` (the change was made), `stale` (the message was received again since,
 * so this handle no longer owns it), `gone` (no such message in this queue any more: deleted, expired or moved),
 * `invalid` (not a handle this store issued).
 */
export type HandleResult = 'ok' | 'stale' | 'gone' | 'invalid';

export interface QueueCounts {
  /** ApproximateNumberOfMessages: visible now. */
  visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received and within their visibility timeout. */
  inFlight: number;
  /** ApproximateNumberOfMessagesDelayed: not yet received and still within their delay. */
  delayed: number;
}

/** One queue's gauges, sampled each minute for the AWS/SQS metrics. */
export interface QueueGauges extends QueueCounts {
  queue: string;
  /** sentAt of its oldest unexpired message (ApproximateAgeOfOldestMessage); absent when it has none. */
  oldestSentAt?: number;
}

export interface QueueStore {
  /** Creates a queue; false when the name is taken. */
  createQueue(queue: QueueRecord, tags: Record<string, string>): Promise<boolean>;
  getQueue(name: string): Promise<QueueRecord | undefined>;
  /** Queues by name, ascending, optionally by name prefix. */
  listQueues(page: PageRequest): Promise<Page<QueueRecord>>;
  /** Replaces the queue's attributes; false when it does not exist. */
  setQueueAttributes(name: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean>;
  /** Deletes the queue with its messages and tags; false when it did not exist. */
  deleteQueue(name: string): Promise<boolean>;
  /** Names of queues whose RedrivePolicy names `deadLetterArn`, ascending. */
  deadLetterSourceQueues(deadLetterArn: string, page: PageRequest): Promise<Page<string>>;

  /** Appends messages to one queue in one transaction; false (nothing written) when the queue does not exist. */
  sendMessages(messages: NewQueueMessage[]): Promise<boolean>;
  /**
   * Claims up to `max` visible, unexpired messages, oldest visible first, in one transaction, deleting the
   * expired ones it passes over. Empty when there is nothing visible (or the queue does not exist).
   */
  receiveMessages(request: ReceiveRequest): Promise<ReceivedMessage[]>;
  /** When the next invisible (delayed or in-flight) message of the queue becomes visible, if any. */
  nextVisibleAt(queue: string, now: number): Promise<number | undefined>;
  /**
   * Deletes the messages the handles were issued for, in one transaction (DeleteMessageBatch); one result per
   * handle, in order, `ok` only when the handle is its message's latest.
   */
  deleteMessages(queue: string, receiptHandles: string[]): Promise<HandleResult[]>;
  /** Makes the message visible at `visibleAt`, when the handle is the message's latest. */
  changeMessageVisibility(queue: string, receiptHandle: string, visibleAt: number): Promise<HandleResult>;
  /** Deletes every message sent up to `now`, and records the purge time; false when the queue does not exist. */
  purgeQueue(queue: string, now: number): Promise<boolean>;
  /** Message counts as of `now`, not counting expired messages. */
  queueCounts(queue: string, now: number): Promise<QueueCounts>;
  /** Every queue's counts as of `now` (as queueCounts) and its oldest message's sentAt, by queue name. */
  queueGauges(now: number): Promise<QueueGauges[]>;
  /** Deletes messages past their retention in every queue; returns how many. */
  deleteExpiredMessages(now: number): Promise<number>;

  /** Merges tags into the queue's; false when it does not exist. */
  tagQueue(queue: string, tags: Record<string, string>): Promise<boolean>;
  untagQueue(queue: string, keys: string[]): Promise<boolean>;
  listQueueTags(queue: string): Promise<Record<string, string>>;
}
