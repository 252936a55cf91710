/** Versions of KMS key material (the kms_key_materials table), each sealed by the root key; only ever added. */
import type Database from 'better-sqlite3';
import type { KeyMaterialRecord } from '../keys.js';

interface MaterialRow {
  key_id: string;
  version: number;
  sealed: Buffer;
  created_at: number;
  rotation_type: KeyMaterialRecord['rotationType'] | null;
}

export class KmsKeyMaterials {
  readonly #insert;
  readonly #all;

  constructor(db: Database.Database) {
    this.#insert = db.prepare<[string, number, Buffer, number, string | null]>(
      'INSERT INTO kms_key_materials (key_id, version, sealed, created_at, rotation_type) VALUES (?, ?, ?, ?, ?)',
    );
    this.#all = db.prepare<[], MaterialRow>('SELECT key_id, version, sealed, created_at, rotation_type FROM kms_key_materials ORDER BY key_id, version');
  }

  insert(m: KeyMaterialRecord): void {
    this.#insert.run(m.keyId, m.version, m.sealed, m.createdAt, m.rotationType ?? null);
  }

  all(): KeyMaterialRecord[] {
    return this.#all.all().map((r) => {
      const m: KeyMaterialRecord = { keyId: r.key_id, version: r.version, sealed: r.sealed, createdAt: r.created_at };
      if (r.rotation_type !== null) m.rotationType = r.rotation_type;
      return m;
    });
  }
}
