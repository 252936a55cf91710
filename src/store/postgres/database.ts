/**
 * The PostgreSQL connection pool and the two ways the statement modules use it: a transaction on one pooled
 * connection, and a batch written optimistically in one statement that falls back to one savepoint per item.
 *
 * Hot paths (ingest, claims, settlements, receives) are single statements sent in autocommit: PostgreSQL commits a
 * statement on its own, so a data-modifying CTE that writes several tables is one round trip and one commit.
 */
import pg from 'pg';
import { fetchSize } from '../paging.js';
import type { PageRequest } from '../records.js';

/** A pool or one of its connections: statement modules run on either. */
export type Queryable = pg.Pool | pg.PoolClient;

// Integer columns hold milliseconds since the epoch and counts: bigint (int8), which node-postgres returns as a
// string by default, since it can exceed 2^53. Mailroom's values never do, so they are read as numbers.
const INT8 = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export function createPool(url: string, size: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: size, types, application_name: 'mailroom' });
  // An idle connection the server closed (restart, failover) is reported here; without a listener it would crash
  // the process. The pool drops it, and the next query opens a fresh connection.
  pool.on('error', () => {});
  return pool;
}

/** Runs `fn` inside BEGIN ... COMMIT on one connection; rolls back if it throws. */
export async function transaction<R>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      // The connection is unusable: do not hand it back to the pool.
      broken = rollbackError;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * Writes `items` with `write` in one statement; if that fails, writes them again one by one inside one transaction,
 * each in its own savepoint, so one bad item (a duplicate id, a constraint) fails alone while the others still
 * share the commit. Per item, in order: its result, or the error that kept it out. The optimistic statement needs
 * no savepoints, which would cost round trips on every commit for a failure that is rare.
 */
export async function writeIsolated<T, R>(pool: pg.Pool, items: T[], write: (db: Queryable, items: T[]) => Promise<R[]>): Promise<(R | Error)[]> {
  try {
    return await write(pool, items);
  } catch {
    return transaction(pool, async (client) => {
      const results: (R | Error)[] = [];
      for (const item of items) {
        await client.query('SAVEPOINT item');
        try {
          results.push(...(await write(client, [item])));
          await client.query('RELEASE SAVEPOINT item');
        } catch (error) {
          // If the connection itself failed, this throws too, and the whole group fails with it.
          await client.query('ROLLBACK TO SAVEPOINT item');
          results.push(error instanceof Error ? error : new Error(String(error)));
        }
      }
      return results;
    });
  }
}

/**
 * The parameters for `unnest($1::a[], $2::b[], ...)`: one array per column, filled by its getter from every row, so
 * a batch of any size is a fixed number of parameters.
 */
export function columns<T>(rows: readonly T[], getters: readonly ((row: T) => unknown)[]): unknown[][] {
  return getters.map((get) => rows.map(get));
}

/** A row without its NULL columns, so optional record fields are absent rather than null. */
export function compact<T>(row: Record<string, unknown>): T {
  for (const key of Object.keys(row)) if (row[key] === null) delete row[key];
  return row as T;
}

/**
 * The WHERE tail for paging by `column` with parameters $n (prefix), $n+1 (after) and $n+2 (limit): a prefix
 * compared exactly (LIKE would treat `_` and `%` as wildcards), an exclusive lower bound, ascending. Names are
 * `COLLATE "C"` columns, so the order is by code point, as on SQLite. Bind `pageValues(page)` there.
 */
export function pageClause(column: string, n: number): string {
  return `($${n}::text IS NULL OR starts_with(${column}, $${n})) AND ($${n + 1}::text IS NULL OR ${column} > $${n + 1})
    ORDER BY ${column} LIMIT $${n + 2}`;
}

export function pageValues(page: PageRequest): [string | null, string | null, number] {
  return [page.prefix ?? null, page.after ?? null, fetchSize(page)];
}
