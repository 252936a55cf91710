/**
 * AES-256-GCM, the one cipher of the keyring: data keys seal records, key material seals data keys, the root key
 * seals key material. Every ciphertext here is laid out `iv (12) | tag (16) | ciphertext` (GCM's ciphertext is as
 * long as the plaintext), written into a buffer the caller sized, so a sealed record is one allocation.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync, type KeyObject } from 'node:crypto';

export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** What GCM adds to a plaintext here: the IV and the tag. */
export const GCM_OVERHEAD = IV_BYTES + TAG_BYTES;

/**
 * IVs are random, drawn from a pool refilled 1024 at a time: randomBytes(12) costs about 5 us a call, as much as the
 * encryption of a 1 KB record. A data key seals at most MAX_SEALS_PER_DATA_KEY records (sealer.ts), far below the
 * 2^32 random IVs per key that GCM allows.
 */
const POOL_IVS = 1024;
const ivPool = Buffer.alloc(IV_BYTES * POOL_IVS);
let ivNext = POOL_IVS;

function takeIv(out: Buffer, at: number): void {
  if (ivNext === POOL_IVS) {
    randomFillSync(ivPool);
    ivNext = 0;
  }
  ivPool.copy(out, at, ivNext * IV_BYTES, ++ivNext * IV_BYTES);
}

export function secretKey(bytes: Buffer): KeyObject {
  if (bytes.length !== KEY_BYTES) throw new RangeError(`an AES-256 key is ${KEY_BYTES} bytes, got ${bytes.length}`);
  return createSecretKey(bytes);
}

/** Encrypts `plaintext` into `out` at `at` (iv, tag, ciphertext); `out` must have GCM_OVERHEAD + plaintext bytes left. */
export function encryptInto(key: KeyObject, out: Buffer, at: number, plaintext: Buffer, aad?: Buffer): void {
  takeIv(out, at);
  const cipher = createCipheriv('aes-256-gcm', key, out.subarray(at, at + IV_BYTES));
  if (aad) cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  cipher.final();
  cipher.getAuthTag().copy(out, at + IV_BYTES);
  body.copy(out, at + GCM_OVERHEAD);
}

/** `encryptInto` a fresh buffer holding just the ciphertext. */
export function encrypt(key: KeyObject, plaintext: Buffer, aad?: Buffer): Buffer {
  const out = Buffer.allocUnsafe(GCM_OVERHEAD + plaintext.length);
  encryptInto(key, out, 0, plaintext, aad);
  return out;
}

/** Decrypts what `encryptInto` wrote at `at` through the end of `sealed`; undefined when it does not authenticate. */
export function decrypt(key: KeyObject, sealed: Buffer, at = 0, aad?: Buffer): Buffer | undefined {
  if (sealed.length < at + GCM_OVERHEAD) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(at, at + IV_BYTES));
  decipher.setAuthTag(sealed.subarray(at + IV_BYTES, at + GCM_OVERHEAD));
  if (aad) decipher.setAAD(aad);
  const body = decipher.update(sealed.subarray(at + GCM_OVERHEAD));
  try {
    decipher.final();
  } catch {
    return undefined;
  }
  return body;
}
