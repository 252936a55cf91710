/**
 * PostgreSQL for test files. `testDatabase()` gives the calling test file its own fresh database: on ONE embedded
 * server per test process (started on first use, stopped after the file's tests), or — when
 * MAILROOM_TEST_DATABASE_URL is set — on that server instead. Inside it, each test takes a schema of its own (a URL
 * whose search_path points there), much cheaper than a database per test:
 *
 * - `freshSchema()`: a new, empty schema, for tests of migration itself or of several stores at once;
 * - `storeSchema()`: the file's one migrated schema, emptied back to the state a first start leaves (migrated, the
 *   default bus), for a test that needs one empty store: deleting the few rows a test wrote is far cheaper than
 *   creating the tables again. One test at a time: the previous test's store must be closed.
 *
 * On an external server without the right to create databases, the file's schemas go in the given database
 * instead; everything a file made there is dropped after its tests.
 *
 * Call `testDatabase()` at the top level of a test file: it registers its clean-up with node:test's `after`.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/index.js';
import { runOnce, startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';

/** The root key every test store on PostgreSQL opens with: the processes sharing a database share one. */
export const TEST_ROOT_KEY = { base64: randomBytes(32).toString('base64') };

export interface TestDatabase {
  /** The file's database (the default schema). */
  url: string;
  freshSchema(): Promise<string>;
  storeSchema(): Promise<string>;
}

const INSUFFICIENT_PRIVILEGE = '42501';

/** Clean-ups of this process, run last-in first-out after its tests: the server goes after what uses it. */
const cleanUps: (() => Promise<unknown>)[] = [];
let embedded: Promise<EmbeddedServer> | undefined;

function atEnd(fn: () => Promise<unknown>): void {
  if (cleanUps.length === 0) after(async () => {
    for (const cleanUp of cleanUps.reverse()) await cleanUp();
  });
  cleanUps.push(fn);
}

function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function serverUrl(): Promise<(database: string) => string> {
  const external = process.env.MAILROOM_TEST_DATABASE_URL;
  if (external) return (database) => Object.assign(new URL(external), { pathname: `/${database}` }).toString();
  if (!embedded) {
    embedded = startEmbeddedPostgres({ durable: false });
    const started = embedded;
    atEnd(async () => (await started).stop());
  }
  return (await embedded).url;
}

export async function testDatabase(): Promise<TestDatabase> {
  const name = `mailroom_test_${randomBytes(6).toString('hex')}`;
  const external = process.env.MAILROOM_TEST_DATABASE_URL;
  const urlOf = await serverUrl();
  let url = urlOf(name);
  let schemaPrefix = 's';
  try {
    await runOnce(external ?? urlOf('postgres'), `CREATE DATABASE ${name}`);
    if (external) atEnd(() => runOnce(external, `DROP DATABASE ${name} WITH (FORCE)`));
  } catch (error) {
    if (!external || (error as { code?: string }).code !== INSUFFICIENT_PRIVILEGE) throw error;
    url = external;
    schemaPrefix = `${name}_s`;
  }
  // One connection makes every schema of the file.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const schemas: string[] = [];
  atEnd(async () => {
    if (url === external) for (const schema of schemas) await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  });

  const freshSchema = async () => {
    const schema = `${schemaPrefix}${schemas.length + 1}`;
    schemas.push(schema);
    await admin.query(`CREATE SCHEMA ${schema}`);
    return withSearchPath(url, schema);
  };
  let store: { url: string; reset: string } | undefined;
  return {
    url,
    freshSchema,
    storeSchema: async () => {
      if (!store) {
        const schemaUrl = await freshSchema();
        await (await openStore({ path: schemaUrl, rootKey: TEST_ROOT_KEY })).close();
        store = { url: schemaUrl, reset: await resetStatement(admin, schemas.at(-1)!) };
      } else {
        await admin.query(store.reset);
      }
      return store.url;
    },
  };
}

/**
 * One statement (a DO block) that puts every table of `schema` back as it is now: rows deleted, those there now
 * (the default bus, the migration ledger) written back. Tables go children first, so no foreign key is in the way.
 * Worked out from the catalog, so migrations added later are covered without changing this.
 */
async function resetStatement(admin: pg.Client, schema: string): Promise<string> {
  const { rows } = await admin.query<{ name: string; parents: string[] }>(
    `SELECT c.relname AS name, array_remove(array_agg(DISTINCT p.relname), NULL) AS parents
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'f'
     LEFT JOIN pg_class p ON p.oid = k.confrelid AND p.oid <> c.oid
     WHERE n.nspname = $1 AND c.relkind = 'r'
     GROUP BY c.relname`,
    [schema],
  );
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    // Every table referring to this one goes first.
    for (const child of rows.filter((r) => r.parents.includes(name))) visit(child.name);
    order.push(name);
  };
  for (const { name } of rows) visit(name);
  const steps: string[] = [];
  const seeds: string[] = [];
  for (const name of order) {
    const table = `${schema}.${name}`;
    const { rows: [seed] } = await admin.query<{ rows: unknown[] | null }>(`SELECT json_agg(t) AS rows FROM ${table} t`);
    steps.push(`DELETE FROM ${table};`);
    if (seed?.rows) seeds.unshift(`INSERT INTO ${table} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${table}, ${pg.escapeLiteral(JSON.stringify(seed.rows))});`);
  }
  return `DO $reset$ BEGIN ${steps.join(' ')} ${seeds.join(' ')} END $reset$`;
}
