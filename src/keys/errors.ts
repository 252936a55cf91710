/**
 * Why a key operation failed, independent of any wire protocol. Each service names these in its own codes: the KMS
 * API as NotFoundException / DisabledException / ..., SQS as KmsNotFound / KmsDisabled / ..., so one keyring can
 * serve them all and the store can report a sealed record it cannot open without knowing who asked.
 */

export type KeyErrorReason =
  /** No key, or no alias, by that reference (or the key was deleted). */
  | 'not-found'
  /** The key exists but is disabled: nothing can be sealed or opened with it until it is enabled. */
  | 'disabled'
  /** The key's state does not allow the operation (e.g. it is pending deletion): KMS's KMSInvalidStateException. */
  | 'invalid-state'
  /** The ciphertext is malformed, was not made by this keyring, or its encryption context differs. */
  | 'invalid-ciphertext'
  /** A Decrypt named a key other than the one that encrypted the ciphertext. */
  | 'incorrect-key'
  /** The operation is not allowed on this key (e.g. disabling an AWS managed key). */
  | 'unsupported'
  | 'already-exists'
  /** An alias name that is reserved (alias/aws/...). */
  | 'not-authorized'
  | 'limit-exceeded';

export class KeyError extends Error {
  constructor(
    readonly reason: KeyErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'KeyError';
  }
}

/** The root key given does not open this data directory's keyring, or none was given for one that has a keyring. */
export class RootKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RootKeyError';
  }
}
