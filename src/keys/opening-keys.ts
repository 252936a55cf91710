/**
 * Opening sealed records on a thread that has no keyring (the SQLite writer thread opens the events it claims for
 * the delivery engine). The main thread, which owns the keyring, hands it the data keys it opened records with
 * (Sealer.openingKey), and with each piece of work the KMS key versions that may be used right now: a record
 * whose key version is not among them, or whose data key this thread lacks, stays sealed for the main thread to
 * open (or refuse). Disabling a key thus stops this thread's opening as soon as the main thread's, as Sealer's.
 */
import type { KeyObject } from 'node:crypto';
import { GCM_OVERHEAD, secretKey } from './aead.js';
import { readPrefix, SEALED_RECORD, WRAPPED_DATA_KEY_BYTES } from './blob.js';
import { openWith, sealWith, type OpeningKey } from './sealer.js';

/** An OpeningKey as it crosses to another thread: the key's raw bytes. */
export interface WireOpeningKey {
  head: string;
  key: Uint8Array;
}

/** How a KMS key version is named in the list of usable ones. */
export const keyVersion = (keyId: string, version: number): string => `${keyId}/${version}`;

export function toWireOpeningKey(opening: OpeningKey): WireOpeningKey {
  return { head: opening.head, key: new Uint8Array(opening.key.export()) };
}

/** As many data keys as Sealer caches; past it the oldest learned goes, and its records go back to the main thread. */
const MAX_KEYS = 4096;

export class OpeningKeys {
  /** By head (latin1); `headBytes` and `version` (keyVersion) are made the first time the key seals. */
  readonly #keys = new Map<string, { key: KeyObject; headBytes?: Buffer; version?: string }>();

  learn(keys: readonly WireOpeningKey[]): void {
    for (const { head, key } of keys) {
      // Deleted first, so a key learned again counts as the newest.
      this.#keys.delete(head);
      this.#keys.set(head, { key: secretKey(Buffer.from(key)) });
      if (this.#keys.size > MAX_KEYS) this.#keys.delete(this.#keys.keys().next().value!);
    }
  }

  /** The record's plaintext, or undefined when it is to be left to the main thread (see above). */
  open(blob: Buffer, usable: ReadonlySet<string>): Buffer | undefined {
    const prefix = readPrefix(blob, SEALED_RECORD);
    if (!prefix || !usable.has(keyVersion(prefix.keyId, prefix.version))) return undefined;
    const headEnd = prefix.end + WRAPPED_DATA_KEY_BYTES;
    const entry = this.#keys.get(blob.toString('latin1', 0, headEnd));
    if (!entry) return undefined;
    try {
      return openWith(entry.key, blob, headEnd);
    } catch {
      return undefined;
    }
  }

  /**
   * Seals `plaintext` with the data key whose head is `head`, learned like the others (the main thread picks the
   * data key, checking its KMS key's state, and the thread runs the cipher: SQS sends); undefined when it was not,
   * or when its KMS key version is not among the `usable` ones (disabled since the main thread picked it).
   */
  seal(head: string, plaintext: Buffer, usable: ReadonlySet<string>): Buffer | undefined {
    const entry = this.#keys.get(head);
    if (!entry) return undefined;
    if (!entry.headBytes) {
      entry.headBytes = Buffer.from(head, 'latin1');
      // A head is a record's prefix and sealed data key: readPrefix with the record's GCM part that follows.
      const prefix = readPrefix(Buffer.concat([entry.headBytes, Buffer.alloc(GCM_OVERHEAD)]), SEALED_RECORD);
      entry.version = prefix && keyVersion(prefix.keyId, prefix.version);
    }
    if (entry.version === undefined || !usable.has(entry.version)) return undefined;
    return sealWith({ key: entry.key, head: entry.headBytes }, plaintext);
  }
}
