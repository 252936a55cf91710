/**
 * The SQLite KeyStore: the keyring's tables (keyring-check.ts, kms-keys.ts, kms-key-materials.ts, kms-aliases.ts)
 * behind the async interface, with the writes that span tables in one transaction. Writes go through `write`, which
 * SqliteStore passes in so they run between ingest commits like every other main-connection write.
 */
import type Database from 'better-sqlite3';
import type { KeyMaterialRecord, KeyringContents, KeyStore, KmsAliasRecord, KmsKeyRecord } from '../keys.js';
import { KeyringCheck } from './keyring-check.js';
import { KmsAliases } from './kms-aliases.js';
import { KmsKeyMaterials } from './kms-key-materials.js';
import { KmsKeys } from './kms-keys.js';

export type MainWrite = <R>(fn: () => R) => Promise<R>;

export class SqliteKeyStore implements KeyStore {
  readonly #write: MainWrite;
  readonly #check: KeyringCheck;
  readonly #keys: KmsKeys;
  readonly #materials: KmsKeyMaterials;
  readonly #aliases: KmsAliases;
  readonly #createKey;
  readonly #addMaterial;

  constructor(db: Database.Database, write: MainWrite) {
    this.#write = write;
    this.#check = new KeyringCheck(db);
    this.#keys = new KmsKeys(db);
    this.#materials = new KmsKeyMaterials(db);
    this.#aliases = new KmsAliases(db);
    this.#createKey = db.transaction((key: KmsKeyRecord, material: KeyMaterialRecord, alias: KmsAliasRecord | undefined) => {
      this.#keys.insert(key);
      this.#materials.insert(material);
      if (alias && !this.#aliases.insert(alias)) throw new Error(`alias ${alias.name} exists`);
    });
    this.#addMaterial = db.transaction((material: KeyMaterialRecord, key: KmsKeyRecord) => {
      this.#materials.insert(material);
      this.#keys.update(key);
    });
  }

  async getRootKeyCheck(): Promise<Buffer | undefined> {
    return this.#check.get();
  }
  putRootKeyCheck(check: Buffer, now: number): Promise<boolean> {
    return this.#write(() => this.#check.put(check, now));
  }
  async loadKeyring(): Promise<KeyringContents> {
    return { keys: this.#keys.all(), materials: this.#materials.all(), aliases: this.#aliases.all() };
  }
  createKmsKey(key: KmsKeyRecord, material: KeyMaterialRecord, alias?: KmsAliasRecord): Promise<void> {
    return this.#write(() => this.#createKey.immediate(key, material, alias));
  }
  updateKmsKey(key: KmsKeyRecord): Promise<void> {
    return this.#write(() => this.#keys.update(key));
  }
  addKeyMaterial(material: KeyMaterialRecord, key: KmsKeyRecord): Promise<void> {
    return this.#write(() => this.#addMaterial.immediate(material, key));
  }
  deleteKmsKey(id: string): Promise<void> {
    return this.#write(() => this.#keys.delete(id));
  }
  createKmsAlias(alias: KmsAliasRecord): Promise<boolean> {
    return this.#write(() => this.#aliases.insert(alias));
  }
  updateKmsAlias(alias: KmsAliasRecord): Promise<boolean> {
    return this.#write(() => this.#aliases.update(alias));
  }
  deleteKmsAlias(name: string): Promise<boolean> {
    return this.#write(() => this.#aliases.delete(name));
  }
}
