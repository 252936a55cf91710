/**
 * PostgreSQL for test files. `testDatabase()` gives the calling test file its own fresh database: on ONE embedded
 * server per test process (started on first use, stopped after the file's tests), or — when
 * MAILROOM_TEST_DATABASE_URL is set — on that server instead. Inside it, `freshSchema()` gives each test an empty
 * schema (a URL whose search_path points there), which is much cheaper than a database per test.
 *
 * On an external server without the right to create databases, the file gets a family of schemas in the given
 * database instead; they are dropped after the file's tests either way.
 *
 * Call `testDatabase()` at the top level of a test file: it registers its clean-up with node:test's `after`.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { runOnce, startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';

export interface TestDatabase {
  /** The file's database (the default schema). */
  url: string;
  /** A URL on the file's database whose tables live in a new, empty schema. */
  freshSchema(): Promise<string>;
}

const INSUFFICIENT_PRIVILEGE = '42501';

let embedded: Promise<EmbeddedServer> | undefined;

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function testDatabase(): Promise<TestDatabase> {
  const name = `mailroom_test_${randomBytes(6).toString('hex')}`;
  const external = process.env.MAILROOM_TEST_DATABASE_URL;
  let serverUrl: (database: string) => string;
  if (external) {
    serverUrl = (database) => Object.assign(new URL(external), { pathname: `/${database}` }).toString();
  } else {
    if (!embedded) {
      embedded = startEmbeddedPostgres({ durable: false });
      after(async () => (await embedded!).stop());
    }
    serverUrl = (await embedded).url;
  }
  const admin = external ?? serverUrl('postgres');
  let url = serverUrl(name);
  let schemaPrefix = 's';
  try {
    await runOnce(admin, `CREATE DATABASE ${name}`);
    if (external) after(() => runOnce(admin, `DROP DATABASE ${name} WITH (FORCE)`));
  } catch (error) {
    if (!external || (error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
    url = external;
    schemaPrefix = `${name}_s`;
  }
  const schemas: string[] = [];
  if (url === external) after(async () => {
    for (const schema of schemas) await runOnce(url, `DROP SCHEMA ${schema} CASCADE`);
  });
  return {
    url,
    freshSchema: async () => {
      const schema = `${schemaPrefix}${schemas.length + 1}`;
      schemas.push(schema);
      await runOnce(url, `CREATE SCHEMA ${schema}`);
      return withSearchPath(url, schema);
    },
  };
}
