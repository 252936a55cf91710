/** KMS aliases (the kms_aliases table): names pointing at keys. */
import type Database from 'better-sqlite3';
import type { KmsAliasRecord } from '../keys.js';

interface AliasRow {
  name: string;
  key_id: string;
  created_at: number;
  last_updated_at: number;
}

export class KmsAliases {
  readonly #insert;
  readonly #update;
  readonly #delete;
  readonly #all;

  constructor(db: Database.Database) {
    this.#insert = db.prepare<[string, string, number, number]>(
      'INSERT INTO kms_aliases (name, key_id, created_at, last_updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
    );
    this.#update = db.prepare<[string, number, string]>('UPDATE kms_aliases SET key_id = ?, last_updated_at = ? WHERE name = ?');
    this.#delete = db.prepare<[string]>('DELETE FROM kms_aliases WHERE name = ?');
    this.#all = db.prepare<[], AliasRow>('SELECT name, key_id, created_at, last_updated_at FROM kms_aliases ORDER BY name');
  }

  /** False when the name is taken. */
  insert(a: KmsAliasRecord): boolean {
    return this.#insert.run(a.name, a.keyId, a.createdAt, a.lastUpdatedAt).changes > 0;
  }

  update(a: KmsAliasRecord): boolean {
    return this.#update.run(a.keyId, a.lastUpdatedAt, a.name).changes > 0;
  }

  delete(name: string): boolean {
    return this.#delete.run(name).changes > 0;
  }

  all(): KmsAliasRecord[] {
    return this.#all.all().map((r) => ({ name: r.name, keyId: r.key_id, createdAt: r.created_at, lastUpdatedAt: r.last_updated_at }));
  }
}
