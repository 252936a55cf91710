/**
 * The MD5 digests SQS returns with every sent and received message. The SDKs recompute them and throw on a
 * mismatch, so these must be byte-for-byte SQS's algorithm.
 */
import * as crypto from 'node:crypto';
import type { MessageAttribute } from '../store/queues.js';

/**
 * MD5 in hex. `crypto.hash` (Node 20.12+) is one call, no Hash object: 2 us against 5 for createHash on a 512-byte
 * body, and every sent message takes two digests. Older Node 20s fall back to createHash.
 */
const md5Hex: (data: string | Buffer) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('md5', data, 'hex') : (data) => crypto.createHash('md5').update(data).digest('hex');

export function md5OfBody(body: string): string {
  return md5Hex(body);
}

/**
 * MD5OfMessageAttributes: over the attributes sorted by name, each as length-prefixed (4-byte big-endian) name,
 * length-prefixed data type, one transport byte (1 for String and Number, 2 for Binary), and the length-prefixed
 * value (UTF-8 text, or the decoded bytes of a Binary value). Undefined when there are no attributes.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttribute>): string | undefined {
  const names = Object.keys(attributes);
  if (names.length === 0) return undefined;
  names.sort();
  // Plain loops, no closures or intermediate arrays: this runs for every sent message, and written with
  // map/forEach and a helper closure it took half as long again (1.5 µs against 1.0 for one attribute).
  // The values as bytes first, to size one buffer that the whole encoding is written into.
  const values: (string | Buffer)[] = new Array(names.length);
  let size = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const a = attributes[name]!;
    const value = a.BinaryValue !== undefined && isBinary(a.DataType) ? Buffer.from(a.BinaryValue, 'base64') : (a.StringValue ?? '');
    values[i] = value;
    size += 13 + Buffer.byteLength(name, 'utf8') + Buffer.byteLength(a.DataType, 'utf8') + (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = values[i]!;
    at = writeText(out, at, name);
    at = writeText(out, at, attributes[name]!.DataType);
    if (typeof value === 'string') {
      out[at++] = 1;
      at = writeText(out, at, value);
    } else {
      out[at++] = 2;
      out.writeUInt32BE(value.length, at);
      value.copy(out, at + 4);
      at += 4 + value.length;
    }
  }
  return md5Hex(out);
}

/** Writes `text` length-prefixed at `at`; returns where the next field starts. */
function writeText(out: Buffer, at: number, text: string): number {
  const length = out.write(text, at + 4, 'utf8');
  out.writeUInt32BE(length, at);
  return at + 4 + length;
}

/** "Binary" and its custom variants ("Binary.gif"). */
export function isBinary(dataType: string): boolean {
  return dataType === 'Binary' || dataType.startsWith('Binary.');
}
