/**
 * How SQS's hot calls (SendMessage(Batch), ReceiveMessage, DeleteMessage(Batch)) cross to the SQLite writer thread
 * and back: queue-writes.ts runs them there, SqliteStore sends them with ingest's groups.
 *
 * Messages travel as two flat arrays, one of strings and one of numbers, as ingest's groups do (writer-protocol.ts):
 * structured clone then copies each string once and no property names. Sends travel unsealed, each with the head
 * of the data key the main thread picked for it (ThreadKeys.sealingHead), and the thread seals them; received
 * messages come back opened. The main thread's share is then packing and unpacking.
 */
import type { HandleResult, MessageAttribute, NewQueueMessage, ReceivedMessage, ReceiveRequest } from '../queues.js';
import type { WireError } from './wire-error.js';

export interface PackedMessages {
  strings: string[];
  numbers: number[];
}

/** The SQS calls of one group. */
export interface QueueWork {
  /** Every send call's messages: see packSends. */
  sends: PackedMessages;
  receives: ReceiveRequest[];
  deletes: { queue: string; handles: string[] }[];
}

/**
 * A send's answer: true when written, false when its queue does not exist (nothing written), `need-key` when the
 * thread lacked a data key it was to seal with (nothing written; hand it over again).
 */
export type SendAnswer = boolean | 'need-key' | WireError;

/** A receive's answer: its messages (see packReceived), or a sealed record the thread could not open (nothing claimed). */
export type ReceiveAnswer = PackedMessages | { needKey: Uint8Array } | WireError;

/**
 * The answers to a group's SQS calls, in two parts: the receives and deletes first, the sends once they are
 * written too (a part that is absent comes in the other message). A part none of whose calls was committed has that
 * error as every call's answer.
 */
export interface QueueReply {
  sends?: SendAnswer[];
  receives?: ReceiveAnswer[];
  deletes?: (HandleResult[] | WireError)[];
}

/** Which data key seals a message: its head (latin1), by which the thread knows it, and its KMS key's id. */
export interface SealingKey {
  head: string;
  keyId: string;
}

/** A message to send as the thread unpacks it, with the data key that is to seal it (none: plaintext). */
export interface SendingMessage extends NewQueueMessage {
  sealingKey?: SealingKey;
}

const HAS_STRING_VALUE = 1;
const HAS_BINARY_VALUE = 2;

// Per message, flags of which optional fields follow in the strings.
const SEALED = 1;
const HAS_ATTRIBUTES_MD5 = 2;
const HAS_SENDER = 4;
const HAS_SOURCE_ARN = 8;

/** Reads packed messages front to back. */
class Cursor {
  s = 0;
  n = 0;
  constructor(readonly packed: PackedMessages) {}
  string(): string {
    return this.packed.strings[this.s++]!;
  }
  number(): number {
    return this.packed.numbers[this.n++]!;
  }
}

function packAttributes(attributes: Record<string, MessageAttribute>, { strings, numbers }: PackedMessages): void {
  const names = Object.keys(attributes);
  numbers.push(names.length);
  for (const name of names) {
    const a = attributes[name]!;
    strings.push(name, a.DataType);
    numbers.push((a.StringValue !== undefined ? HAS_STRING_VALUE : 0) | (a.BinaryValue !== undefined ? HAS_BINARY_VALUE : 0));
    if (a.StringValue !== undefined) strings.push(a.StringValue);
    if (a.BinaryValue !== undefined) strings.push(a.BinaryValue);
  }
}

function unpackAttributes(c: Cursor): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (let count = c.number(); count > 0; count--) {
    const name = c.string();
    const attribute: MessageAttribute = { DataType: c.string() };
    const values = c.number();
    if (values & HAS_STRING_VALUE) attribute.StringValue = c.string();
    if (values & HAS_BINARY_VALUE) attribute.BinaryValue = c.string();
    attributes[name] = attribute;
  }
  return attributes;
}

/**
 * numbers: call count, then per call its message count, then per message sentAt, visibleAt, expiresAt, flags and
 * its attributes (count, then per attribute which values it has). strings per message: queue, messageId, body,
 * md5OfBody, then per flag the data key's head and key id, md5OfMessageAttributes, senderId, then per attribute its
 * name, data type and values. `keys` gives each message's data key (undefined: plaintext).
 */
export function packSends(calls: { messages: NewQueueMessage[]; keys: (SealingKey | undefined)[] }[]): PackedMessages {
  const packed: PackedMessages = { strings: [], numbers: [calls.length] };
  const { strings, numbers } = packed;
  for (const { messages, keys } of calls) {
    numbers.push(messages.length);
    messages.forEach((m, i) => {
      const key = keys[i];
      strings.push(m.queue, m.messageId, m.body, m.md5OfBody);
      const flags = (key !== undefined ? SEALED : 0) | (m.md5OfMessageAttributes !== undefined ? HAS_ATTRIBUTES_MD5 : 0) | (m.senderId !== undefined ? HAS_SENDER : 0);
      numbers.push(m.sentAt, m.visibleAt, m.expiresAt, flags);
      if (key !== undefined) strings.push(key.head, key.keyId);
      if (m.md5OfMessageAttributes !== undefined) strings.push(m.md5OfMessageAttributes);
      if (m.senderId !== undefined) strings.push(m.senderId);
      packAttributes(m.attributes, packed);
    });
  }
  return packed;
}

/** The send calls' messages; a plaintext one has keyRef null, a sealed one its data key. */
export function unpackSends(packed: PackedMessages): SendingMessage[][] {
  const c = new Cursor(packed);
  const calls: SendingMessage[][] = [];
  for (let callCount = c.number(); callCount > 0; callCount--) {
    const messages: SendingMessage[] = [];
    for (let count = c.number(); count > 0; count--) {
      const queue = c.string();
      const messageId = c.string();
      const body = c.string();
      const md5OfBody = c.string();
      const sentAt = c.number();
      const visibleAt = c.number();
      const expiresAt = c.number();
      const flags = c.number();
      const m: SendingMessage = { queue, messageId, body, md5OfBody, sentAt, visibleAt, expiresAt, attributes: {} };
      if (flags & SEALED) m.sealingKey = { head: c.string(), keyId: c.string() };
      else m.keyRef = null;
      if (flags & HAS_ATTRIBUTES_MD5) m.md5OfMessageAttributes = c.string();
      if (flags & HAS_SENDER) m.senderId = c.string();
      m.attributes = unpackAttributes(c);
      messages.push(m);
    }
    calls.push(messages);
  }
  return calls;
}

/**
 * numbers per message: sentAt, receiveCount, firstReceivedAt, flags, then its attributes as in packSends; strings:
 * messageId, receiptHandle, body, md5OfBody, then per flag md5OfMessageAttributes, senderId, deadLetterSourceArn,
 * then the attributes'.
 */
export function packReceived(messages: ReceivedMessage[]): PackedMessages {
  const packed: PackedMessages = { strings: [], numbers: [] };
  const { strings, numbers } = packed;
  for (const m of messages) {
    strings.push(m.messageId, m.receiptHandle, m.body, m.md5OfBody);
    const flags =
      (m.md5OfMessageAttributes !== undefined ? HAS_ATTRIBUTES_MD5 : 0) | (m.senderId !== undefined ? HAS_SENDER : 0) | (m.deadLetterSourceArn !== undefined ? HAS_SOURCE_ARN : 0);
    numbers.push(m.sentAt, m.receiveCount, m.firstReceivedAt, flags);
    if (m.md5OfMessageAttributes !== undefined) strings.push(m.md5OfMessageAttributes);
    if (m.senderId !== undefined) strings.push(m.senderId);
    if (m.deadLetterSourceArn !== undefined) strings.push(m.deadLetterSourceArn);
    packAttributes(m.attributes, packed);
  }
  return packed;
}

export function unpackReceived(packed: PackedMessages): ReceivedMessage[] {
  const c = new Cursor(packed);
  const messages: ReceivedMessage[] = [];
  while (c.n < packed.numbers.length) {
    const messageId = c.string();
    const receiptHandle = c.string();
    const body = c.string();
    const md5OfBody = c.string();
    const sentAt = c.number();
    const receiveCount = c.number();
    const firstReceivedAt = c.number();
    const flags = c.number();
    const m: ReceivedMessage = { messageId, receiptHandle, body, attributes: {}, md5OfBody, sentAt, receiveCount, firstReceivedAt };
    if (flags & HAS_ATTRIBUTES_MD5) m.md5OfMessageAttributes = c.string();
    if (flags & HAS_SENDER) m.senderId = c.string();
    if (flags & HAS_SOURCE_ARN) m.deadLetterSourceArn = c.string();
    m.attributes = unpackAttributes(c);
    messages.push(m);
  }
  return messages;
}
