/**
 * Messages that Mailroom's own services put on queues (EventBridge SQS targets, dead letters, function
 * destinations): built as SendMessage would build them — string attributes, SQS's MD5 digests, the queue's delay
 * and retention — so a consumer cannot tell them from a client's.
 */
import { randomUUID } from 'node:crypto';
import type { MessageAttribute, NewQueueMessage, QueueRecord } from '../store/queues.js';
import { messageSealing, numberAttribute } from './attributes.js';
import { md5OfBody, md5OfMessageAttributes } from './md5.js';

const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]*:\d{12}:([A-Za-z0-9_-]{1,80})$/;

/** The queue name of an SQS ARN, or undefined when it is not one. */
export function queueNameOf(arn: string): string | undefined {
  return QUEUE_ARN.exec(arn)?.[1];
}

export function serviceMessage(queue: QueueRecord, body: string, stringAttributes: Record<string, string>, now: number, senderId: string): NewQueueMessage {
  const attributes: Record<string, MessageAttribute> = {};
  for (const [name, value] of Object.entries(stringAttributes)) attributes[name] = { DataType: 'String', StringValue: value };
  return newMessage(queue, body, attributes, now, senderId);
}

/** A message as SendMessage stores it: a new id, SQS's digests, the delay (the queue's unless given) and retention. */
export function newMessage(queue: QueueRecord, body: string, attributes: Record<string, MessageAttribute>, now: number, senderId: string, delaySeconds?: number): NewQueueMessage {
  const message: NewQueueMessage = {
    queue: queue.name,
    messageId: randomUUID(),
    body,
    attributes,
    md5OfBody: md5OfBody(body),
    sentAt: now,
    visibleAt: now + (delaySeconds ?? numberAttribute(queue, 'DelaySeconds')) * 1000,
    expiresAt: now + numberAttribute(queue, 'MessageRetentionPeriod') * 1000,
    senderId,
    ...messageSealing(queue),
  };
  const md5 = md5OfMessageAttributes(attributes);
  if (md5 !== undefined) message.md5OfMessageAttributes = md5;
  return message;
}
