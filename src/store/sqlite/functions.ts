/** Function registrations: one row per name holding its spec as JSON. */
import type Database from 'better-sqlite3';

export class Functions {
  readonly #put;
  readonly #delete;
  readonly #all;

  constructor(db: Database.Database) {
    this.#put = db.prepare<[string, string, number]>(
      'INSERT INTO functions (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at',
    );
    this.#delete = db.prepare<[string]>('DELETE FROM functions WHERE name = ?');
    this.#all = db.prepare<[], { name: string; spec: string }>('SELECT name, spec FROM functions ORDER BY name');
  }

  put(name: string, spec: string, now: number): void {
    this.#put.run(name, spec, now);
  }
  delete(name: string): boolean {
    return this.#delete.run(name).changes > 0;
  }
  all(): Record<string, string> {
    return Object.fromEntries(this.#all.all().map((r) => [r.name, r.spec]));
  }
}
