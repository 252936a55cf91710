/**
 * The key that signs SNS messages. SNS signs each message it sends (SignatureVersion 1: SHA1withRSA, 2:
 * SHA256withRSA) over a canonical string of its fields, and names the certificate to verify it with in
 * SigningCertURL. Mailroom makes an RSA key and a self-signed certificate the first time it needs them and keeps
 * both in the store, so every process sharing a database signs with the same key and restarts keep it.
 */
import { createHash, createPrivateKey, createSign, generateKeyPair, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '../clock.js';
import type { SigningKeyRecord, TopicStore } from '../store/topics.js';
import { selfSignedCertificate } from './certificate.js';

const generate = promisify(generateKeyPair);
const VALID_YEARS = 10;

export type SignatureVersion = '1' | '2';

export class SigningKey {
  readonly certificatePem: string;
  /** Names the certificate in SigningCertURL: the first 32 hex digits of its SHA-256. */
  readonly fingerprint: string;
  readonly #key: KeyObject;

  constructor(record: SigningKeyRecord) {
    this.certificatePem = record.certificatePem;
    this.#key = createPrivateKey(record.privateKeyPem);
    this.fingerprint = createHash('sha256').update(new X509Certificate(record.certificatePem).raw).digest('hex').slice(0, 32);
  }

  /** The base64 signature of `text`, as SignatureVersion `version` asks. */
  sign(text: string, version: SignatureVersion): string {
    return createSign(version === '2' ? 'RSA-SHA256' : 'RSA-SHA1').update(text, 'utf8').sign(this.#key, 'base64');
  }
}

export class MessageSigner {
  #key: Promise<SigningKey> | undefined;

  constructor(
    private readonly store: TopicStore,
    private readonly clock: Clock,
  ) {}

  /** The signing key: loaded from the store, or made and stored on first use. */
  key(): Promise<SigningKey> {
    this.#key ??= this.#load().catch((err: unknown) => {
      // Not cached: the next use tries again.
      this.#key = undefined;
      throw err;
    });
    return this.#key;
  }

  async #load(): Promise<SigningKey> {
    const stored = await this.store.signingKey();
    if (stored) return new SigningKey(stored);
    const keys = await generate('rsa', { modulusLength: 2048 });
    const now = this.clock.now();
    const certificatePem = selfSignedCertificate(keys, 'Mailroom SNS message signing', new Date(now), new Date(now + VALID_YEARS * 365 * 86_400_000));
    const privateKeyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    // Another process sharing the database may have stored one first: use whichever the store kept.
    return new SigningKey(await this.store.putSigningKey({ privateKeyPem, certificatePem, createdAt: now }));
  }
}
