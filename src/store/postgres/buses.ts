/** Event buses. Deleting one takes its rules, their targets and all their tags with it. Changes are logged (config-changes.ts). */
import type pg from 'pg';
import type { BusRecord, Page, PageRequest } from '../records.js';
import { toPage } from '../paging.js';
import { LOGGED_CHANGES as log } from '../config-changes.js';
import type { ConfigChanges } from './config-changes.js';
import { compact, pageClause, pageValues } from './database.js';

const COLUMNS = `name, arn, description, kms_key_identifier AS "kmsKeyIdentifier", dead_letter_arn AS "deadLetterArn", policy,
  created_at AS "createdAt", last_modified_at AS "lastModifiedAt"`;

export class Buses {
  constructor(
    private readonly pool: pg.Pool,
    private readonly changes: ConfigChanges,
  ) {}

  /** False when the name is taken; an ARN clash under another name is a bug and throws. */
  create(bus: BusRecord): Promise<boolean> {
    return this.changes.write(
      async (client) =>
        (await client.query(
          `INSERT INTO buses (name, arn, description, kms_key_identifier, dead_letter_arn, policy, created_at, last_modified_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING`,
          [bus.name, bus.arn, bus.description ?? null, bus.kmsKeyIdentifier ?? null, bus.deadLetterArn ?? null, bus.policy ?? null, bus.createdAt, bus.lastModifiedAt],
        )).rowCount === 1,
      (created) => log.bus(bus.name, created),
    );
  }

  async get(name: string): Promise<BusRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM buses WHERE name = $1`, [name]);
    return rows[0] && compact<BusRecord>(rows[0]);
  }

  async list(page: PageRequest): Promise<Page<BusRecord>> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM buses WHERE ${pageClause('name', 1)}`, pageValues(page));
    return toPage(rows.map((r) => compact<BusRecord>(r)), page, (b) => b.name);
  }

  delete(name: string): Promise<boolean> {
    return this.changes.write(async (client) => {
      await client.query('DELETE FROM tags WHERE arn IN (SELECT arn FROM buses WHERE name = $1 UNION ALL SELECT arn FROM rules WHERE bus = $1)', [name]);
      // Rules and targets go by ON DELETE CASCADE.
      return (await client.query('DELETE FROM buses WHERE name = $1', [name])).rowCount === 1;
    }, (deleted) => log.bus(name, deleted));
  }
}
