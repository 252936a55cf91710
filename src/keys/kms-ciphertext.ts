/**
 * KMS's own Encrypt and Decrypt: a plaintext (at most 4 KB, typically a data key) sealed directly by a KMS key's
 * current material, with the encryption context bound in as AAD, so Decrypt must be given the same context.
 * The ciphertext names its key and material version (blob.ts), so Decrypt needs no KeyId, as in KMS.
 */
import { decrypt, encryptInto, GCM_OVERHEAD } from './aead.js';
import { KMS_CIPHERTEXT, readPrefix, writePrefix } from './blob.js';
import { KeyError } from './errors.js';
import type { Keyring } from './keyring.js';
import type { KmsKeyRecord } from '../store/keys.js';

export type EncryptionContext = Record<string, string>;

/** The AAD of a ciphertext: its prefix and the context's pairs in key order (KMS ignores the order given). */
function aad(prefix: Buffer, context: EncryptionContext | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.concat([prefix, Buffer.from(JSON.stringify(pairs), 'utf8')]);
}

export function kmsEncrypt(keyring: Keyring, keyRef: string, plaintext: Buffer, context?: EncryptionContext): { ciphertext: Buffer; key: KmsKeyRecord } {
  const { key, version, material } = keyring.sealingMaterial(keyRef);
  const prefix = writePrefix(KMS_CIPHERTEXT, key.id, version);
  const ciphertext = Buffer.allocUnsafe(prefix.length + GCM_OVERHEAD + plaintext.length);
  prefix.copy(ciphertext, 0);
  encryptInto(material, ciphertext, prefix.length, plaintext, aad(prefix, context));
  return { ciphertext, key };
}

/** Opens a ciphertext of kmsEncrypt; `keyRef`, when given, must name the key that made it (KMS's IncorrectKeyException). */
export function kmsDecrypt(keyring: Keyring, ciphertext: Buffer, context?: EncryptionContext, keyRef?: string): { plaintext: Buffer; key: KmsKeyRecord } {
  const prefix = readPrefix(ciphertext, KMS_CIPHERTEXT);
  if (!prefix) throw new KeyError('invalid-ciphertext', 'The ciphertext is not valid: it was not produced by this KMS.');
  if (keyRef !== undefined && keyring.resolve(keyRef).id !== prefix.keyId) {
    throw new KeyError('incorrect-key', 'The key ID in the request does not identify a KMS key that can perform this operation.');
  }
  const material = keyring.openingMaterial(prefix.keyId, prefix.version);
  const plaintext = decrypt(material, ciphertext, prefix.end, aad(ciphertext.subarray(0, prefix.end), context));
  // A changed byte or a different encryption context: KMS does not say which.
  if (!plaintext) throw new KeyError('invalid-ciphertext', 'The ciphertext or its encryption context is not valid.');
  return { plaintext, key: keyring.resolve(prefix.keyId) };
}
