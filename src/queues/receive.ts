/**
 * ReceiveMessage: short and long polling. The store claims messages atomically (and applies the redrive policy
 * on the way); this layer validates the request, waits for messages when WaitTimeSeconds asks it to, and shapes
 * the answer — system attributes, the requested message attributes and their digest.
 */
import { ServiceError } from '../errors.js';
import { check, int, list, str, struct } from '../protocols/shape.js';
import type { MessageAttribute, QueueRecord, ReceivedMessage, ReceiveRequest } from '../store/queues.js';
import { numberAttribute } from './attributes.js';
import { checkRange, requireQueue, withQueueKey, type QueueDeps } from './deps.js';
import { md5OfMessageAttributes } from './md5.js';
import { selectAttributes, selectsAll } from './message-attributes.js';
import { queueNameOfArn } from './names.js';
import { MAX_VISIBILITY_TIMEOUT } from './receipts.js';

const receiveShape = struct({
  QueueUrl: str(),
  AttributeNames: list(str()),
  MessageSystemAttributeNames: list(str()),
  MessageAttributeNames: list(str()),
  MaxNumberOfMessages: int(),
  VisibilityTimeout: int(),
  WaitTimeSeconds: int(),
  ReceiveRequestAttemptId: str(),
});

export interface ReceiveMessageInput {
  QueueUrl: string;
  /** Deprecated name of MessageSystemAttributeNames; both are honoured. */
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
  /** "All", ".*", "prefix.*" or exact names. */
  MessageAttributeNames?: string[];
  MaxNumberOfMessages?: number;
  VisibilityTimeout?: number;
  WaitTimeSeconds?: number;
  /** FIFO only; ignored. */
  ReceiveRequestAttemptId?: string;
}

export interface ReceivedSqsMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes?: Record<string, string>;
  MD5OfMessageAttributes?: string;
  MessageAttributes?: ReceivedMessage['attributes'];
}

const MAX_WAIT_SECONDS = 20;

export class ReceiveService {
  constructor(private readonly deps: QueueDeps) {}

  async receive(input: ReceiveMessageInput): Promise<{ Messages?: ReceivedSqsMessage[] }> {
    const req = check<ReceiveMessageInput>(input, receiveShape);
    checkRange(req.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, 10);
    checkRange(req.VisibilityTimeout, 'VisibilityTimeout', 0, MAX_VISIBILITY_TIMEOUT);
    if (req.WaitTimeSeconds !== undefined && (req.WaitTimeSeconds < 0 || req.WaitTimeSeconds > MAX_WAIT_SECONDS)) {
      throw new ServiceError('InvalidParameterValue', `Value ${req.WaitTimeSeconds} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= ${MAX_WAIT_SECONDS}, if provided.`);
    }
    let queue = await requireQueue(this.deps, req.QueueUrl);
    const { clock, arrivals, store, pollMs } = this.deps;
    const waitSeconds = req.WaitTimeSeconds ?? numberAttribute(queue, 'ReceiveMessageWaitTimeSeconds');
    const deadline = clock.now() + waitSeconds * 1000;
    for (;;) {
      // Read before looking, so an arrival between an empty receive and the wait still wakes this receiver.
      const seen = arrivals.version(queue.name);
      const now = clock.now();
      const messages = await withQueueKey(() => store.receiveMessages(this.#request(queue, req, now)));
      if (messages.length > 0 || now >= deadline || arrivals.closed) {
        this.deps.metrics.received(queue.name, messages.length);
        return format(messages, req);
      }
      const next = await store.nextVisibleAt(queue.name, now);
      await arrivals.wait(queue.name, Math.min(deadline, next ?? deadline, now + (pollMs ?? Infinity)) - now, seen);
      // The queue may have been deleted, or its attributes changed, while this receiver waited.
      queue = await requireQueue(this.deps, req.QueueUrl);
    }
  }

  #request(queue: QueueRecord, req: ReceiveMessageInput, now: number): ReceiveRequest {
    const request: ReceiveRequest = {
      queue: queue.name,
      now,
      max: req.MaxNumberOfMessages ?? 1,
      visibilityTimeoutMs: (req.VisibilityTimeout ?? numberAttribute(queue, 'VisibilityTimeout')) * 1000,
    };
    const policy = queue.attributes.RedrivePolicy;
    if (policy !== undefined) {
      const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as { deadLetterTargetArn: string; maxReceiveCount: number };
      const deadLetterQueue = queueNameOfArn(deadLetterTargetArn);
      if (deadLetterQueue !== undefined) request.redrive = { maxReceiveCount, deadLetterQueue, sourceArn: queue.arn };
    }
    return request;
  }
}

/** The system attributes in the order SQS lists them, each with how a received message gives its value. */
const SYSTEM_ATTRIBUTES: readonly (readonly [string, (m: ReceivedMessage) => string | undefined])[] = [
  ['SenderId', (m) => m.senderId],
  ['SentTimestamp', (m) => String(m.sentAt)],
  ['ApproximateReceiveCount', (m) => String(m.receiveCount)],
  ['ApproximateFirstReceiveTimestamp', (m) => String(m.firstReceivedAt)],
  ['DeadLetterQueueSourceArn', (m) => m.deadLetterSourceArn],
];

function systemAttributes(m: ReceivedMessage, wanted: typeof SYSTEM_ATTRIBUTES): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const [name, valueOf] of wanted) {
    const value = valueOf(m);
    if (value !== undefined) (out ??= {})[name] = value;
  }
  return out;
}

function format(messages: ReceivedMessage[], req: ReceiveMessageInput): { Messages?: ReceivedSqsMessage[] } {
  // SQS leaves Messages out of an empty answer.
  if (messages.length === 0) return {};
  // What the request asks for is worked out once, not for each message.
  const systemNames = [...(req.AttributeNames ?? []), ...(req.MessageSystemAttributeNames ?? [])];
  const allSystem = systemNames.includes('All');
  const wanted = SYSTEM_ATTRIBUTES.filter(([name]) => allSystem || systemNames.includes(name));
  const filters = req.MessageAttributeNames ?? [];
  const allAttributes = selectsAll(filters);
  return {
    Messages: messages.map((m) => {
      const out: ReceivedSqsMessage = { MessageId: m.messageId, ReceiptHandle: m.receiptHandle, MD5OfBody: m.md5OfBody, Body: m.body };
      const attributes = systemAttributes(m, wanted);
      if (attributes) out.Attributes = attributes;
      // The digest covers the attributes returned, which is what a client can check it against: the one stored at
      // send when all of them are (the usual "All"), computed afresh for a selection.
      let digest: string | undefined;
      let selected: Record<string, MessageAttribute>;
      if (allAttributes && m.md5OfMessageAttributes !== undefined) {
        selected = m.attributes;
        digest = m.md5OfMessageAttributes;
      } else {
        selected = selectAttributes(m.attributes, filters);
        const all = m.md5OfMessageAttributes !== undefined && Object.keys(selected).length === Object.keys(m.attributes).length;
        digest = all ? m.md5OfMessageAttributes : md5OfMessageAttributes(selected);
      }
      if (digest !== undefined) {
        out.MessageAttributes = selected;
        out.MD5OfMessageAttributes = digest;
      }
      return out;
    }),
  };
}
