/** The keyring table's one row: the root key's check value (see src/keys/root-key.ts). */
import type Database from 'better-sqlite3';

export class KeyringCheck {
  readonly #get;
  readonly #put;

  constructor(db: Database.Database) {
    this.#get = db.prepare<[], Buffer>('SELECT root_key_check FROM keyring WHERE id = 1').pluck();
    this.#put = db.prepare<[Buffer, number]>('INSERT INTO keyring (id, root_key_check, created_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING');
  }

  get(): Buffer | undefined {
    return this.#get.get();
  }

  /** False when a check value was already there. */
  put(check: Buffer, now: number): boolean {
    return this.#put.run(check, now).changes > 0;
  }
}
