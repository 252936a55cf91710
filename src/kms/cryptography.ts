/**
 * KMS's cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext
 * and GenerateRandom. Blobs are base64 in JSON both ways (the SDKs turn them into bytes). Only SYMMETRIC_DEFAULT
 * exists here, so any other algorithm is KMS's InvalidKeyUsageException; grant tokens are accepted and ignored.
 */
import { randomBytes } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { bool, check, int, str, struct } from '../protocols/shape.js';
import { kmsDecrypt, kmsEncrypt, type EncryptionContext } from '../keys/kms-ciphertext.js';
import type { KmsDeps } from './deps.js';
import { blob, kmsErrors } from './errors.js';
import { encryptionContextShape, grantTokensShape, keyIdShape, SYMMETRIC_DEFAULT } from './views.js';

const MAX_PLAINTEXT = 4096;
const MAX_CIPHERTEXT = 6144;
const ALGORITHMS = ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'];

const common = { EncryptionContext: encryptionContextShape, GrantTokens: grantTokensShape, DryRun: bool };
const encryptShape = struct({ KeyId: keyIdShape, Plaintext: str(), EncryptionAlgorithm: str({ enum: ALGORITHMS }), ...common }, ['KeyId', 'Plaintext']);
const decryptShape = struct({ CiphertextBlob: str(), KeyId: keyIdShape, EncryptionAlgorithm: str({ enum: ALGORITHMS }), Recipient: struct({}), ...common }, ['CiphertextBlob']);
const reEncryptShape = struct(
  {
    CiphertextBlob: str(),
    SourceEncryptionContext: encryptionContextShape,
    SourceKeyId: keyIdShape,
    DestinationKeyId: keyIdShape,
    DestinationEncryptionContext: encryptionContextShape,
    SourceEncryptionAlgorithm: str({ enum: ALGORITHMS }),
    DestinationEncryptionAlgorithm: str({ enum: ALGORITHMS }),
    GrantTokens: grantTokensShape,
    DryRun: bool,
  },
  ['CiphertextBlob', 'DestinationKeyId'],
);
const dataKeyShape = struct({ KeyId: keyIdShape, NumberOfBytes: int({ min: 1, max: 1024 }), KeySpec: str({ enum: ['AES_256', 'AES_128'] }), Recipient: struct({}), ...common }, ['KeyId']);
const randomShape = struct({ NumberOfBytes: int({ min: 1, max: 1024 }), CustomKeyStoreId: str(), Recipient: struct({}) });

interface DataKeyInput {
  KeyId: string;
  NumberOfBytes?: number;
  KeySpec?: 'AES_256' | 'AES_128';
  EncryptionContext?: EncryptionContext;
}

function symmetric(algorithm: string | undefined): void {
  if (algorithm !== undefined && algorithm !== SYMMETRIC_DEFAULT) {
    throw new ServiceError('InvalidKeyUsageException', `The encryption algorithm ${algorithm} is not compatible with a symmetric encryption KMS key; use SYMMETRIC_DEFAULT.`);
  }
}

/** KeySpec or NumberOfBytes, exactly one of them. */
function dataKeyBytes(req: DataKeyInput): number {
  if ((req.KeySpec === undefined) === (req.NumberOfBytes === undefined)) {
    throw new ServiceError('ValidationException', 'Please specify either KeySpec or NumberOfBytes, but not both.');
  }
  return req.NumberOfBytes ?? (req.KeySpec === 'AES_128' ? 16 : 32);
}

export class CryptographyService {
  constructor(private readonly deps: KmsDeps) {}

  async encrypt(input: unknown) {
    const req = check<{ KeyId: string; Plaintext: string; EncryptionAlgorithm?: string; EncryptionContext?: EncryptionContext }>(input, encryptShape);
    const plaintext = blob(req.Plaintext, 'plaintext', 1, MAX_PLAINTEXT);
    symmetric(req.EncryptionAlgorithm);
    const { ciphertext, key } = await kmsErrors(() => kmsEncrypt(this.deps.keyring, req.KeyId, plaintext, req.EncryptionContext));
    return { CiphertextBlob: ciphertext.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
  }

  async decrypt(input: unknown) {
    const req = check<{ CiphertextBlob: string; KeyId?: string; EncryptionAlgorithm?: string; EncryptionContext?: EncryptionContext }>(input, decryptShape);
    const ciphertext = blob(req.CiphertextBlob, 'ciphertextBlob', 1, MAX_CIPHERTEXT);
    symmetric(req.EncryptionAlgorithm);
    const { plaintext, key } = await kmsErrors(() => kmsDecrypt(this.deps.keyring, ciphertext, req.EncryptionContext, req.KeyId));
    return { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: SYMMETRIC_DEFAULT };
  }

  async reEncrypt(input: unknown) {
    const req = check<{
      CiphertextBlob: string;
      SourceEncryptionContext?: EncryptionContext;
      SourceKeyId?: string;
      DestinationKeyId: string;
      DestinationEncryptionContext?: EncryptionContext;
      SourceEncryptionAlgorithm?: string;
      DestinationEncryptionAlgorithm?: string;
    }>(input, reEncryptShape);
    const ciphertext = blob(req.CiphertextBlob, 'ciphertextBlob', 1, MAX_CIPHERTEXT);
    symmetric(req.SourceEncryptionAlgorithm);
    symmetric(req.DestinationEncryptionAlgorithm);
    return kmsErrors(() => {
      const source = kmsDecrypt(this.deps.keyring, ciphertext, req.SourceEncryptionContext, req.SourceKeyId);
      const destination = kmsEncrypt(this.deps.keyring, req.DestinationKeyId, source.plaintext, req.DestinationEncryptionContext);
      return {
        CiphertextBlob: destination.ciphertext.toString('base64'),
        SourceKeyId: source.key.arn,
        KeyId: destination.key.arn,
        SourceEncryptionAlgorithm: SYMMETRIC_DEFAULT,
        DestinationEncryptionAlgorithm: SYMMETRIC_DEFAULT,
      };
    });
  }

  async generateDataKey(input: unknown) {
    const { plaintext, ciphertext, key } = await this.#dataKey(input);
    return { CiphertextBlob: ciphertext.toString('base64'), Plaintext: plaintext.toString('base64'), KeyId: key.arn };
  }

  async generateDataKeyWithoutPlaintext(input: unknown) {
    const { ciphertext, key } = await this.#dataKey(input);
    return { CiphertextBlob: ciphertext.toString('base64'), KeyId: key.arn };
  }

  async generateRandom(input: unknown) {
    const req = check<{ NumberOfBytes?: number }>(input, randomShape);
    if (req.NumberOfBytes === undefined) throw new ServiceError('ValidationException', '1 validation error detected: Value null at \'numberOfBytes\' failed to satisfy constraint: Member must not be null');
    return { Plaintext: randomBytes(req.NumberOfBytes).toString('base64') };
  }

  async #dataKey(input: unknown) {
    const req = check<DataKeyInput>(input, dataKeyShape);
    const plaintext = randomBytes(dataKeyBytes(req));
    const { ciphertext, key } = await kmsErrors(() => kmsEncrypt(this.deps.keyring, req.KeyId, plaintext, req.EncryptionContext));
    return { plaintext, ciphertext, key };
  }
}
