/**
 * Sealing at the store boundary, shared by every backend: each column that can hold customer data is sealed here
 * on its way in and opened here on its way out, so SQLite and PostgreSQL store the same blobs and no service
 * ever sees one. A row's key_id names the KMS key that sealed it; NULL means plaintext (rows written before
 * sealing existed, and messages of a queue whose SSE the user turned off).
 *
 * Which key seals what:
 * - event payloads: the bus's KmsKeyIdentifier (IngestEntry.keyRef), else alias/aws/events;
 * - queue messages: the queue's KmsMasterKeyId or alias/aws/sqs (NewQueueMessage.keyRef, null for no SSE);
 * - delivery inputs: their event's key; connection secrets, attempt records, last errors and fallback dead
 *   letters: alias/aws/events (AWS managed keys cannot be disabled, so these always open).
 */
import { KeyError } from '../keys/errors.js';
import { EVENTS_MANAGED_KEY, SQS_MANAGED_KEY } from '../keys/key-refs.js';
import type { Keyring } from '../keys/keyring.js';
import type { DataKey, Sealed, Sealer } from '../keys/sealer.js';
import type { AttemptRecord, FallbackDeadLetter } from './deliveries.js';
import type { MessageAttribute, NewQueueMessage } from './queues.js';
import type { IngestEntry } from './store.js';

/** Seals Mailroom's own records about deliveries and connections. */
export const MAILROOM_DATA_KEY = EVENTS_MANAGED_KEY;

/**
 * Runs a store call that seals or opens; when it meets a key this process does not know (another process sharing
 * the store created it), re-reads the keyring and runs it once more.
 */
export async function withLatestKeys<T>(keyring: Keyring, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof KeyError) || err.reason !== 'not-found') throw err;
    await keyring.reload();
    return fn();
  }
}

export function sealText(sealer: Sealer, keyRef: string, text: string): { blob: Buffer; keyId: string } {
  return sealer.seal(keyRef, Buffer.from(text, 'utf8'));
}

/** A column's text: opened when `keyId` says it is sealed, else the plaintext bytes as they are. */
export function openText(sealer: Sealer, blob: Buffer, keyId: string | null): string {
  return (keyId === null ? blob : sealer.open(blob)).toString('utf8');
}

/**
 * The data key that seals an event's payload: its bus's key's (alias/aws/events unless the bus names one). A backend
 * seals the payload with `sealWith(dataKey, Buffer.from(payload, 'utf8'))` wherever suits it (SQLite: on its writer
 * thread) and stores `dataKey.keyId` as the row's key_id.
 */
export function eventDataKey(sealer: Sealer, entry: IngestEntry): DataKey {
  return sealer.dataKey(entry.keyRef ?? EVENTS_MANAGED_KEY);
}

/** An optional column sealed under Mailroom's own key: null stays null. */
export function sealOptional(sealer: Sealer, text: string | undefined): Buffer | null {
  return text === undefined ? null : sealText(sealer, MAILROOM_DATA_KEY, text).blob;
}

/** An optional column of a row with `keyId`. */
export function openOptional(sealer: Sealer, blob: Buffer | null, keyId: string | null): string | undefined {
  return blob === null ? undefined : openText(sealer, blob, keyId);
}

/** What a queue message's row holds. */
export interface MessageColumns {
  body: Buffer;
  attributes: Buffer | null;
  md5OfBody: string;
  md5OfMessageAttributes: string | null;
  keyId: string | null;
}

/** What a queue message is, read back. */
export interface MessageContent {
  body: string;
  attributes: Record<string, MessageAttribute>;
  md5OfBody: string;
  md5OfMessageAttributes?: string;
}

/** Digests and attributes sealed with the body in the first frame format, as JSON ahead of it. */
interface MessageMeta {
  md5: string;
  md5a?: string;
  a?: Record<string, MessageAttribute>;
}

/**
 * What a sealed message's blob holds once opened: its frame. Two formats, told apart by the first byte:
 *
 *   JSON (0, the first format)   metadata length (4, big-endian, so its first byte is 0) | metadata as JSON
 *                                ({md5, md5a?, a?}) | body (UTF-8)
 *   binary (1, written now)      1 | MD5 of the body (16) | flags (1; bit 0: attributes' MD5 follows) | [its MD5 (16)]
 *                                | attribute count (2) | each: name (2 + UTF-8) | data type (2 + UTF-8)
 *                                | values present (1; bit 0 StringValue, bit 1 BinaryValue) | each present value
 *                                (4 + UTF-8; a BinaryValue as its base64 text, as given) | body (UTF-8)
 *
 * The binary frame spares a JSON.stringify per send and a JSON.parse per receive, and ~100 bytes per row (raw
 * digests, no key names). Rows sealed in either format open.
 */
const FRAME_BINARY = 1;
const HEX_MD5 = /^[0-9a-f]{32}$/;
const HAS_ATTRIBUTES_MD5 = 1;
const HAS_STRING_VALUE = 1;
const HAS_BINARY_VALUE = 2;

/** The binary frame; the JSON one for digests that are not SQS's lowercase hex (none are, but bytes must not be lost). */
function messageFrame(m: NewQueueMessage): Buffer {
  const hexDigests = HEX_MD5.test(m.md5OfBody) && (m.md5OfMessageAttributes === undefined || HEX_MD5.test(m.md5OfMessageAttributes));
  return hexDigests ? binaryFrame(m) : jsonFrame(m);
}

function jsonFrame(m: NewQueueMessage): Buffer {
  const meta: MessageMeta = { md5: m.md5OfBody };
  if (m.md5OfMessageAttributes !== undefined) meta.md5a = m.md5OfMessageAttributes;
  if (Object.keys(m.attributes).length > 0) meta.a = m.attributes;
  const metaText = JSON.stringify(meta);
  const metaBytes = Buffer.byteLength(metaText, 'utf8');
  const frame = Buffer.allocUnsafe(4 + metaBytes + Buffer.byteLength(m.body, 'utf8'));
  frame.writeUInt32BE(metaBytes, 0);
  frame.write(metaText, 4, 'utf8');
  frame.write(m.body, 4 + metaBytes, 'utf8');
  return frame;
}

function binaryFrame(m: NewQueueMessage): Buffer {
  const names = Object.keys(m.attributes);
  let size = 1 + 16 + 1 + (m.md5OfMessageAttributes !== undefined ? 16 : 0) + 2;
  for (const name of names) {
    const a = m.attributes[name]!;
    size += 2 + Buffer.byteLength(name, 'utf8') + 2 + Buffer.byteLength(a.DataType, 'utf8') + 1;
    if (a.StringValue !== undefined) size += 4 + Buffer.byteLength(a.StringValue, 'utf8');
    if (a.BinaryValue !== undefined) size += 4 + Buffer.byteLength(a.BinaryValue, 'utf8');
  }
  const frame = Buffer.allocUnsafe(size + Buffer.byteLength(m.body, 'utf8'));
  frame[0] = FRAME_BINARY;
  frame.write(m.md5OfBody, 1, 16, 'hex');
  let at = 18;
  if (m.md5OfMessageAttributes !== undefined) {
    frame[17] = HAS_ATTRIBUTES_MD5;
    frame.write(m.md5OfMessageAttributes, at, 16, 'hex');
    at += 16;
  } else {
    frame[17] = 0;
  }
  at = frame.writeUInt16BE(names.length, at);
  const text = (value: string, lengthBytes: 2 | 4) => {
    const length = frame.write(value, at + lengthBytes, 'utf8');
    if (lengthBytes === 2) frame.writeUInt16BE(length, at);
    else frame.writeUInt32BE(length, at);
    at += lengthBytes + length;
  };
  for (const name of names) {
    const a = m.attributes[name]!;
    text(name, 2);
    text(a.DataType, 2);
    frame[at++] = (a.StringValue !== undefined ? HAS_STRING_VALUE : 0) | (a.BinaryValue !== undefined ? HAS_BINARY_VALUE : 0);
    if (a.StringValue !== undefined) text(a.StringValue, 4);
    if (a.BinaryValue !== undefined) text(a.BinaryValue, 4);
  }
  frame.write(m.body, at, 'utf8');
  return frame;
}

function readBinaryFrame(frame: Buffer): MessageContent {
  let at = 18;
  const md5OfMessageAttributes = frame[17]! & HAS_ATTRIBUTES_MD5 ? frame.toString('hex', at, (at += 16)) : undefined;
  const count = frame.readUInt16BE(at);
  at += 2;
  const text = (lengthBytes: 2 | 4) => {
    const length = lengthBytes === 2 ? frame.readUInt16BE(at) : frame.readUInt32BE(at);
    at += lengthBytes + length;
    return frame.toString('utf8', at - length, at);
  };
  const attributes: Record<string, MessageAttribute> = {};
  for (let i = 0; i < count; i++) {
    const name = text(2);
    const attribute: MessageAttribute = { DataType: text(2) };
    const values = frame[at++]!;
    if (values & HAS_STRING_VALUE) attribute.StringValue = text(4);
    if (values & HAS_BINARY_VALUE) attribute.BinaryValue = text(4);
    attributes[name] = attribute;
  }
  const content: MessageContent = { body: frame.toString('utf8', at), attributes, md5OfBody: frame.toString('hex', 1, 17) };
  if (md5OfMessageAttributes !== undefined) content.md5OfMessageAttributes = md5OfMessageAttributes;
  return content;
}

function readJsonFrame(frame: Buffer): MessageContent {
  const metaEnd = 4 + frame.readUInt32BE(0);
  const meta = JSON.parse(frame.toString('utf8', 4, metaEnd)) as MessageMeta;
  const content: MessageContent = { body: frame.toString('utf8', metaEnd), attributes: meta.a ?? {}, md5OfBody: meta.md5 };
  if (meta.md5a !== undefined) content.md5OfMessageAttributes = meta.md5a;
  return content;
}

/**
 * A message's columns. Sealed, the body, attributes and digests go into one blob (one seal per message, and no
 * plaintext digest beside it), framed as above.
 */
export function messageColumns(sealer: Sealer, m: NewQueueMessage): MessageColumns {
  return messageColumnsWith(m, (frame) => sealer.seal(m.keyRef ?? SQS_MANAGED_KEY, frame, m.dataKeyReuseSeconds));
}

/** The same with the sealing done by `seal` (the SQLite writer thread seals with data keys handed to it). */
export function messageColumnsWith(m: NewQueueMessage, seal: (frame: Buffer) => Sealed): MessageColumns {
  if (m.keyRef === null) {
    const hasAttributes = Object.keys(m.attributes).length > 0;
    return {
      body: Buffer.from(m.body, 'utf8'),
      attributes: hasAttributes ? Buffer.from(JSON.stringify(m.attributes), 'utf8') : null,
      md5OfBody: m.md5OfBody,
      md5OfMessageAttributes: m.md5OfMessageAttributes ?? null,
      keyId: null,
    };
  }
  const sealed = seal(messageFrame(m));
  // md5_of_body is NOT NULL; a sealed row keeps its digest inside the blob.
  return { body: sealed.blob, attributes: null, md5OfBody: '', md5OfMessageAttributes: null, keyId: sealed.keyId };
}

export function openMessage(sealer: Sealer, columns: MessageColumns): MessageContent {
  return openMessageWith(columns, (blob) => sealer.open(blob));
}

/** The same with the opening done by `open`, which returns the frame (or throws). */
export function openMessageWith(columns: MessageColumns, open: (blob: Buffer) => Buffer): MessageContent {
  if (columns.keyId === null) {
    const content: MessageContent = {
      body: columns.body.toString('utf8'),
      attributes: columns.attributes ? (JSON.parse(columns.attributes.toString('utf8')) as Record<string, MessageAttribute>) : {},
      md5OfBody: columns.md5OfBody,
    };
    if (columns.md5OfMessageAttributes !== null) content.md5OfMessageAttributes = columns.md5OfMessageAttributes;
    return content;
  }
  const frame = open(columns.body);
  return frame[0] === FRAME_BINARY ? readBinaryFrame(frame) : readJsonFrame(frame);
}

/** A delivery's input: sealed under its event's key, plaintext only if the event is (`eventKeyId` null). */
export function sealInput(sealer: Sealer, input: string, eventKeyId: string | null): { blob: Buffer; keyId: string | null } {
  return eventKeyId === null ? { blob: Buffer.from(input, 'utf8'), keyId: null } : sealText(sealer, eventKeyId, input);
}

/** An attempt record's columns: its error message and the target's answer may echo the event. */
export function sealAttempt(sealer: Sealer, a: AttemptRecord): { errorMessage: Buffer | null; body: Buffer | null; keyId: string } {
  return { errorMessage: sealOptional(sealer, a.errorMessage), body: sealOptional(sealer, a.body), keyId: sealer.keyring.resolve(MAILROOM_DATA_KEY).id };
}

/** A fallback dead letter's columns: its body and its attributes (which carry the error message). */
export function sealFallback(sealer: Sealer, f: Pick<FallbackDeadLetter, 'body' | 'attributes'>): { body: Buffer; attributes: Buffer; keyId: string } {
  const body = sealText(sealer, MAILROOM_DATA_KEY, f.body);
  return { body: body.blob, attributes: sealText(sealer, MAILROOM_DATA_KEY, JSON.stringify(f.attributes)).blob, keyId: body.keyId };
}

export function openFallbackAttributes(sealer: Sealer, attributes: Buffer, keyId: string | null): Record<string, string> {
  return JSON.parse(openText(sealer, attributes, keyId)) as Record<string, string>;
}

/** A delivery's last error as listed: the sealed column since migration 4, else the plaintext of older rows. */
export function openLastError(sealer: Sealer, error: Buffer | null, legacy: string | null): string | undefined {
  return error === null ? (legacy ?? undefined) : sealer.open(error).toString('utf8');
}

/**
 * A due delivery's event and input, opened for its claim; or, when their KMS key cannot be used (disabled, pending
 * deletion, not known here), the sealed last error that puts it off by KEY_UNUSABLE_RETRY_MS (src/store/deliveries.ts).
 * A key this process has not loaded may be another process's new key: the keyring is re-read in the background.
 */
export function openDelivery(
  sealer: Sealer,
  row: { payload: Buffer; eventKeyId: string | null; input: Buffer | null; inputKeyId: string | null },
): { event: string; input: string | undefined } | { deferred: Buffer } {
  try {
    return { event: openText(sealer, row.payload, row.eventKeyId), input: openOptional(sealer, row.input, row.inputKeyId) };
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    if (err.reason === 'not-found') void sealer.keyring.reload().catch(() => undefined);
    return { deferred: sealText(sealer, MAILROOM_DATA_KEY, `The event cannot be opened: ${err.message}`).blob };
  }
}
