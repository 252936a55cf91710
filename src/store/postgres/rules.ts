/** Rules of a bus. PutRule is an upsert that keeps the original creation time. Changes are logged (config-changes.ts). */
import type pg from 'pg';
import type { Page, PageRequest, RuleRecord } from '../records.js';
import type { DeleteRuleResult } from '../store.js';
import { toPage } from '../paging.js';
import { LOGGED_CHANGES as log } from '../config-changes.js';
import type { ConfigChanges } from './config-changes.js';
import { compact, pageClause, pageValues } from './database.js';

const COLUMNS = `bus, name, arn, event_pattern AS "eventPattern", schedule_expression AS "scheduleExpression", state, description,
  role_arn AS "roleArn", managed_by AS "managedBy", created_at AS "createdAt", last_modified_at AS "lastModifiedAt"`;

const toRecord = (row: Record<string, unknown>) => compact<RuleRecord>(row);

export class Rules {
  constructor(
    private readonly pool: pg.Pool,
    private readonly changes: ConfigChanges,
  ) {}

  /** True when the rule was created; an unknown bus fails its foreign key and rejects. */
  put(rule: RuleRecord): Promise<boolean> {
    return this.changes.write((client) => this.#upsert(client, rule), () => log.rule(rule.bus, rule.name, true));
  }

  async #upsert(client: pg.PoolClient, rule: RuleRecord): Promise<boolean> {
    // Every field is replaced except created_at: a PutRule on an existing rule is an update, not a re-creation.
    // xmax is 0 only on a row this statement inserted, which tells a creation from an update in one statement.
    const { rows } = await client.query<{ created: boolean }>(
      `INSERT INTO rules (bus, name, arn, event_pattern, schedule_expression, state, description, role_arn, managed_by,
                          created_at, last_modified_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (bus, name) DO UPDATE SET
         arn = excluded.arn, event_pattern = excluded.event_pattern, schedule_expression = excluded.schedule_expression,
         state = excluded.state, description = excluded.description, role_arn = excluded.role_arn,
         managed_by = excluded.managed_by, last_modified_at = excluded.last_modified_at
       RETURNING xmax = 0 AS created`,
      [rule.bus, rule.name, rule.arn, rule.eventPattern ?? null, rule.scheduleExpression ?? null, rule.state, rule.description ?? null,
        rule.roleArn ?? null, rule.managedBy ?? null, rule.createdAt, rule.lastModifiedAt],
    );
    return rows[0]!.created;
  }

  async get(bus: string, name: string): Promise<RuleRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM rules WHERE bus = $1 AND name = $2`, [bus, name]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(bus: string, page: PageRequest): Promise<Page<RuleRecord>> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM rules WHERE bus = $1 AND ${pageClause('name', 2)}`, [bus, ...pageValues(page)]);
    return toPage(rows.map(toRecord), page, (r) => r.name);
  }

  async all(bus: string): Promise<RuleRecord[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM rules WHERE bus = $1 ORDER BY name`, [bus]);
    return rows.map(toRecord);
  }

  delete(bus: string, name: string, force: boolean): Promise<DeleteRuleResult> {
    return this.changes.write(async (client): Promise<DeleteRuleResult> => {
      // The row lock keeps a concurrent PutTargets (which locks the rule too) from adding a target after the check.
      const rule = (await client.query<{ arn: string }>('SELECT arn FROM rules WHERE bus = $1 AND name = $2 FOR UPDATE', [bus, name])).rows[0];
      if (!rule) return 'not-found';
      if (!force && (await client.query('SELECT 1 FROM targets WHERE bus = $1 AND rule = $2 LIMIT 1', [bus, name])).rowCount! > 0) return 'has-targets';
      await client.query('DELETE FROM tags WHERE arn = $1', [rule.arn]);
      // Targets go by ON DELETE CASCADE.
      await client.query('DELETE FROM rules WHERE bus = $1 AND name = $2', [bus, name]);
      return 'deleted';
    }, (result) => log.rule(bus, name, result === 'deleted'));
  }
}
