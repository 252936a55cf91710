/**
 * Turning the keyring's errors into a service's own codes: KMS answers NotFoundException / DisabledException / ...,
 * SQS answers KmsNotFound / KmsDisabled / ... for the same reasons. Reasons a service has no code for pass through
 * unchanged (they are bugs or damage, which the protocol layer reports as internal errors).
 */
import { ServiceError, type ErrorCode } from '../errors.js';
import { KeyError, type KeyErrorReason } from './errors.js';

export type KeyErrorCodes = Partial<Record<KeyErrorReason, ErrorCode>>;

/** Runs `fn`, throwing a KeyError as the ServiceError `codes` names for its reason. */
export async function withKeyErrors<T>(codes: KeyErrorCodes, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = err instanceof KeyError ? codes[err.reason] : undefined;
    if (code) throw new ServiceError(code, (err as KeyError).message);
    throw err;
  }
}
