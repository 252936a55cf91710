/**
 * Message attributes as SNS checks them on Publish, with SNS's wording (InvalidParameterValue, the query code
 * ParameterValueInvalid): names of letters, digits, `_`, `-` and `.` (no leading, trailing or double dot), a data
 * type of String, String.Array, Number or Binary (optionally with a custom `.suffix`), and the value field that
 * type takes. The size they add to a message counts against the 256 KiB limit.
 */
import { ServiceError } from '../errors.js';

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** base64, as the wire carries it. */
  BinaryValue?: string;
}

const NAME_CHARACTER = /^[A-Za-z0-9_.-]$/;
const DATA_TYPE = /^(String|String\.Array|Number|Binary)(\.[^\s]+)?$/;

function invalid(message: string): ServiceError {
  return new ServiceError('ParameterValueInvalid', message);
}

function checkName(name: string): void {
  if (name.length === 0 || Buffer.byteLength(name) > 256) throw invalid('Length of message attribute name must be less than 256 bytes.');
  if (name.startsWith('.')) throw invalid("Invalid message attribute name starting with character '.' was found.");
  if (name.endsWith('.')) throw invalid("Invalid message attribute name ending with character '.' was found.");
  for (const char of name) {
    if (!NAME_CHARACTER.test(char)) {
      const code = `#x${char.codePointAt(0)!.toString(16).toUpperCase()}`;
      throw invalid(`Invalid non-alphanumeric character '${code}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`);
    }
  }
  if (name.includes('..')) throw invalid("Message attribute name can not have successive '.' character.");
  const lower = name.toLowerCase();
  if (lower.startsWith('aws.') || lower.startsWith('amazon.')) throw invalid(`The message attribute name '${name}' is reserved for use by AWS: it must not start with 'AWS.' or 'Amazon.'.`);
}

function checkValue(name: string, a: MessageAttributeValue): void {
  const type = a.DataType;
  if (!DATA_TYPE.test(type)) throw invalid(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
  const binary = type.startsWith('Binary');
  const field = binary ? 'Binary' : 'String';
  const value = binary ? a.BinaryValue : a.StringValue;
  if (value === undefined) throw invalid(`The message attribute '${name}' with type '${type}' must use field '${field}'.`);
  if (value === '') throw invalid(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`);
  if (type.startsWith('Number') && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
    throw invalid(`The message attribute '${name}' with type 'Number' has an invalid value: ${value}.`);
  }
  if (type.startsWith('String.Array') && !isJsonArray(value)) {
    throw invalid(`The message attribute '${name}' with type 'String.Array' has an invalid value: it must be a JSON array.`);
  }
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

export function checkMessageAttributes(attributes: Record<string, MessageAttributeValue>): void {
  for (const [name, value] of Object.entries(attributes)) {
    checkName(name);
    checkValue(name, value);
  }
}

/** The bytes a message and its attributes count against the limit: body, and each attribute's name, type and value. */
export function publishSize(message: string, attributes: Record<string, MessageAttributeValue> | undefined): number {
  let size = Buffer.byteLength(message, 'utf8');
  for (const [name, a] of Object.entries(attributes ?? {})) {
    size += Buffer.byteLength(name) + Buffer.byteLength(a.DataType);
    size += a.BinaryValue !== undefined ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(a.StringValue ?? '');
  }
  return size;
}
