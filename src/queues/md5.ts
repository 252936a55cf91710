/**
 * The MD5 digests SQS returns with every sent and received message. The SDKs recompute them and throw on a
 * mismatch, so these must be byte-for-byte SQS's algorithm.
 */
import { createHash } from 'node:crypto';
import type { MessageAttribute } from '../store/queues.js';

export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

/**
 * MD5OfMessageAttributes: over the attributes sorted by name, each as length-prefixed (4-byte big-endian) name,
 * length-prefixed data type, one transport byte (1 for String and Number, 2 for Binary), and the length-prefixed
 * value (UTF-8 text, or the decoded bytes of a Binary value). Undefined when there are no attributes.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttribute>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const a = attributes[name]!;
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(a.DataType, 'utf8')));
    if (a.BinaryValue !== undefined && isBinary(a.DataType)) {
      hash.update(Buffer.of(2));
      hash.update(lengthPrefixed(Buffer.from(a.BinaryValue, 'base64')));
    } else {
      hash.update(Buffer.of(1));
      hash.update(lengthPrefixed(Buffer.from(a.StringValue ?? '', 'utf8')));
    }
  }
  return hash.digest('hex');
}

/** "Binary" and its custom variants ("Binary.gif"). */
export function isBinary(dataType: string): boolean {
  return dataType === 'Binary' || dataType.startsWith('Binary.');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
