/**
 * SQS receipt handles as every backend issues them: base64 of "<seq>:<nonce>", the nonce being the one the receive
 * wrote on the message's row, so the row's current nonce tells a handle that still owns the message from one that
 * a later receive superseded.
 */
import { randomBytes } from 'node:crypto';

/** A fresh nonce for one receive: 16 base64url characters. */
export function receiptNonce(): string {
  return randomBytes(12).toString('base64url');
}

export function encodeHandle(seq: number, nonce: string): string {
  return Buffer.from(`${seq}:${nonce}`, 'utf8').toString('base64');
}

/** The row and nonce a handle names, or undefined when it is not a handle a store issued. */
export function decodeHandle(handle: string): { seq: number; nonce: string } | undefined {
  const m = /^(\d{1,15}):([A-Za-z0-9_-]{16})$/.exec(Buffer.from(handle, 'base64').toString('utf8'));
  return m ? { seq: Number(m[1]), nonce: m[2]! } : undefined;
}
