/**
 * The PostgreSQL KeyStore: the keyring's tables (schema-keys.ts), with the writes that span tables in one
 * transaction. Every process sharing the database reads the same keyring; one that meets a key it has not loaded
 * re-reads it (withLatestKeys in src/store/sealing.ts).
 */
import type pg from 'pg';
import type { KeyMaterialRecord, KeyringContents, KeyStore, KmsAliasRecord, KmsKeyRecord } from '../keys.js';
import { compact, transaction, type Queryable } from './database.js';

const KEY_COLUMNS = `id, arn, description, state, manager, created_at AS "createdAt", deletion_date AS "deletionDate",
  pending_window_days AS "pendingWindowDays", rotation_period_days AS "rotationPeriodDays", next_rotation_at AS "nextRotationAt"`;

function keyValues(key: KmsKeyRecord): unknown[] {
  return [key.id, key.arn, key.description, key.state, key.manager, key.createdAt, key.deletionDate ?? null, key.pendingWindowDays ?? null, key.rotationPeriodDays ?? null, key.nextRotationAt ?? null];
}

async function insertKey(db: Queryable, key: KmsKeyRecord): Promise<void> {
  await db.query(
    `INSERT INTO kms_keys (id, arn, description, state, manager, created_at, deletion_date, pending_window_days, rotation_period_days, next_rotation_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    keyValues(key),
  );
}

async function updateKey(db: Queryable, key: KmsKeyRecord): Promise<void> {
  await db.query(
    `UPDATE kms_keys SET description = $3, state = $4, deletion_date = $7, pending_window_days = $8, rotation_period_days = $9, next_rotation_at = $10
     WHERE id = $1 AND arn = $2 AND manager = $5 AND created_at = $6`,
    keyValues(key),
  );
}

async function insertMaterial(db: Queryable, m: KeyMaterialRecord): Promise<void> {
  await db.query('INSERT INTO kms_key_materials (key_id, version, sealed, created_at, rotation_type) VALUES ($1, $2, $3, $4, $5)', [
    m.keyId,
    m.version,
    m.sealed,
    m.createdAt,
    m.rotationType ?? null,
  ]);
}

async function insertAlias(db: Queryable, a: KmsAliasRecord): Promise<boolean> {
  const result = await db.query('INSERT INTO kms_aliases (name, key_id, created_at, last_updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING', [
    a.name,
    a.keyId,
    a.createdAt,
    a.lastUpdatedAt,
  ]);
  return result.rowCount === 1;
}

export class PostgresKeyStore implements KeyStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async getRootKeyCheck(): Promise<Buffer | undefined> {
    return (await this.#pool.query<{ check: Buffer }>('SELECT root_key_check AS check FROM keyring WHERE id = 1')).rows[0]?.check;
  }

  async putRootKeyCheck(check: Buffer, now: number): Promise<boolean> {
    const result = await this.#pool.query('INSERT INTO keyring (id, root_key_check, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [check, now]);
    return result.rowCount === 1;
  }

  async loadKeyring(): Promise<KeyringContents> {
    // One snapshot: a key created meanwhile by another process comes with its material or not at all.
    return transaction(this.#pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const keys = (await client.query(`SELECT ${KEY_COLUMNS} FROM kms_keys ORDER BY id`)).rows.map((r) => compact<KmsKeyRecord>(r));
      const materials = (
        await client.query(
          `SELECT key_id AS "keyId", version, sealed, created_at AS "createdAt", rotation_type AS "rotationType" FROM kms_key_materials ORDER BY key_id, version`,
        )
      ).rows.map((r) => compact<KeyMaterialRecord>(r));
      const aliases = (
        await client.query<KmsAliasRecord>(`SELECT name, key_id AS "keyId", created_at AS "createdAt", last_updated_at AS "lastUpdatedAt" FROM kms_aliases ORDER BY name`)
      ).rows;
      return { keys, materials, aliases };
    });
  }

  async createKmsKey(key: KmsKeyRecord, material: KeyMaterialRecord, alias?: KmsAliasRecord): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await insertKey(client, key);
      await insertMaterial(client, material);
      if (alias && !(await insertAlias(client, alias))) throw new Error(`alias ${alias.name} exists`);
    });
  }

  async updateKmsKey(key: KmsKeyRecord): Promise<void> {
    await updateKey(this.#pool, key);
  }

  async addKeyMaterial(material: KeyMaterialRecord, key: KmsKeyRecord): Promise<void> {
    await transaction(this.#pool, async (client) => {
      await insertMaterial(client, material);
      await updateKey(client, key);
    });
  }

  /** Material and aliases go with the key (ON DELETE CASCADE). */
  async deleteKmsKey(id: string): Promise<void> {
    await this.#pool.query('DELETE FROM kms_keys WHERE id = $1', [id]);
  }

  createKmsAlias(alias: KmsAliasRecord): Promise<boolean> {
    return insertAlias(this.#pool, alias);
  }

  async updateKmsAlias(alias: KmsAliasRecord): Promise<boolean> {
    return (await this.#pool.query('UPDATE kms_aliases SET key_id = $1, last_updated_at = $2 WHERE name = $3', [alias.keyId, alias.lastUpdatedAt, alias.name])).rowCount === 1;
  }

  async deleteKmsAlias(name: string): Promise<boolean> {
    return (await this.#pool.query('DELETE FROM kms_aliases WHERE name = $1', [name])).rowCount === 1;
  }
}
