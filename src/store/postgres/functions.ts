/** Function registrations on PostgreSQL: one row per name holding its spec as JSON. */
import type pg from 'pg';

export class Functions {
  constructor(private readonly pool: pg.Pool) {}

  async put(name: string, spec: string, now: number): Promise<void> {
    await this.pool.query(
      'INSERT INTO functions (name, spec, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at',
      [name, spec, now],
    );
  }

  async delete(name: string): Promise<boolean> {
    return (await this.pool.query('DELETE FROM functions WHERE name = $1', [name])).rowCount === 1;
  }

  async all(): Promise<Record<string, string>> {
    const { rows } = await this.pool.query<{ name: string; spec: string }>('SELECT name, spec FROM functions ORDER BY name');
    return Object.fromEntries(rows.map((r) => [r.name, r.spec]));
  }
}
