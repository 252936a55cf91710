/**
 * SendMessage and SendMessageBatch: validate each message as SQS does (characters, attributes, size, delay), give
 * it an id and its MD5 digests, write it durably, and wake the queue's long-polling receivers.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { any, check, int, list, map, str, struct } from '../protocols/shape.js';
import type { MessageAttribute, NewQueueMessage, QueueRecord } from '../store/queues.js';
import { numberAttribute } from './attributes.js';
import { checkBatch, entryFailure, type BatchFailure } from './batch.js';
import { checkRange, requireQueue, withQueueKey, type QueueDeps } from './deps.js';
import { newMessage } from './internal-send.js';
import { checkCharacters, checkMessageAttributes, messageSize } from './message-attributes.js';
import { nonExistentQueue } from './names.js';

/** SQS's limit on a whole SendMessageBatch, whatever the queue's MaximumMessageSize. */
const MAX_BATCH_BYTES = 1_048_576;

const attributesShape = map(struct({ DataType: str(), StringValue: str(), BinaryValue: str(), StringListValues: any, BinaryListValues: any }));
const entryMembers = {
  MessageBody: str(),
  DelaySeconds: int(),
  MessageAttributes: attributesShape,
  MessageSystemAttributes: any,
  MessageDeduplicationId: str(),
  MessageGroupId: str(),
};
const sendShape = struct({ QueueUrl: str(), ...entryMembers });
const batchShape = struct({ QueueUrl: str(), Entries: list(struct({ Id: str(), ...entryMembers })) });

export interface SendMessageEntry {
  MessageBody: string;
  DelaySeconds?: number;
  MessageAttributes?: Record<string, MessageAttribute>;
  /** Accepted for FIFO compatibility of callers; rejected on a standard queue, as SQS does. */
  MessageDeduplicationId?: string;
  /** Accepted and ignored: standard queues have no message groups. */
  MessageGroupId?: string;
}

export interface SendMessageInput extends SendMessageEntry {
  QueueUrl: string;
}

export interface SendMessageBatchInput {
  QueueUrl: string;
  Entries: (SendMessageEntry & { Id: string })[];
}

export interface SendMessageResult {
  MessageId: string;
  MD5OfMessageBody: string;
  MD5OfMessageAttributes?: string;
}

export class MessageService {
  constructor(private readonly deps: QueueDeps) {}

  async send(input: SendMessageInput, ctx: RequestContext): Promise<SendMessageResult> {
    const req = check<SendMessageInput>(input, sendShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const { message, result } = this.#build(queue, req, ctx);
    await this.#write(queue, [message]);
    return result;
  }

  async sendBatch(input: SendMessageBatchInput, ctx: RequestContext) {
    const req = check<SendMessageBatchInput>(input, batchShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    checkBatch(req.Entries, 'SendMessageBatchRequestEntry');
    const total = req.Entries.reduce((sum, e) => sum + messageSize(e.MessageBody ?? '', e.MessageAttributes ?? {}), 0);
    if (total > MAX_BATCH_BYTES) {
      throw new ServiceError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`);
    }
    const messages: NewQueueMessage[] = [];
    const Successful: (SendMessageResult & { Id: string })[] = [];
    const Failed: BatchFailure[] = [];
    // Building is synchronous: a plain try per entry, not runEntry's promise and await for each of them.
    for (const entry of req.Entries) {
      try {
        const { message, result } = this.#build(queue, entry, ctx);
        messages.push(message);
        Successful.push({ Id: entry.Id, ...result });
      } catch (err) {
        Failed.push(entryFailure(entry.Id, err));
      }
    }
    // The accepted entries are written together: one transaction, one sync.
    if (messages.length > 0) await this.#write(queue, messages);
    return { Successful, Failed };
  }

  async #write(queue: QueueRecord, messages: NewQueueMessage[]): Promise<void> {
    // The queue may have been deleted since it was looked up.
    if (!(await withQueueKey(() => this.deps.store.sendMessages(messages)))) throw nonExistentQueue();
    this.deps.arrivals.notify(queue.name);
    this.deps.metrics.sent(messages);
  }

  #build(queue: QueueRecord, entry: SendMessageEntry, ctx: RequestContext): { message: NewQueueMessage; result: SendMessageResult } {
    // SQS treats an empty body as a missing one.
    const body = entry.MessageBody;
    if (body === undefined || body === null || body === '') throw new ServiceError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (entry.MessageDeduplicationId !== undefined) {
      throw new ServiceError('InvalidParameterValue', 'The request include parameter MessageDeduplicationId that is not valid for this queue type');
    }
    checkRange(entry.DelaySeconds, 'DelaySeconds', 0, 900);
    checkCharacters(body);
    const attributes = normaliseAttributes(entry.MessageAttributes ?? {});
    checkMessageAttributes(attributes);
    const maxSize = numberAttribute(queue, 'MaximumMessageSize');
    if (messageSize(body, attributes) > maxSize) {
      throw new ServiceError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${maxSize} bytes.`);
    }
    const message = newMessage(queue, body, attributes, this.deps.clock.now(), ctx.accessKeyId ?? ctx.accountId, entry.DelaySeconds);
    const md5Attributes = message.md5OfMessageAttributes;
    const result: SendMessageResult = { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
    if (md5Attributes !== undefined) result.MD5OfMessageAttributes = md5Attributes;
    return { message, result };
  }
}

/** Keeps what SQS keeps of an attribute (its type and its one value); list values are reserved and unused by SQS. */
function normaliseAttributes(attributes: Record<string, MessageAttribute>): Record<string, MessageAttribute> {
  const out: Record<string, MessageAttribute> = {};
  for (const [name, a] of Object.entries(attributes)) {
    const kept: MessageAttribute = { DataType: a.DataType };
    if (a.StringValue !== undefined) kept.StringValue = a.StringValue;
    if (a.BinaryValue !== undefined) kept.BinaryValue = a.BinaryValue;
    out[name] = kept;
  }
  return out;
}
