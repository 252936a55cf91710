/**
 * The store's side of the keyring (src/keys/): KMS keys, the versions of their key material (each sealed by the root
 * key, never stored in the clear), aliases, and the root key's check value. The keyring holds all of it in memory
 * (there are few keys) and writes through these methods; every backend implements them the same way.
 */

export type KmsKeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';

/** Who manages a key: the customer (CreateKey), or Mailroom on a service's behalf (alias/aws/sqs, ...). */
export type KmsKeyManager = 'CUSTOMER' | 'AWS';

export interface KmsKeyRecord {
  /** A UUID, as KMS key ids are. */
  id: string;
  arn: string;
  description: string;
  state: KmsKeyState;
  manager: KmsKeyManager;
  createdAt: number;
  /** When a key pending deletion is deleted. */
  deletionDate?: number;
  pendingWindowDays?: number;
  /** Set while automatic rotation is enabled: its period, and when it next rotates. */
  rotationPeriodDays?: number;
  nextRotationAt?: number;
}

export interface KeyMaterialRecord {
  keyId: string;
  /** 1 for the material the key was created with, then one more per rotation. */
  version: number;
  /** The 32 bytes of material, sealed by the root key (see src/keys/keyring.ts). */
  sealed: Buffer;
  createdAt: number;
  /** How this version came about; absent for the key's first material. */
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

export interface KmsAliasRecord {
  /** `alias/...`. */
  name: string;
  keyId: string;
  createdAt: number;
  lastUpdatedAt: number;
}

export interface KeyringContents {
  keys: KmsKeyRecord[];
  materials: KeyMaterialRecord[];
  aliases: KmsAliasRecord[];
}

export interface KeyStore {
  /** The value sealed by the root key when the keyring was created, which proves a root key is the right one. */
  getRootKeyCheck(): Promise<Buffer | undefined>;
  /** Stores the check value unless one exists; false (nothing written) when another process stored one first. */
  putRootKeyCheck(check: Buffer, now: number): Promise<boolean>;
  loadKeyring(): Promise<KeyringContents>;
  /** Creates a key with its first material, and an alias for it if given, in one transaction. */
  createKmsKey(key: KmsKeyRecord, material: KeyMaterialRecord, alias?: KmsAliasRecord): Promise<void>;
  /** Replaces the key's mutable fields (state, description, deletion, rotation schedule). */
  updateKmsKey(key: KmsKeyRecord): Promise<void>;
  /** Adds a material version and updates the key (its rotation schedule) in one transaction. */
  addKeyMaterial(material: KeyMaterialRecord, key: KmsKeyRecord): Promise<void>;
  /** Deletes the key with its material and aliases (its deletion date passed): what it sealed is unreadable. */
  deleteKmsKey(id: string): Promise<void>;
  /** Creates an alias; false when the name is taken. */
  createKmsAlias(alias: KmsAliasRecord): Promise<boolean>;
  /** Points an existing alias at another key; false when it does not exist. */
  updateKmsAlias(alias: KmsAliasRecord): Promise<boolean>;
  deleteKmsAlias(name: string): Promise<boolean>;
}
