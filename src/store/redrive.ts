/**
 * The store's side of redriving EventBridge dead letters: reading a queue's messages without receiving them
 * (peek: no receipt handle, no receive count, no visibility change), and turning dead letters back into
 * deliveries. A redrive records the new delivery and deletes the dead letter in the same transaction, so a dead
 * letter is never both redriven and kept, nor deleted without its delivery.
 */
import type { FollowUpDelivery } from './deliveries.js';
import type { MessageAttribute } from './queues.js';
import type { Page } from './records.js';

/** A message as it sits in its queue, for listing and showing; nothing about it changes by being read. */
export interface StoredMessage {
  /** The store's reference to the message (opaque): pass it back to page on or to redrive it. */
  ref: string;
  messageId: string;
  body: string;
  attributes: Record<string, MessageAttribute>;
  sentAt: number;
  /** When it is (or was) visible to a receive; later than now while delayed or received. */
  visibleAt: number;
  expiresAt: number;
  receiveCount: number;
  senderId?: string;
  deadLetterSourceArn?: string;
}

/** Where a dead letter is kept: a message of a queue, or an entry of the fallback store (by its delivery). */
export type DeadLetterRef = { queue: string; ref: string; messageId: string } | { fallbackDeliveryId: string };

export interface RedriveItem {
  deadLetter: DeadLetterRef;
  /** The new delivery: a fresh retry budget (no attempts yet), due at `dueAt`. */
  delivery: FollowUpDelivery;
  /**
   * The event as the dead letter carries it: written back first if the store no longer has an event with this id,
   * so the delivery has its payload.
   */
  event: { id: string; bus: string; payload: string };
}

/** Per redrive: the new delivery's id, or `gone` (the dead letter was no longer there: nothing was written). */
export type RedriveResult = { deliveryId: string } | { gone: true };

export interface RedriveStore {
  /** The queue's unexpired messages in the order they were appended, from after `after` (a ref), at most `limit`. */
  peekMessages(queue: string, now: number, page: { after?: string; limit: number }): Promise<Page<StoredMessage>>;
  /** One unexpired message of the queue by its MessageId. */
  findMessage(queue: string, messageId: string, now: number): Promise<StoredMessage | undefined>;
  /**
   * The redrives in one transaction, in order: for each, the delivery recorded, then the dead letter deleted. An
   * error writes none of them.
   */
  redriveDeadLetters(redrives: RedriveItem[], now: number): Promise<RedriveResult[]>;
}
