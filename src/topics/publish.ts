/**
 * Publish and PublishBatch. A message is checked as SNS checks it (subject, empty message, attributes, 256 KiB
 * with its attributes, MessageStructure json with a "default"), then stored with one delivery per confirmed
 * subscription in one durable transaction; only then does the call answer with the MessageId. A batch (1–10
 * entries, distinct ids, 256 KiB together) is one transaction too, and is refused whole if an entry is invalid,
 * as SNS does.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { check, list, map, str, struct } from '../protocols/shape.js';
import { timeOrderedUuid } from '../store/ids.js';
import type { TopicMessage, TopicRecord } from '../store/topics.js';
import { requireTopic, type TopicDeps } from './deps.js';
import { checkMessageAttributes, publishSize, type MessageAttributeValue } from './message-attributes.js';
import type { StoredNotification } from './messages.js';
import { invalidParameter, topicNotFound } from './names.js';

/** SNS's limit on a message with its attributes, and on a whole batch. */
const MAX_MESSAGE_BYTES = 262_144;
const MAX_BATCH_ENTRIES = 10;
const ENTRY_ID = /^[A-Za-z0-9_-]+$/;

const attributesShape = map(struct({ DataType: str(), StringValue: str(), BinaryValue: str() }, ['DataType']));
const messageMembers = {
  Message: str(),
  Subject: str(),
  MessageStructure: str(),
  MessageAttributes: attributesShape,
  MessageDeduplicationId: str(),
  MessageGroupId: str(),
};
const publishShape = struct({ TopicArn: str(), TargetArn: str(), PhoneNumber: str(), ...messageMembers }, ['Message']);
const entryShape = struct({ Id: str(), ...messageMembers }, ['Id', 'Message']);
const batchShape = struct({ TopicArn: str(), PublishBatchRequestEntries: list(entryShape) }, ['TopicArn', 'PublishBatchRequestEntries']);

export interface MessageInput {
  Message: string;
  Subject?: string;
  MessageStructure?: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  MessageDeduplicationId?: string;
  MessageGroupId?: string;
}

export interface PublishInput extends MessageInput {
  TopicArn?: string;
  /** Accepted for a topic ARN, as SNS does; mobile endpoints are not supported. */
  TargetArn?: string;
  PhoneNumber?: string;
}

export interface PublishBatchEntry extends MessageInput {
  Id: string;
}

export interface PublishBatchInput {
  TopicArn: string;
  PublishBatchRequestEntries: PublishBatchEntry[];
}

export class PublishService {
  constructor(private readonly deps: TopicDeps) {}

  async publish(input: PublishInput, ctx: RequestContext): Promise<{ MessageId: string }> {
    const req = check<PublishInput>(input, publishShape);
    checkMessage(req);
    if (publishSize(req.Message, req.MessageAttributes) > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
    if (req.PhoneNumber !== undefined) throw invalidParameter('PhoneNumber Reason: SMS is not supported by Mailroom');
    const arn = req.TopicArn ?? req.TargetArn;
    if (arn?.includes(':endpoint/')) throw invalidParameter('TargetArn Reason: mobile push endpoints are not supported by Mailroom');
    const topic = await requireTopic(this.deps, arn, ctx, req.TopicArn === undefined ? 'TargetArn' : 'TopicArn');
    const [message] = this.#messages(topic, [req]);
    await this.#record(topic.arn, topic.name, [message!], [req.Message]);
    return { MessageId: message!.id };
  }

  async publishBatch(input: PublishBatchInput, ctx: RequestContext) {
    const req = check<PublishBatchInput>(input, batchShape);
    const entries = req.PublishBatchRequestEntries;
    if (entries.length > MAX_BATCH_ENTRIES) throw new ServiceError('TooManyEntriesInBatchRequestException', 'The batch request contains more entries than permissible.');
    if (entries.length === 0) throw new ServiceError('EmptyBatchRequestException', "The batch request doesn't contain any entries.");
    const topic = await requireTopic(this.deps, req.TopicArn, ctx);
    const ids = new Set<string>();
    for (const { Id } of entries) {
      if (ids.has(Id)) throw new ServiceError('BatchEntryIdsNotDistinctException', 'Two or more batch entries in the request have the same Id.');
      ids.add(Id);
      if (Id.length > 80) throw new ServiceError('InvalidBatchEntryIdException', `The Id of a batch entry in the batch request is too long: ${Id}`);
      if (!ENTRY_ID.test(Id)) throw new ServiceError('InvalidBatchEntryIdException', `The Id of a batch entry in the batch request contains an impermissible character: ${Id}`);
    }
    let total = 0;
    for (const entry of entries) {
      checkMessage(entry);
      total += publishSize(entry.Message, entry.MessageAttributes);
    }
    if (total > MAX_MESSAGE_BYTES) throw new ServiceError('BatchRequestTooLongException', 'The length of all the messages put together is more than the limit.');
    const messages = this.#messages(topic, entries);
    await this.#record(topic.arn, topic.name, messages, entries.map((e) => e.Message));
    return { Successful: entries.map((e, i) => ({ Id: e.Id, MessageId: messages[i]!.id })), Failed: [] };
  }

  #messages(topic: TopicRecord, inputs: MessageInput[]): TopicMessage[] {
    const now = this.deps.clock.now();
    const topicArn = topic.arn;
    const keyRef = topic.attributes.KmsMasterKeyId;
    return inputs.map((m) => {
      const id = timeOrderedUuid(now);
      const stored: StoredNotification = { Type: 'Notification', MessageId: id, TopicArn: topicArn, Message: m.Message, Timestamp: new Date(now).toISOString() };
      if (m.Subject !== undefined) stored.Subject = m.Subject;
      if (m.MessageStructure === 'json') stored.MessageStructure = 'json';
      if (m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0) stored.MessageAttributes = m.MessageAttributes;
      return { id, topicArn, receivedAt: now, payload: JSON.stringify(stored), ...(keyRef && { keyRef }) };
    });
  }

  /** Writes the messages with their deliveries; answers only once that is durable. */
  async #record(topicArn: string, topicName: string, messages: TopicMessage[], bodies: string[]): Promise<void> {
    const subscriptions = await this.deps.store.publish(topicArn, messages, this.deps.clock.now());
    // Deleted between the lookup and the write.
    if (subscriptions === undefined) throw topicNotFound();
    for (const body of bodies) {
      this.deps.metrics.add('AWS/SNS', 'NumberOfMessagesPublished', { TopicName: topicName }, 1);
      this.deps.metrics.add('AWS/SNS', 'PublishSize', { TopicName: topicName }, Buffer.byteLength(body), 'Bytes');
    }
    if (subscriptions > 0) this.deps.deliveriesRecorded();
  }
}

/** The checks every message gets, in SNS's order. */
function checkMessage(m: MessageInput): void {
  if (m.Subject !== undefined && (m.Subject === '' || m.Subject.length >= 100 || /[\p{Cc}]/u.test(m.Subject))) throw invalidParameter('Subject');
  if (m.Message === '') throw invalidParameter('Empty message');
  if (m.MessageDeduplicationId !== undefined) {
    throw invalidParameter('MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type');
  }
  if (m.MessageAttributes) checkMessageAttributes(m.MessageAttributes);
  if (m.MessageStructure === undefined) return;
  if (m.MessageStructure !== 'json') throw invalidParameter('MessageStructure Reason: the only supported value is json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(m.Message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  if (parsed === null || typeof parsed !== 'object' || typeof (parsed as Record<string, unknown>).default !== 'string') {
    throw invalidParameter('Message Structure - No default entry in JSON message body');
  }
}
