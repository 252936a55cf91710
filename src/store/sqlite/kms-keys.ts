/** KMS keys (the kms_keys table): insert, replace the mutable fields, delete, and read them all for the keyring. */
import type Database from 'better-sqlite3';
import type { KmsKeyRecord } from '../keys.js';
import { setOptional } from './rows.js';

interface KeyRow {
  id: string;
  arn: string;
  description: string;
  state: KmsKeyRecord['state'];
  manager: KmsKeyRecord['manager'];
  created_at: number;
  deletion_date: number | null;
  pending_window_days: number | null;
  rotation_period_days: number | null;
  next_rotation_at: number | null;
}

function toRecord(row: KeyRow): KmsKeyRecord {
  const key: KmsKeyRecord = { id: row.id, arn: row.arn, description: row.description, state: row.state, manager: row.manager, createdAt: row.created_at };
  setOptional(key, 'deletionDate', row.deletion_date);
  setOptional(key, 'pendingWindowDays', row.pending_window_days);
  setOptional(key, 'rotationPeriodDays', row.rotation_period_days);
  setOptional(key, 'nextRotationAt', row.next_rotation_at);
  return key;
}

function toParams(key: KmsKeyRecord) {
  return {
    id: key.id,
    arn: key.arn,
    description: key.description,
    state: key.state,
    manager: key.manager,
    createdAt: key.createdAt,
    deletionDate: key.deletionDate ?? null,
    pendingWindowDays: key.pendingWindowDays ?? null,
    rotationPeriodDays: key.rotationPeriodDays ?? null,
    nextRotationAt: key.nextRotationAt ?? null,
  };
}

export class KmsKeys {
  readonly #insert;
  readonly #update;
  readonly #delete;
  readonly #all;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO kms_keys (id, arn, description, state, manager, created_at, deletion_date, pending_window_days, rotation_period_days, next_rotation_at)
       VALUES (@id, @arn, @description, @state, @manager, @createdAt, @deletionDate, @pendingWindowDays, @rotationPeriodDays, @nextRotationAt)`,
    );
    this.#update = db.prepare(
      `UPDATE kms_keys SET description = @description, state = @state, deletion_date = @deletionDate, pending_window_days = @pendingWindowDays,
              rotation_period_days = @rotationPeriodDays, next_rotation_at = @nextRotationAt
       WHERE id = @id`,
    );
    this.#delete = db.prepare<[string]>('DELETE FROM kms_keys WHERE id = ?');
    this.#all = db.prepare<[], KeyRow>('SELECT * FROM kms_keys ORDER BY id');
  }

  insert(key: KmsKeyRecord): void {
    this.#insert.run(toParams(key));
  }

  update(key: KmsKeyRecord): void {
    this.#update.run(toParams(key));
  }

  /** Material and aliases go with the key (ON DELETE CASCADE). */
  delete(id: string): void {
    this.#delete.run(id);
  }

  all(): KmsKeyRecord[] {
    return this.#all.all().map(toRecord);
  }
}
