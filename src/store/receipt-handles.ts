/**
 * SQS receipt handles as every backend issues them: base64 of "<seq>:<nonce>", the nonce being the one the receive
 * wrote on the message's row, so the row's current nonce tells a handle that still owns the message from one that
 * a later receive superseded.
 */
import { randomBytes } from 'node:crypto';

// Random bytes for receipt nonces, drawn a few hundred receives' worth at a time: a random draw per message was a
// sixth of a receive's CPU.
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

/** A fresh nonce for one receive: 16 base64url characters (12 random bytes). */
export function receiptNonce(): string {
  if (nonceOffset + 12 > noncePool.length) {
    noncePool = randomBytes(4096);
    nonceOffset = 0;
  }
  nonceOffset += 12;
  return noncePool.toString('base64url', nonceOffset - 12, nonceOffset);
}

export function encodeHandle(seq: number, nonce: string): string {
  return Buffer.from(`${seq}:${nonce}`, 'utf8').toString('base64');
}

/** The row and nonce a handle names, or undefined when it is not a handle a store issued. */
export function decodeHandle(handle: string): { seq: number; nonce: string } | undefined {
  const m = /^(\d{1,15}):([A-Za-z0-9_-]{16})$/.exec(Buffer.from(handle, 'base64').toString('utf8'));
  return m ? { seq: Number(m[1]), nonce: m[2]! } : undefined;
}
