/**
 * KMS: the services (keys, aliases, rotation, cryptography) and the `TrentService.*` operation table that the
 * awsJson 1.1 adapter serves. The keys themselves live in the store's keyring (src/keys/), which also seals every
 * stored record: a key disabled here stops the queues and buses it protects at once.
 */
import type { JsonService } from '../protocols/aws-json.js';
import { AliasService } from './aliases.js';
import { CryptographyService } from './cryptography.js';
import type { KmsDeps } from './deps.js';
import { KeyService } from './keys.js';
import { RotationService } from './rotation.js';

export type { KmsDeps } from './deps.js';

export class Kms {
  readonly keys: KeyService;
  readonly aliases: AliasService;
  readonly rotation: RotationService;
  readonly cryptography: CryptographyService;

  constructor(deps: KmsDeps) {
    this.keys = new KeyService(deps);
    this.aliases = new AliasService(deps);
    this.rotation = new RotationService(deps);
    this.cryptography = new CryptographyService(deps);
  }

  /** The operations as awsJson 1.1 exposes them under `X-Amz-Target: TrentService.<Operation>`. */
  jsonService(): JsonService {
    return {
      service: 'KMS',
      targetPrefix: 'TrentService',
      jsonVersion: '1.1',
      operations: {
        CreateKey: (i, c) => this.keys.create(i, c),
        DescribeKey: (i) => this.keys.describe(i),
        ListKeys: (i) => this.keys.list(i),
        UpdateKeyDescription: (i) => this.keys.updateDescription(i),
        EnableKey: (i) => this.keys.enable(i),
        DisableKey: (i) => this.keys.disable(i),
        ScheduleKeyDeletion: (i) => this.keys.scheduleDeletion(i),
        CancelKeyDeletion: (i) => this.keys.cancelDeletion(i),
        TagResource: (i) => this.keys.tag(i),
        UntagResource: (i) => this.keys.untag(i),
        ListResourceTags: (i) => this.keys.listTags(i),
        CreateAlias: (i) => this.aliases.create(i),
        UpdateAlias: (i) => this.aliases.update(i),
        DeleteAlias: (i) => this.aliases.delete(i),
        ListAliases: (i, c) => this.aliases.list(i, c),
        EnableKeyRotation: (i) => this.rotation.enable(i),
        DisableKeyRotation: (i) => this.rotation.disable(i),
        GetKeyRotationStatus: (i) => this.rotation.status(i),
        RotateKeyOnDemand: (i) => this.rotation.rotateNow(i),
        ListKeyRotations: (i) => this.rotation.list(i),
        Encrypt: (i) => this.cryptography.encrypt(i),
        Decrypt: (i) => this.cryptography.decrypt(i),
        ReEncrypt: (i) => this.cryptography.reEncrypt(i),
        GenerateDataKey: (i) => this.cryptography.generateDataKey(i),
        GenerateDataKeyWithoutPlaintext: (i) => this.cryptography.generateDataKeyWithoutPlaintext(i),
        GenerateRandom: (i) => this.cryptography.generateRandom(i),
      },
    };
  }
}
