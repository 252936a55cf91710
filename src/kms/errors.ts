/**
 * The keyring's errors (src/keys/errors.ts) in KMS's own codes, and the blob fields KMS carries as base64 in JSON.
 */
import { ServiceError } from '../errors.js';
import { KeyError } from '../keys/errors.js';
import type { Keyring } from '../keys/keyring.js';
import { withKeyErrors, type KeyErrorCodes } from '../keys/service-errors.js';

const KMS_CODES: KeyErrorCodes = {
  'not-found': 'NotFoundException',
  disabled: 'DisabledException',
  'invalid-state': 'KMSInvalidStateException',
  'invalid-ciphertext': 'InvalidCiphertextException',
  'incorrect-key': 'IncorrectKeyException',
  unsupported: 'UnsupportedOperationException',
  'already-exists': 'AlreadyExistsException',
  'not-authorized': 'NotAuthorizedException',
  'limit-exceeded': 'LimitExceededException',
};

/** Runs `fn`, turning a KeyError into KMS's error for it. */
export function kmsErrors<T>(fn: () => T | Promise<T>): Promise<T> {
  return withKeyErrors(KMS_CODES, fn);
}

/** Why the key `keyRef` names cannot seal now, as KMS would say it (code and message); undefined when it can. */
export function keyProblem(keyring: Keyring, keyRef: string): { code: string; message: string } | undefined {
  try {
    keyring.sealingMaterial(keyRef);
    return undefined;
  } catch (err) {
    if (!(err instanceof KeyError)) throw err;
    return { code: KMS_CODES[err.reason] ?? 'KMSInternalException', message: err.message };
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A blob member: base64 in JSON (the SDKs encode it), `min`-`max` bytes once decoded; `field` is AWS's member path. */
export function blob(value: string, field: string, min: number, max: number): Buffer {
  if (!BASE64.test(value) || value.length % 4 !== 0) throw new ServiceError('SerializationException', `Value at '${field}' must be base64-encoded binary data.`);
  const bytes = Buffer.from(value, 'base64');
  const n = bytes.length;
  if (n < min || n > max) {
    const constraint = n < min ? `Member must have length greater than or equal to ${min}` : `Member must have length less than or equal to ${max}`;
    throw new ServiceError('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`);
  }
  return bytes;
}
