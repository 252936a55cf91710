/**
 * Connections and API destinations: created once, read, listed, deleted (with their tags). Creations and deletions
 * are logged (config-changes.ts), so every process's delivery engine drops what it had looked up. A connection's
 * AuthParameters hold its secrets and are sealed under Mailroom's own key (src/store/sealing.ts).
 */
import type pg from 'pg';
import type { ApiDestinationRecord, ConnectionRecord, Page, PageRequest } from '../records.js';
import { toPage } from '../paging.js';
import { LOGGED_CHANGES as log, type NewConfigChange } from '../config-changes.js';
import type { ConfigChanges } from './config-changes.js';
import { compact, pageClause, pageValues } from './database.js';
import type { Sealer } from '../../keys/sealer.js';
import { MAILROOM_DATA_KEY, openText, sealText } from '../sealing.js';

const CONNECTION_COLUMNS = `name, arn, description, authorization_type AS "authorizationType", state, auth_parameters AS "authParameters",
  key_id AS "keyId", created_at AS "createdAt", last_modified_at AS "lastModifiedAt", last_authorized_at AS "lastAuthorizedAt"`;

function toConnection(sealer: Sealer, { authParameters, keyId, ...row }: Record<string, unknown>): ConnectionRecord {
  return compact<ConnectionRecord>({ ...row, authParameters: openText(sealer, authParameters as Buffer, keyId as string | null) });
}

const API_DESTINATION_COLUMNS = `name, arn, description, connection_arn AS "connectionArn", endpoint, http_method AS "httpMethod",
  invocation_rate_limit_per_second AS "invocationRateLimitPerSecond", state, created_at AS "createdAt", last_modified_at AS "lastModifiedAt"`;

/** Inserts (unless the name is taken), reads, lists and deletes (with the tags of its ARN) a name-keyed table. */
class NamedTable<T extends { name: string }> {
  constructor(
    protected readonly pool: pg.Pool,
    private readonly changes: ConfigChanges,
    private readonly table: string,
    private readonly columns: string,
    private readonly toRecord: (row: Record<string, unknown>) => T,
    private readonly logged: (name: string, changed: boolean) => NewConfigChange[],
  ) {}

  /** Inserts a row of `values` for the columns the statement names; false when the name is taken. */
  protected insert(name: string, sql: string, values: unknown[]): Promise<boolean> {
    return this.changes.write(async (client) => (await client.query(`${sql} ON CONFLICT (name) DO NOTHING`, values)).rowCount === 1, (created) => this.logged(name, created));
  }

  async get(name: string): Promise<T | undefined> {
    const { rows } = await this.pool.query(`SELECT ${this.columns} FROM ${this.table} WHERE name = $1`, [name]);
    return rows[0] && this.toRecord(rows[0]);
  }

  async list(page: PageRequest): Promise<Page<T>> {
    const { rows } = await this.pool.query(`SELECT ${this.columns} FROM ${this.table} WHERE ${pageClause('name', 1)}`, pageValues(page));
    return toPage(rows.map(this.toRecord), page, (r) => r.name);
  }

  delete(name: string): Promise<boolean> {
    return this.changes.write(async (client) => {
      await client.query(`DELETE FROM tags WHERE arn IN (SELECT arn FROM ${this.table} WHERE name = $1)`, [name]);
      return (await client.query(`DELETE FROM ${this.table} WHERE name = $1`, [name])).rowCount === 1;
    }, (deleted) => this.logged(name, deleted));
  }
}

export class Connections extends NamedTable<ConnectionRecord> {
  constructor(
    pool: pg.Pool,
    changes: ConfigChanges,
    private readonly sealer: Sealer,
  ) {
    super(pool, changes, 'connections', CONNECTION_COLUMNS, (row) => toConnection(sealer, row), log.connection);
  }

  create(c: ConnectionRecord): Promise<boolean> {
    const sealed = sealText(this.sealer, MAILROOM_DATA_KEY, c.authParameters);
    return this.insert(
      c.name,
      `INSERT INTO connections (name, arn, description, authorization_type, state, auth_parameters, key_id, created_at, last_modified_at, last_authorized_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [c.name, c.arn, c.description ?? null, c.authorizationType, c.state, sealed.blob, sealed.keyId, c.createdAt, c.lastModifiedAt, c.lastAuthorizedAt ?? null],
    );
  }
}

export class ApiDestinations extends NamedTable<ApiDestinationRecord> {
  constructor(pool: pg.Pool, changes: ConfigChanges) {
    super(pool, changes, 'api_destinations', API_DESTINATION_COLUMNS, (row) => compact<ApiDestinationRecord>(row), log.apiDestination);
  }

  create(d: ApiDestinationRecord): Promise<boolean> {
    return this.insert(
      d.name,
      `INSERT INTO api_destinations (name, arn, description, connection_arn, endpoint, http_method, invocation_rate_limit_per_second, state,
                                     created_at, last_modified_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [d.name, d.arn, d.description ?? null, d.connectionArn, d.endpoint, d.httpMethod, d.invocationRateLimitPerSecond ?? null, d.state, d.createdAt, d.lastModifiedAt],
    );
  }
}
