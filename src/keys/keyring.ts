/**
 * The keyring: every KMS key with all versions of its material, and the aliases, held in memory (there are few
 * keys) and written through the store's KeyStore methods. Key material is 32 random bytes per version, stored
 * sealed by the root key (AES-256-GCM, the key id and version as AAD) and unsealed here once, at load.
 *
 * Lookups are synchronous, for the sealer on the hot paths; changes are asynchronous and run one at a time, each
 * written to the store before it shows in memory. The rules of KMS's key states live here too (a disabled key
 * seals and opens nothing; AWS managed keys cannot be disabled or deleted), so every caller gets the same answer.
 *
 * Several processes may share one store: each keeps its own copy, re-read by `reload` (the sealer does when it
 * meets a key it does not know, the maintenance timer does periodically).
 */
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import { DEFAULT_REGION } from '../protocols/context.js';
import type { KeyMaterialRecord, KeyStore, KmsAliasRecord, KmsKeyManager, KmsKeyRecord } from '../store/keys.js';
import { decrypt, encrypt, KEY_BYTES, secretKey } from './aead.js';
import { KeyError } from './errors.js';
import { aliasArn, keyArn, MANAGED_KEYS, parseKeyRef } from './key-refs.js';

const DAY_MS = 86_400_000;
/** AWS managed keys rotate every year, and customer keys by default when rotation is enabled. */
export const DEFAULT_ROTATION_DAYS = 365;
/** KMS's lifetime limit on on-demand rotations of one key. */
export const MAX_ON_DEMAND_ROTATIONS = 25;

/** One material version as ListKeyRotations reports it (the first version is not a rotation). */
export interface RotationRecord {
  version: number;
  createdAt: number;
  rotationType: 'AUTOMATIC' | 'ON_DEMAND';
}

interface Entry {
  record: KmsKeyRecord;
  materials: Map<number, KeyObject>;
  current: number;
  rotations: RotationRecord[];
}

/** The material that seals with a key now: its newest version. */
export interface SealingMaterial {
  key: KmsKeyRecord;
  version: number;
  material: KeyObject;
}

export interface NewKey {
  description?: string;
  /** Region of the key's ARN (the caller's). */
  region?: string;
  manager?: KmsKeyManager;
}

function materialAad(keyId: string, version: number): Buffer {
  return Buffer.from(`mailroom key material ${keyId} v${version}`, 'utf8');
}

export class Keyring {
  readonly #store: KeyStore;
  readonly #root: KeyObject;
  readonly #clock: Clock;
  #keys = new Map<string, Entry>();
  #aliases = new Map<string, KmsAliasRecord>();
  #serial: Promise<unknown> = Promise.resolve();
  readonly #listeners: (() => void)[] = [];

  private constructor(store: KeyStore, root: KeyObject, clock: Clock) {
    this.#store = store;
    this.#root = root;
    this.#clock = clock;
  }

  /** Loads the keyring (the root key must already be verified) and creates the AWS managed keys it lacks. */
  static async open(store: KeyStore, root: KeyObject, clock: Clock): Promise<Keyring> {
    const keyring = new Keyring(store, root, clock);
    await keyring.#load();
    for (const [alias, description] of Object.entries(MANAGED_KEYS)) {
      if (keyring.#aliases.has(alias)) continue;
      try {
        await keyring.#create({ description, manager: 'AWS' }, alias);
      } catch (err) {
        // Another process sharing the store created it first.
        await keyring.#load();
        if (!keyring.#aliases.has(alias)) throw err;
      }
    }
    return keyring;
  }

  /** Re-reads keys, material and aliases from the store; material already unsealed is kept, not unsealed again. */
  reload(): Promise<void> {
    return this.#serialise(() => this.#load());
  }

  async #load(): Promise<void> {
    const { keys, materials, aliases } = await this.#store.loadKeyring();
    const next = new Map<string, Entry>();
    for (const record of keys) {
      next.set(record.id, { record, materials: new Map(), current: 0, rotations: [] });
    }
    for (const m of materials) {
      const entry = next.get(m.keyId);
      if (!entry) continue;
      entry.materials.set(m.version, this.#keys.get(m.keyId)?.materials.get(m.version) ?? this.#unseal(m));
      entry.current = Math.max(entry.current, m.version);
      if (m.rotationType) entry.rotations.push({ version: m.version, createdAt: m.createdAt, rotationType: m.rotationType });
    }
    this.#keys = next;
    this.#aliases = new Map(aliases.map((a) => [a.name, a]));
  }

  /** Calls `listener` after every change (a key created, changed, rotated or deleted; the keyring reloaded). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  // --- lookups ---

  /** The key a reference names (id, key ARN, alias name or alias ARN), whatever its state. */
  resolve(ref: string): KmsKeyRecord {
    return this.#entry(ref).record;
  }

  /** Every key, by id. */
  keys(): KmsKeyRecord[] {
    return [...this.#keys.values()].map((e) => e.record).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Every alias, by name. */
  aliases(): KmsAliasRecord[] {
    return [...this.#aliases.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  rotations(ref: string): RotationRecord[] {
    return [...this.#entry(ref).rotations];
  }

  /** The current material of an enabled key, for sealing; throws when the key cannot be used. */
  sealingMaterial(ref: string): SealingMaterial {
    const entry = this.#usable(this.#entry(ref));
    return { key: entry.record, version: entry.current, material: entry.materials.get(entry.current)! };
  }

  /** A version of an enabled key's material, for opening; throws when the key cannot be used or lacks it. */
  openingMaterial(keyId: string, version: number): KeyObject {
    const entry = this.#keys.get(keyId);
    if (!entry) throw this.#notFound(keyId);
    const material = this.#usable(entry).materials.get(version);
    if (!material) throw new KeyError('invalid-ciphertext', 'The ciphertext refers to key material that this key does not have.');
    return material;
  }

  // --- changes, one at a time ---

  createKey(input: NewKey): Promise<KmsKeyRecord> {
    return this.#serialise(() => this.#create(input));
  }

  setDescription(ref: string, description: string): Promise<KmsKeyRecord> {
    return this.#change(ref, (key) => ({ ...key, description }));
  }

  enable(ref: string): Promise<KmsKeyRecord> {
    return this.#change(ref, (key) => {
      this.#customerManaged(key, 'enable');
      this.#notPendingDeletion(key);
      return { ...key, state: 'Enabled' };
    });
  }

  disable(ref: string): Promise<KmsKeyRecord> {
    return this.#change(ref, (key) => {
      this.#customerManaged(key, 'disable');
      this.#notPendingDeletion(key);
      return { ...key, state: 'Disabled' };
    });
  }

  scheduleDeletion(ref: string, pendingWindowDays: number): Promise<KmsKeyRecord> {
    return this.#change(ref, (key) => {
      this.#customerManaged(key, 'schedule the deletion of');
      this.#notPendingDeletion(key);
      const { rotationPeriodDays: _p, nextRotationAt: _n, ...rest } = key;
      return { ...rest, state: 'PendingDeletion', deletionDate: this.#clock.now() + pendingWindowDays * DAY_MS, pendingWindowDays };
    });
  }

  /** Cancels a scheduled deletion; the key comes back disabled, as in KMS. */
  cancelDeletion(ref: string): Promise<KmsKeyRecord> {
    return this.#change(ref, (key) => {
      if (key.state !== 'PendingDeletion') throw new KeyError('invalid-state', `${key.arn} is not pending deletion.`);
      const { deletionDate: _d, pendingWindowDays: _w, ...rest } = key;
      return { ...rest, state: 'Disabled' };
    });
  }

  /** Turns automatic rotation on (every `periodDays`) or, with undefined, off. */
  setRotation(ref: string, periodDays: number | undefined): Promise<KmsKeyRecord> {
    return this.#change(ref, (key) => {
      this.#customerManaged(key, periodDays === undefined ? 'disable rotation of' : 'enable rotation of');
      this.#usable(this.#keys.get(key.id)!);
      const { rotationPeriodDays: _p, nextRotationAt: _n, ...rest } = key;
      if (periodDays === undefined) return rest;
      return { ...rest, rotationPeriodDays: periodDays, nextRotationAt: this.#clock.now() + periodDays * DAY_MS };
    });
  }

  /** RotateKeyOnDemand: a new material version at once; the automatic schedule is unchanged. */
  rotateNow(ref: string): Promise<KmsKeyRecord> {
    return this.#serialise(async () => {
      const entry = this.#usable(this.#entry(ref));
      this.#customerManaged(entry.record, 'rotate');
      if (entry.rotations.filter((r) => r.rotationType === 'ON_DEMAND').length >= MAX_ON_DEMAND_ROTATIONS) {
        throw new KeyError('limit-exceeded', `${entry.record.arn} has already been rotated on demand ${MAX_ON_DEMAND_ROTATIONS} times, the most KMS allows.`);
      }
      await this.#rotate(entry, 'ON_DEMAND', entry.record);
      return entry.record;
    });
  }

  createAlias(name: string, targetRef: string): Promise<void> {
    return this.#serialise(async () => {
      this.#customerAlias(name);
      if (this.#aliases.has(name)) throw new KeyError('already-exists', `An alias with the name ${aliasArn(DEFAULT_REGION, name)} already exists`);
      const key = this.#aliasTarget(targetRef);
      const now = this.#clock.now();
      const alias: KmsAliasRecord = { name, keyId: key.id, createdAt: now, lastUpdatedAt: now };
      if (!(await this.#store.createKmsAlias(alias))) throw new KeyError('already-exists', `An alias with the name ${aliasArn(DEFAULT_REGION, name)} already exists`);
      this.#aliases.set(name, alias);
    });
  }

  updateAlias(name: string, targetRef: string): Promise<void> {
    return this.#serialise(async () => {
      this.#customerAlias(name);
      const existing = this.#aliases.get(name);
      if (!existing) throw this.#notFound(name);
      const key = this.#aliasTarget(targetRef);
      const alias: KmsAliasRecord = { ...existing, keyId: key.id, lastUpdatedAt: this.#clock.now() };
      if (!(await this.#store.updateKmsAlias(alias))) throw this.#notFound(name);
      this.#aliases.set(name, alias);
    });
  }

  deleteAlias(name: string): Promise<void> {
    return this.#serialise(async () => {
      this.#customerAlias(name);
      if (!this.#aliases.has(name) || !(await this.#store.deleteKmsAlias(name))) throw this.#notFound(name);
      this.#aliases.delete(name);
    });
  }

  /**
   * What time does to keys: those whose deletion date has passed are deleted with their material (what they sealed
   * can never be opened again), and enabled keys due for automatic rotation rotate.
   */
  maintain(): Promise<void> {
    return this.#serialise(async () => {
      const now = this.#clock.now();
      for (const entry of [...this.#keys.values()]) {
        const key = entry.record;
        if (key.state === 'PendingDeletion' && key.deletionDate !== undefined && key.deletionDate <= now) {
          await this.#store.deleteKmsKey(key.id);
          this.#keys.delete(key.id);
          for (const [name, alias] of this.#aliases) if (alias.keyId === key.id) this.#aliases.delete(name);
        } else if (key.state === 'Enabled' && key.nextRotationAt !== undefined && key.rotationPeriodDays !== undefined && key.nextRotationAt <= now) {
          await this.#rotate(entry, 'AUTOMATIC', { ...key, nextRotationAt: now + key.rotationPeriodDays * DAY_MS });
        }
      }
    });
  }

  // --- internals ---

  async #create(input: NewKey, alias?: string): Promise<KmsKeyRecord> {
    const id = randomUUID();
    const now = this.#clock.now();
    const manager = input.manager ?? 'CUSTOMER';
    const record: KmsKeyRecord = { id, arn: keyArn(input.region ?? DEFAULT_REGION, id), description: input.description ?? '', state: 'Enabled', manager, createdAt: now };
    // AWS managed keys rotate every year, always.
    if (manager === 'AWS') Object.assign(record, { rotationPeriodDays: DEFAULT_ROTATION_DAYS, nextRotationAt: now + DEFAULT_ROTATION_DAYS * DAY_MS });
    const material = randomBytes(KEY_BYTES);
    const sealed: KeyMaterialRecord = { keyId: id, version: 1, sealed: encrypt(this.#root, material, materialAad(id, 1)), createdAt: now };
    const aliasRecord = alias === undefined ? undefined : { name: alias, keyId: id, createdAt: now, lastUpdatedAt: now };
    await this.#store.createKmsKey(record, sealed, aliasRecord);
    this.#keys.set(id, { record, materials: new Map([[1, secretKey(material)]]), current: 1, rotations: [] });
    if (aliasRecord) this.#aliases.set(alias!, aliasRecord);
    return record;
  }

  async #rotate(entry: Entry, rotationType: 'AUTOMATIC' | 'ON_DEMAND', updated: KmsKeyRecord): Promise<void> {
    const version = entry.current + 1;
    const now = this.#clock.now();
    const material = randomBytes(KEY_BYTES);
    const keyId = entry.record.id;
    await this.#store.addKeyMaterial({ keyId, version, sealed: encrypt(this.#root, material, materialAad(keyId, version)), createdAt: now, rotationType }, updated);
    entry.materials.set(version, secretKey(material));
    entry.current = version;
    entry.rotations.push({ version, createdAt: now, rotationType });
    entry.record = updated;
  }

  #change(ref: string, change: (key: KmsKeyRecord) => KmsKeyRecord): Promise<KmsKeyRecord> {
    return this.#serialise(async () => {
      const entry = this.#entry(ref);
      const updated = change(entry.record);
      await this.#store.updateKmsKey(updated);
      entry.record = updated;
      return updated;
    });
  }

  #serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn).then((result) => {
      for (const listener of this.#listeners) listener();
      return result;
    });
    this.#serial = run.catch(() => undefined);
    return run;
  }

  #unseal(m: KeyMaterialRecord): KeyObject {
    const material = decrypt(this.#root, m.sealed, 0, materialAad(m.keyId, m.version));
    // The root key was verified at open, so this is damage to the store, not a wrong key.
    if (!material) throw new Error(`key material ${m.keyId} version ${m.version} does not open with the root key; the store is damaged`);
    return secretKey(material);
  }

  #entry(ref: string): Entry {
    const parsed = parseKeyRef(ref);
    if (!parsed) throw new KeyError('not-found', `Invalid arn ${ref}`);
    if ('alias' in parsed) {
      const alias = this.#aliases.get(parsed.alias);
      const entry = alias && this.#keys.get(alias.keyId);
      if (!entry) throw this.#notFound(parsed.alias);
      return entry;
    }
    const entry = this.#keys.get(parsed.keyId);
    if (!entry) throw this.#notFound(parsed.keyId);
    return entry;
  }

  #usable(entry: Entry): Entry {
    if (entry.record.state === 'Disabled') throw new KeyError('disabled', `${entry.record.arn} is disabled.`);
    this.#notPendingDeletion(entry.record);
    return entry;
  }

  #notPendingDeletion(key: KmsKeyRecord): void {
    if (key.state === 'PendingDeletion') throw new KeyError('invalid-state', `${key.arn} is pending deletion.`);
  }

  #customerManaged(key: KmsKeyRecord, what: string): void {
    if (key.manager === 'AWS') throw new KeyError('unsupported', `You cannot ${what} an AWS managed key (${key.arn}).`);
  }

  #customerAlias(name: string): void {
    if (name.startsWith('alias/aws/')) throw new KeyError('not-authorized', `Aliases that begin with alias/aws/ are reserved for AWS managed keys: ${name}.`);
  }

  /** An alias may point at a key by id or key ARN only, and not at a key pending deletion. */
  #aliasTarget(ref: string): KmsKeyRecord {
    const parsed = parseKeyRef(ref);
    if (parsed && 'alias' in parsed) throw new KeyError('unsupported', `An alias must point at a key id or key ARN, not at another alias: ${ref}.`);
    const key = this.resolve(ref);
    if (key.manager === 'AWS') throw new KeyError('not-authorized', `An alias cannot point at an AWS managed key: ${key.arn}.`);
    this.#notPendingDeletion(key);
    return key;
  }

  #notFound(ref: string): KeyError {
    if (ref.startsWith('alias/')) return new KeyError('not-found', `Alias ${aliasArn(DEFAULT_REGION, ref)} is not found.`);
    return new KeyError('not-found', `Key '${keyArn(DEFAULT_REGION, ref)}' does not exist`);
  }
}
