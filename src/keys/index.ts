/**
 * Keys and envelope encryption: the root key (root-key.ts), the keyring of KMS keys (keyring.ts), the sealer that
 * seals and opens stored records (sealer.ts) and KMS's own Encrypt/Decrypt (kms-ciphertext.ts). A store backend
 * calls `openKeyring` once it is migrated, and seals its payload columns through the sealer it gets back.
 */
import type { Clock } from '../clock.js';
import type { KeyStore } from '../store/keys.js';
import { Keyring } from './keyring.js';
import { unlockRootKey, type RootKeyLog, type RootKeyOptions } from './root-key.js';
import { Sealer } from './sealer.js';

export { KeyError, RootKeyError, type KeyErrorReason } from './errors.js';
export { Keyring, type RotationRecord } from './keyring.js';
export { Sealer, type Sealed } from './sealer.js';
export { EVENTS_MANAGED_KEY, SQS_MANAGED_KEY } from './key-refs.js';
export type { RootKeyLog, RootKeyOptions } from './root-key.js';

/** Unlocks the store's keyring with the root key (see root-key.ts) and loads it; `defaultFile` is where a root key file is looked for, or made. */
export async function openKeyring(store: KeyStore, options: RootKeyOptions, defaultFile: string, clock: Clock, log: RootKeyLog): Promise<Sealer> {
  const root = await unlockRootKey(store, options, defaultFile, clock, log);
  return new Sealer(await Keyring.open(store, root, clock), clock);
}
