/**
 * The payload-like columns, each written and read here and nowhere else: event payloads, delivery inputs, attempt
 * bodies, fallback dead-letter bodies, queue message bodies and attributes, connection auth parameters. They are
 * `bytea` holding UTF-8 today; sealing them (envelope encryption) replaces these functions, one per column, and
 * nothing else in the backend.
 */
import type { MessageAttribute } from '../queues.js';

export interface ColumnCodec<T> {
  write(value: T): Buffer;
  read(bytes: Buffer): T;
}

const utf8: ColumnCodec<string> = {
  write: (text) => Buffer.from(text, 'utf8'),
  read: (bytes) => bytes.toString('utf8'),
};

/** events.payload: the EventBridge envelope. */
export const eventPayload: ColumnCodec<string> = utf8;
/** deliveries.input: what a target receives when it is not the event itself. */
export const deliveryInput: ColumnCodec<string> = utf8;
/** delivery_attempts.body: the start of a target's answer. */
export const attemptBody: ColumnCodec<string> = utf8;
/** dead_letter_fallback.body. */
export const fallbackBody: ColumnCodec<string> = utf8;
/** queue_messages.body. */
export const messageBody: ColumnCodec<string> = utf8;
/** queue_messages.attributes: NULL when a message has none. */
export const messageAttributes: ColumnCodec<Record<string, MessageAttribute>> = {
  write: (attributes) => Buffer.from(JSON.stringify(attributes), 'utf8'),
  read: (bytes) => JSON.parse(bytes.toString('utf8')) as Record<string, MessageAttribute>,
};
/** connections.auth_parameters: secrets. */
export const authParameters: ColumnCodec<string> = utf8;
