/**
 * Envelope encryption of stored records, synchronous for the hot paths (ingest, send, receive, claim). A record is
 * sealed with an AES-256-GCM data key; the data key is sealed by the current material of the record's KMS key and
 * travels in the record's blob (blob.ts), so any process with the root key can open it and rotation rewrites nothing.
 *
 * Data keys are cheap to use and costly to make (an unseal per record would double the work), so:
 * - one sealing data key per KMS key is reused for its reuse period (SQS's KmsDataKeyReusePeriodSeconds, 300 s by
 *   default), and replaced sooner when the key rotates or after MAX_SEALS_PER_DATA_KEY records;
 * - opened data keys are cached by their sealed bytes (bounded, least recently used first out).
 * The KMS key's state is checked on every seal and every open, cache or not: disabling a key stops both at once.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import { decrypt, encryptInto, GCM_OVERHEAD, KEY_BYTES, secretKey } from './aead.js';
import { readPrefix, SEALED_RECORD, WRAPPED_DATA_KEY_BYTES, writePrefix } from './blob.js';
import { KeyError } from './errors.js';
import type { Keyring } from './keyring.js';

export const DEFAULT_DATA_KEY_REUSE_SECONDS = 300;
/** Far below GCM's 2^32 random IVs per key. */
const MAX_SEALS_PER_DATA_KEY = 2 ** 24;
const OPENED_CACHE_SIZE = 4096;

export interface Sealed {
  blob: Buffer;
  /** The KMS key that sealed it (its id), for the record's key_id column. */
  keyId: string;
}

/** A data key in use for sealing, with the bytes every record it seals starts with. */
export interface DataKey {
  keyId: string;
  version: number;
  key: KeyObject;
  /** Prefix and sealed data key: the first bytes of every record this key seals. */
  head: Buffer;
  createdAt: number;
  seals: number;
}

function malformed(): KeyError {
  return new KeyError('invalid-ciphertext', 'The sealed record is malformed or was not sealed by this keyring.');
}

/** Seals `plaintext` with a data key into one new buffer: head | iv | tag | ciphertext. */
export function sealWith(dataKey: Pick<DataKey, 'key' | 'head'>, plaintext: Buffer): Buffer {
  const out = Buffer.allocUnsafe(dataKey.head.length + GCM_OVERHEAD + plaintext.length);
  dataKey.head.copy(out, 0);
  encryptInto(dataKey.key, out, dataKey.head.length, plaintext);
  return out;
}

/** The data key that opens the records whose first bytes are `head` (latin1), and the KMS key version that sealed it. */
export interface OpeningKey {
  keyId: string;
  version: number;
  head: string;
  key: KeyObject;
}

/** Opens a sealed record whose data key is known: the bytes after its head; throws KeyError when it does not authenticate. */
export function openWith(key: KeyObject, blob: Buffer, headEnd: number): Buffer {
  const plaintext = decrypt(key, blob, headEnd);
  if (!plaintext) throw malformed();
  return plaintext;
}

export class Sealer {
  readonly #keyring: Keyring;
  readonly #clock: Clock;
  readonly #sealing = new Map<string, DataKey>();
  /** Opened data keys by their head's bytes (latin1), in least-recently-used order. */
  readonly #opened = new Map<string, KeyObject>();

  constructor(keyring: Keyring, clock: Clock) {
    this.#keyring = keyring;
    this.#clock = clock;
  }

  get keyring(): Keyring {
    return this.#keyring;
  }

  /** Seals with the KMS key `keyRef` names (id, ARN, alias); throws KeyError when it cannot be used. */
  seal(keyRef: string, plaintext: Buffer, reuseSeconds = DEFAULT_DATA_KEY_REUSE_SECONDS): Sealed {
    const dataKey = this.dataKey(keyRef, reuseSeconds);
    return { blob: sealWith(dataKey, plaintext), keyId: dataKey.keyId };
  }

  /** The data key that seals for `keyRef` now (counted as one seal), making a new one when it is due. */
  dataKey(keyRef: string, reuseSeconds = DEFAULT_DATA_KEY_REUSE_SECONDS): DataKey {
    const { key, version, material } = this.#keyring.sealingMaterial(keyRef);
    const now = this.#clock.now();
    let dataKey = this.#sealing.get(key.id);
    if (!dataKey || dataKey.version !== version || now - dataKey.createdAt >= reuseSeconds * 1000 || dataKey.seals >= MAX_SEALS_PER_DATA_KEY) {
      const raw = randomBytes(KEY_BYTES);
      const prefix = writePrefix(SEALED_RECORD, key.id, version);
      const head = Buffer.allocUnsafe(prefix.length + WRAPPED_DATA_KEY_BYTES);
      prefix.copy(head, 0);
      encryptInto(material, head, prefix.length, raw, prefix);
      dataKey = { keyId: key.id, version, key: secretKey(raw), head, createdAt: now, seals: 0 };
      this.#sealing.set(key.id, dataKey);
      // This process opens what it sealed without unsealing the data key again.
      this.#remember(head.toString('latin1'), dataKey.key);
    }
    dataKey.seals++;
    return dataKey;
  }

  /** Opens a sealed record; throws KeyError when it is malformed or its KMS key cannot be used. */
  open(blob: Buffer): Buffer {
    const opening = this.openingKey(blob);
    return openWith(opening.key, blob, opening.head.length);
  }

  /**
   * The data key that opens `blob`, its KMS key's state checked as by `open`: for opening records like it somewhere
   * the keyring is not (the SQLite writer thread opens claimed events with it: OpeningKeys).
   */
  openingKey(blob: Buffer): OpeningKey {
    const prefix = readPrefix(blob, SEALED_RECORD);
    if (!prefix) throw malformed();
    const material = this.#keyring.openingMaterial(prefix.keyId, prefix.version);
    const headEnd = prefix.end + WRAPPED_DATA_KEY_BYTES;
    const cacheKey = blob.toString('latin1', 0, headEnd);
    let dataKey = this.#opened.get(cacheKey);
    if (dataKey) {
      this.#opened.delete(cacheKey);
      this.#opened.set(cacheKey, dataKey);
    } else {
      const raw = decrypt(material, blob.subarray(0, headEnd), prefix.end, blob.subarray(0, prefix.end));
      if (!raw) throw malformed();
      dataKey = secretKey(raw);
      this.#remember(cacheKey, dataKey);
    }
    return { keyId: prefix.keyId, version: prefix.version, head: cacheKey, key: dataKey };
  }

  #remember(cacheKey: string, key: KeyObject): void {
    this.#opened.set(cacheKey, key);
    if (this.#opened.size > OPENED_CACHE_SIZE) this.#opened.delete(this.#opened.keys().next().value!);
  }
}
