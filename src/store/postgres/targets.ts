/** Targets of a rule: added or replaced by Id under a per-rule limit, removed by Id. Changes are logged (config-changes.ts). */
import type pg from 'pg';
import type { Page, PageRequest, TargetRecord } from '../records.js';
import type { PutTargetsResult } from '../store.js';
import { toPage } from '../paging.js';
import { LOGGED_CHANGES as log, removedAny } from '../config-changes.js';
import type { ConfigChanges } from './config-changes.js';
import { pageClause, pageValues } from './database.js';

const COLUMNS = 'bus, rule, id, arn, spec';

export class Targets {
  constructor(
    private readonly pool: pg.Pool,
    private readonly changes: ConfigChanges,
  ) {}

  /** The records' own bus and rule fields are ignored: the targets are put on `bus`/`rule`. */
  put(bus: string, rule: string, targets: TargetRecord[], max: number): Promise<PutTargetsResult> {
    return this.changes.write(async (client): Promise<PutTargetsResult> => {
      // Locking the rule serialises PutTargets on it, so two concurrent calls cannot both pass the limit check.
      if ((await client.query('SELECT 1 FROM rules WHERE bus = $1 AND name = $2 FOR UPDATE', [bus, rule])).rowCount === 0) return 'rule-not-found';
      // Count the rule's targets as they would be afterwards: a replaced Id is still one target.
      const after = new Set((await client.query<{ id: string }>('SELECT id FROM targets WHERE bus = $1 AND rule = $2', [bus, rule])).rows.map((r) => r.id));
      for (const t of targets) after.add(t.id);
      if (after.size > max) return 'limit-exceeded';
      // The last of several entries with one Id wins, as with one upsert after another.
      const byId = new Map(targets.map((t) => [t.id, t]));
      await client.query(
        `INSERT INTO targets (${COLUMNS}) SELECT $1::text, $2::text, * FROM unnest($3::text[], $4::text[], $5::text[])
         ON CONFLICT (bus, rule, id) DO UPDATE SET arn = excluded.arn, spec = excluded.spec`,
        [bus, rule, [...byId.keys()], [...byId.values()].map((t) => t.arn), [...byId.values()].map((t) => t.spec)],
      );
      return 'ok';
    }, (result) => log.targets(bus, rule, result === 'ok'));
  }

  /** Returns the Ids that were not there, in the order given. */
  remove(bus: string, rule: string, ids: string[]): Promise<string[]> {
    return this.changes.write(async (client) => {
      const { rows } = await client.query<{ id: string }>('DELETE FROM targets WHERE bus = $1 AND rule = $2 AND id = ANY($3) RETURNING id', [bus, rule, ids]);
      const removed = new Set(rows.map((r) => r.id));
      return [...new Set(ids)].filter((id) => !removed.has(id));
    }, (missing) => log.targets(bus, rule, removedAny(ids, missing)));
  }

  async list(bus: string, rule: string): Promise<TargetRecord[]> {
    return (await this.pool.query<TargetRecord>(`SELECT ${COLUMNS} FROM targets WHERE bus = $1 AND rule = $2 ORDER BY id`, [bus, rule])).rows;
  }

  async all(bus: string): Promise<TargetRecord[]> {
    return (await this.pool.query<TargetRecord>(`SELECT ${COLUMNS} FROM targets WHERE bus = $1 ORDER BY rule, id`, [bus])).rows;
  }

  async ruleNamesByTarget(bus: string, arn: string, page: PageRequest): Promise<Page<string>> {
    const { rows } = await this.pool.query<{ rule: string }>(
      `SELECT DISTINCT rule FROM targets WHERE bus = $1 AND arn = $2 AND ${pageClause('rule', 3)}`,
      [bus, arn, ...pageValues(page)],
    );
    return toPage(rows.map((r) => r.rule), page, (name) => name);
  }
}
