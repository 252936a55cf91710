/**
 * Connections and API destinations: created once, read, listed, deleted (with their tags). A connection's
 * AuthParameters hold its secrets and are sealed under Mailroom's own key (src/store/sealing.ts).
 */
import type Database from 'better-sqlite3';
import type { Sealer } from '../../keys/sealer.js';
import type { ApiDestinationRecord, ConnectionRecord, ConnectionState, Page, PageRequest } from '../records.js';
import { toPage } from '../paging.js';
import { MAILROOM_DATA_KEY, openText, sealText } from '../sealing.js';
import { pageParams, pageWhere, setOptional, type PageParams } from './rows.js';

interface ConnectionRow {
  name: string;
  arn: string;
  description: string | null;
  authorization_type: ConnectionRecord['authorizationType'];
  state: ConnectionState;
  auth_parameters: Buffer;
  key_id: string | null;
  created_at: number;
  last_modified_at: number;
  last_authorized_at: number | null;
}

function toConnection(row: ConnectionRow, sealer: Sealer): ConnectionRecord {
  const connection: ConnectionRecord = {
    name: row.name,
    arn: row.arn,
    authorizationType: row.authorization_type,
    state: row.state,
    authParameters: openText(sealer, row.auth_parameters, row.key_id),
    createdAt: row.created_at,
    lastModifiedAt: row.last_modified_at,
  };
  setOptional(connection, 'description', row.description);
  setOptional(connection, 'lastAuthorizedAt', row.last_authorized_at);
  return connection;
}

interface ApiDestinationRow {
  name: string;
  arn: string;
  description: string | null;
  connection_arn: string;
  endpoint: string;
  http_method: string;
  invocation_rate_limit_per_second: number | null;
  state: ApiDestinationRecord['state'];
  created_at: number;
  last_modified_at: number;
}

function toApiDestination(row: ApiDestinationRow): ApiDestinationRecord {
  const destination: ApiDestinationRecord = {
    name: row.name,
    arn: row.arn,
    connectionArn: row.connection_arn,
    endpoint: row.endpoint,
    httpMethod: row.http_method,
    state: row.state,
    createdAt: row.created_at,
    lastModifiedAt: row.last_modified_at,
  };
  setOptional(destination, 'description', row.description);
  setOptional(destination, 'invocationRateLimitPerSecond', row.invocation_rate_limit_per_second);
  return destination;
}

/** A name-keyed table whose rows are deleted together with the tags of their ARN. */
function deleter(db: Database.Database, table: string): (name: string) => boolean {
  const deleteTags = db.prepare<[string]>(`DELETE FROM tags WHERE arn IN (SELECT arn FROM ${table} WHERE name = ?)`);
  const deleteRow = db.prepare<[string]>(`DELETE FROM ${table} WHERE name = ?`);
  const remove = db.transaction((name: string): boolean => {
    deleteTags.run(name);
    return deleteRow.run(name).changes > 0;
  });
  return (name) => remove.immediate(name);
}

export class Connections {
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #delete;

  constructor(
    db: Database.Database,
    private readonly sealer: Sealer,
  ) {
    this.#insert = db.prepare(
      `INSERT INTO connections (name, arn, description, authorization_type, state, auth_parameters, key_id, created_at,
                                last_modified_at, last_authorized_at)
       VALUES (@name, @arn, @description, @authorizationType, @state, @authParameters, @keyId, @createdAt, @lastModifiedAt,
               @lastAuthorizedAt)
       ON CONFLICT (name) DO NOTHING`,
    );
    this.#get = db.prepare<[string], ConnectionRow>('SELECT * FROM connections WHERE name = ?');
    this.#list = db.prepare<PageParams, ConnectionRow>(`SELECT * FROM connections WHERE ${pageWhere('name')} ORDER BY name LIMIT @limit`);
    this.#delete = deleter(db, 'connections');
  }

  create(c: ConnectionRecord): boolean {
    const sealed = sealText(this.sealer, MAILROOM_DATA_KEY, c.authParameters);
    return (
      this.#insert.run({
        name: c.name,
        arn: c.arn,
        description: c.description ?? null,
        authorizationType: c.authorizationType,
        state: c.state,
        authParameters: sealed.blob,
        keyId: sealed.keyId,
        createdAt: c.createdAt,
        lastModifiedAt: c.lastModifiedAt,
        lastAuthorizedAt: c.lastAuthorizedAt ?? null,
      }).changes > 0
    );
  }

  get(name: string): ConnectionRecord | undefined {
    const row = this.#get.get(name);
    return row && toConnection(row, this.sealer);
  }

  list(page: PageRequest): Page<ConnectionRecord> {
    return toPage(this.#list.all(pageParams(page)).map((row) => toConnection(row, this.sealer)), page, (c) => c.name);
  }

  delete(name: string): boolean {
    return this.#delete(name);
  }
}

export class ApiDestinations {
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #delete;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO api_destinations (name, arn, description, connection_arn, endpoint, http_method,
                                     invocation_rate_limit_per_second, state, created_at, last_modified_at)
       VALUES (@name, @arn, @description, @connectionArn, @endpoint, @httpMethod, @invocationRateLimitPerSecond, @state,
               @createdAt, @lastModifiedAt)
       ON CONFLICT (name) DO NOTHING`,
    );
    this.#get = db.prepare<[string], ApiDestinationRow>('SELECT * FROM api_destinations WHERE name = ?');
    this.#list = db.prepare<PageParams, ApiDestinationRow>(
      `SELECT * FROM api_destinations WHERE ${pageWhere('name')} ORDER BY name LIMIT @limit`,
    );
    this.#delete = deleter(db, 'api_destinations');
  }

  create(d: ApiDestinationRecord): boolean {
    return (
      this.#insert.run({
        name: d.name,
        arn: d.arn,
        description: d.description ?? null,
        connectionArn: d.connectionArn,
        endpoint: d.endpoint,
        httpMethod: d.httpMethod,
        invocationRateLimitPerSecond: d.invocationRateLimitPerSecond ?? null,
        state: d.state,
        createdAt: d.createdAt,
        lastModifiedAt: d.lastModifiedAt,
      }).changes > 0
    );
  }

  get(name: string): ApiDestinationRecord | undefined {
    const row = this.#get.get(name);
    return row && toApiDestination(row);
  }

  list(page: PageRequest): Page<ApiDestinationRecord> {
    return toPage(this.#list.all(pageParams(page)).map(toApiDestination), page, (d) => d.name);
  }

  delete(name: string): boolean {
    return this.#delete(name);
  }
}
