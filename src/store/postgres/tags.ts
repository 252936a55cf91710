/** Tags by resource ARN: merge on tag, remove by key. */
import type pg from 'pg';

export class Tags {
  constructor(private readonly pool: pg.Pool) {}

  async tag(arn: string, tags: Record<string, string>): Promise<void> {
    await this.pool.query(
      `INSERT INTO tags (arn, key, value) SELECT $1::text, * FROM unnest($2::text[], $3::text[])
       ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value`,
      [arn, Object.keys(tags), Object.values(tags)],
    );
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    await this.pool.query('DELETE FROM tags WHERE arn = $1 AND key = ANY($2)', [arn, keys]);
  }

  async list(arn: string): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ key: string; value: string }>('SELECT key, value FROM tags WHERE arn = $1 ORDER BY key', [arn]);
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }
}
