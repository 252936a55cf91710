/** Rules of a bus. PutRule is an upsert that keeps the original creation time. */
import type Database from 'better-sqlite3';
import type { Page, PageRequest, RuleRecord, RuleState } from '../records.js';
import type { DeleteRuleResult } from '../store.js';
import { toPage } from '../paging.js';
import { pageParams, pageWhere, setOptional, type PageParams } from './rows.js';

interface RuleRow {
  bus: string;
  name: string;
  arn: string;
  event_pattern: string | null;
  schedule_expression: string | null;
  state: RuleState;
  description: string | null;
  role_arn: string | null;
  managed_by: string | null;
  created_at: number;
  last_modified_at: number;
}

function toRecord(row: RuleRow): RuleRecord {
  const rule: RuleRecord = {
    bus: row.bus,
    name: row.name,
    arn: row.arn,
    state: row.state,
    createdAt: row.created_at,
    lastModifiedAt: row.last_modified_at,
  };
  setOptional(rule, 'eventPattern', row.event_pattern);
  setOptional(rule, 'scheduleExpression', row.schedule_expression);
  setOptional(rule, 'description', row.description);
  setOptional(rule, 'roleArn', row.role_arn);
  setOptional(rule, 'managedBy', row.managed_by);
  return rule;
}

export class Rules {
  readonly #exists;
  readonly #upsert;
  readonly #get;
  readonly #list;
  readonly #all;
  readonly #countTargets;
  readonly #deleteTags;
  readonly #delete;
  readonly #put;
  readonly #remove;

  constructor(db: Database.Database) {
    this.#exists = db.prepare<[string, string], { arn: string }>('SELECT arn FROM rules WHERE bus = ? AND name = ?');
    // Every field is replaced except created_at: a PutRule on an existing rule is an update, not a re-creation.
    this.#upsert = db.prepare(
      `INSERT INTO rules (bus, name, arn, event_pattern, schedule_expression, state, description, role_arn, managed_by,
                          created_at, last_modified_at)
       VALUES (@bus, @name, @arn, @eventPattern, @scheduleExpression, @state, @description, @roleArn, @managedBy,
               @createdAt, @lastModifiedAt)
       ON CONFLICT (bus, name) DO UPDATE SET
         arn = excluded.arn, event_pattern = excluded.event_pattern, schedule_expression = excluded.schedule_expression,
         state = excluded.state, description = excluded.description, role_arn = excluded.role_arn,
         managed_by = excluded.managed_by, last_modified_at = excluded.last_modified_at`,
    );
    this.#get = db.prepare<[string, string], RuleRow>('SELECT * FROM rules WHERE bus = ? AND name = ?');
    this.#list = db.prepare<PageParams & { bus: string }, RuleRow>(
      `SELECT * FROM rules WHERE bus = @bus AND ${pageWhere('name')} ORDER BY name LIMIT @limit`,
    );
    this.#all = db.prepare<[string], RuleRow>('SELECT * FROM rules WHERE bus = ? ORDER BY name');
    this.#countTargets = db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM targets WHERE bus = ? AND rule = ?');
    this.#deleteTags = db.prepare<[string]>('DELETE FROM tags WHERE arn = ?');
    // Targets go by ON DELETE CASCADE.
    this.#delete = db.prepare<[string, string]>('DELETE FROM rules WHERE bus = ? AND name = ?');

    this.#put = db.transaction((rule: RuleRecord): boolean => {
      const existed = this.#exists.get(rule.bus, rule.name) !== undefined;
      this.#upsert.run({
        bus: rule.bus,
        name: rule.name,
        arn: rule.arn,
        eventPattern: rule.eventPattern ?? null,
        scheduleExpression: rule.scheduleExpression ?? null,
        state: rule.state,
        description: rule.description ?? null,
        roleArn: rule.roleArn ?? null,
        managedBy: rule.managedBy ?? null,
        createdAt: rule.createdAt,
        lastModifiedAt: rule.lastModifiedAt,
      });
      return !existed;
    });
    this.#remove = db.transaction((bus: string, name: string, force: boolean): DeleteRuleResult => {
      const rule = this.#exists.get(bus, name);
      if (!rule) return 'not-found';
      if (!force && this.#countTargets.get(bus, name)!.n > 0) return 'has-targets';
      this.#deleteTags.run(rule.arn);
      this.#delete.run(bus, name);
      return 'deleted';
    });
  }

  put(rule: RuleRecord): boolean {
    return this.#put.immediate(rule);
  }

  get(bus: string, name: string): RuleRecord | undefined {
    const row = this.#get.get(bus, name);
    return row && toRecord(row);
  }

  list(bus: string, page: PageRequest): Page<RuleRecord> {
    return toPage(this.#list.all({ bus, ...pageParams(page) }).map(toRecord), page, (r) => r.name);
  }

  all(bus: string): RuleRecord[] {
    return this.#all.all(bus).map(toRecord);
  }

  delete(bus: string, name: string, force: boolean): DeleteRuleResult {
    return this.#remove.immediate(bus, name, force);
  }
}
