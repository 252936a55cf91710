/** Tags by resource ARN: merge on tag, remove by key. */
import type Database from 'better-sqlite3';

export class Tags {
  readonly #upsert;
  readonly #remove;
  readonly #list;
  readonly #tagAll;
  readonly #removeAll;

  constructor(db: Database.Database) {
    this.#upsert = db.prepare<[string, string, string]>(
      'INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value',
    );
    this.#remove = db.prepare<[string, string]>('DELETE FROM tags WHERE arn = ? AND key = ?');
    this.#list = db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM tags WHERE arn = ? ORDER BY key');
    this.#tagAll = db.transaction((arn: string, tags: Record<string, string>) => {
      for (const [key, value] of Object.entries(tags)) this.#upsert.run(arn, key, value);
    });
    this.#removeAll = db.transaction((arn: string, keys: string[]) => {
      for (const key of keys) this.#remove.run(arn, key);
    });
  }

  tag(arn: string, tags: Record<string, string>): void {
    this.#tagAll.immediate(arn, tags);
  }

  untag(arn: string, keys: string[]): void {
    this.#removeAll.immediate(arn, keys);
  }

  list(arn: string): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const row of this.#list.all(arn)) tags[row.key] = row.value;
    return tags;
  }
}
