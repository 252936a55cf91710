/**
 * The byte layouts of what the keyring produces. Every blob starts with a prefix that says which KMS key and which
 * version of its material it needs, so a blob is self-describing: any process holding the root key can open it,
 * and rotating a key needs no rewrite of old data (old versions are kept to open old blobs).
 *
 *   prefix            format (1) | key id length n (1) | key id (n, ASCII) | material version (4, big-endian)
 *   sealed record     prefix | data key sealed by the material (iv 12 | tag 16 | key 32), prefix as AAD
 *   (format 1)               | record sealed by the data key (iv 12 | tag 16 | ciphertext)
 *   KMS ciphertext    prefix | plaintext sealed by the material (iv 12 | tag 16 | ciphertext),
 *   (format 2)               prefix + encryption context as AAD
 *
 * A sealed record's data key is shared by every record sealed within its reuse period, so its first
 * `prefix + 60` bytes are the same for all of them: the sealer caches opened data keys by those bytes.
 */
import { GCM_OVERHEAD, KEY_BYTES } from './aead.js';

export const SEALED_RECORD = 1;
export const KMS_CIPHERTEXT = 2;

/** The sealed data key that follows a sealed record's prefix. */
export const WRAPPED_DATA_KEY_BYTES = GCM_OVERHEAD + KEY_BYTES;

export interface Prefix {
  format: number;
  keyId: string;
  version: number;
  /** Offset of the first byte after the prefix. */
  end: number;
}

export function writePrefix(format: number, keyId: string, version: number): Buffer {
  const id = Buffer.from(keyId, 'latin1');
  if (id.length > 255) throw new RangeError('a key id is at most 255 bytes');
  const out = Buffer.allocUnsafe(6 + id.length);
  out[0] = format;
  out[1] = id.length;
  id.copy(out, 2);
  out.writeUInt32BE(version, 2 + id.length);
  return out;
}

/** The prefix of `blob` if it has one of `format` and is long enough for the rest, else undefined. */
export function readPrefix(blob: Buffer, format: number): Prefix | undefined {
  if (blob.length < 6 || blob[0] !== format) return undefined;
  const n = blob[1]!;
  const end = 6 + n;
  const rest = format === SEALED_RECORD ? WRAPPED_DATA_KEY_BYTES + GCM_OVERHEAD : GCM_OVERHEAD;
  if (blob.length < end + rest) return undefined;
  return { format, keyId: blob.toString('latin1', 2, 2 + n), version: blob.readUInt32BE(2 + n), end };
}
