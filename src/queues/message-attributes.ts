/**
 * Message contents as SQS checks them on send — attribute names, data types and values, the allowed characters,
 * the size limit — and the MessageAttributeNames filter of ReceiveMessage. Every check throws the ServiceError
 * SQS answers with; SendMessageBatch turns it into a per-entry failure.
 */
import { ServiceError } from '../errors.js';
import type { MessageAttribute } from '../store/queues.js';
import { isBinary } from './md5.js';

const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[^\s]+)?$/;
/** XML 1.0's characters, which is what SQS allows: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. */
const INVALID_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function invalid(message: string): ServiceError {
  return new ServiceError('InvalidParameterValue', message);
}

/** Checks the body's characters (SQS rejects the whole message for one bad character). */
export function checkCharacters(text: string): void {
  if (INVALID_CHARACTER.test(text)) {
    throw new ServiceError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
}

/** Checks MessageAttributes as SendMessage receives them (already type-checked as a map of structures). */
export function checkMessageAttributes(attributes: Record<string, MessageAttribute>): void {
  const names = Object.keys(attributes);
  if (names.length > MAX_ATTRIBUTES) throw invalid(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  for (const name of names) {
    const lower = name.toLowerCase();
    if (!ATTRIBUTE_NAME.test(name) || name.startsWith('.') || name.endsWith('.') || name.includes('..')) {
      throw invalid(`Message (user) attribute name '${name}' is invalid. Names may contain alphanumeric characters, hyphens (-), underscores (_) and periods (.), at most 256, not starting or ending with a period nor holding two periods in a row.`);
    }
    if (lower.startsWith('aws.') || lower.startsWith('amazon.')) {
      throw invalid(`Message (user) attribute name '${name}' is reserved for use by SQS: names must not start with 'AWS.' or 'Amazon.'.`);
    }
    const a = attributes[name]!;
    if (a.DataType === undefined || a.DataType === '') throw invalid(`The message attribute '${name}' must contain non-empty message attribute type.`);
    if (a.DataType.length > 256 || !DATA_TYPE.test(a.DataType)) {
      throw invalid(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    }
    if (isBinary(a.DataType)) {
      if (!a.BinaryValue) throw invalid(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      if (a.StringValue !== undefined) throw invalid(`Message (user) attribute '${name}' must contain a non-empty value of type 'Binary' only.`);
      continue;
    }
    const type = a.DataType.split('.')[0]!;
    if (!a.StringValue) throw invalid(`The message attribute '${name}' with type '${type}' must use field 'String'.`);
    if (a.BinaryValue !== undefined) throw invalid(`Message (user) attribute '${name}' must contain a non-empty value of type '${type}' only.`);
    checkCharacters(a.StringValue);
    if (type === 'Number' && !isSqsNumber(a.StringValue)) throw invalid(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
}

/** SQS numbers: up to 38 significant digits, between -10^128 and +10^126. */
function isSqsNumber(text: string): boolean {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return false;
  const digits = text.replace(/[eE].*$/, '').replace(/[^\d]/g, '').replace(/^0+/, '').replace(/0+$/, '');
  const n = Number(text);
  return digits.length <= 38 && Math.abs(n) <= 1e126;
}

/** The size SQS counts against MaximumMessageSize: the body plus each attribute's name, type and value. */
export function messageSize(body: string, attributes: Record<string, MessageAttribute>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, a] of Object.entries(attributes)) {
    // A missing DataType is the entry's own error (checkMessageAttributes); counting it as empty here keeps a batch's
    // total from failing the whole request first.
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType ?? '', 'utf8');
    size += a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(a.StringValue ?? '', 'utf8');
  }
  return size;
}

/** Whether MessageAttributeNames selects every attribute. */
export function selectsAll(filters: string[]): boolean {
  return filters.some((f) => f === 'All' || f === '.*');
}

/**
 * ReceiveMessage's MessageAttributeNames: "All" or ".*" selects every attribute, "prefix.*" those whose name starts
 * with "prefix.", anything else an exact name.
 */
export function selectAttributes(attributes: Record<string, MessageAttribute>, filters: string[]): Record<string, MessageAttribute> {
  if (filters.length === 0) return {};
  const all = selectsAll(filters);
  const selected: Record<string, MessageAttribute> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const match = all || filters.some((f) => (f.endsWith('.*') ? name.startsWith(f.slice(0, -1)) : f === name));
    if (match) selected[name] = value;
  }
  return selected;
}
