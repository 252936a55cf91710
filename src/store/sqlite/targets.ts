/** Targets of a rule: added or replaced by Id under a per-rule limit, removed by Id. */
import type Database from 'better-sqlite3';
import type { Page, PageRequest, TargetRecord } from '../records.js';
import type { PutTargetsResult } from '../store.js';
import { toPage } from '../paging.js';
import { pageParams, pageWhere, type PageParams } from './rows.js';

const COLUMNS = 'bus, rule, id, arn, spec';

export class Targets {
  readonly #ruleExists;
  readonly #ids;
  readonly #upsert;
  readonly #delete;
  readonly #list;
  readonly #all;
  readonly #ruleNamesByArn;
  readonly #put;
  readonly #remove;

  constructor(db: Database.Database) {
    this.#ruleExists = db.prepare<[string, string]>('SELECT 1 FROM rules WHERE bus = ? AND name = ?');
    this.#ids = db.prepare<[string, string], string>('SELECT id FROM targets WHERE bus = ? AND rule = ?').pluck();
    this.#upsert = db.prepare<[string, string, string, string, string]>(
      `INSERT INTO targets (${COLUMNS}) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (bus, rule, id) DO UPDATE SET arn = excluded.arn, spec = excluded.spec`,
    );
    this.#delete = db.prepare<[string, string, string]>('DELETE FROM targets WHERE bus = ? AND rule = ? AND id = ?');
    this.#list = db.prepare<[string, string], TargetRecord>(`SELECT ${COLUMNS} FROM targets WHERE bus = ? AND rule = ? ORDER BY id`);
    this.#all = db.prepare<[string], TargetRecord>(`SELECT ${COLUMNS} FROM targets WHERE bus = ? ORDER BY rule, id`);
    this.#ruleNamesByArn = db.prepare<PageParams & { bus: string; arn: string }, { rule: string }>(
      `SELECT DISTINCT rule FROM targets WHERE bus = @bus AND arn = @arn AND ${pageWhere('rule')} ORDER BY rule LIMIT @limit`,
    );

    this.#put = db.transaction((bus: string, rule: string, targets: TargetRecord[], max: number): PutTargetsResult => {
      if (this.#ruleExists.get(bus, rule) === undefined) return 'rule-not-found';
      // Count the rule's targets as they would be afterwards: a replaced Id is still one target.
      const after = new Set(this.#ids.all(bus, rule));
      for (const t of targets) after.add(t.id);
      if (after.size > max) return 'limit-exceeded';
      for (const t of targets) this.#upsert.run(bus, rule, t.id, t.arn, t.spec);
      return 'ok';
    });
    this.#remove = db.transaction((bus: string, rule: string, ids: string[]): string[] => {
      const missing: string[] = [];
      for (const id of new Set(ids)) if (this.#delete.run(bus, rule, id).changes === 0) missing.push(id);
      return missing;
    });
  }

  /** The records' own bus and rule fields are ignored: the targets are put on `bus`/`rule`. */
  put(bus: string, rule: string, targets: TargetRecord[], maxPerRule: number): PutTargetsResult {
    return this.#put.immediate(bus, rule, targets, maxPerRule);
  }

  remove(bus: string, rule: string, ids: string[]): string[] {
    return this.#remove.immediate(bus, rule, ids);
  }

  list(bus: string, rule: string): TargetRecord[] {
    return this.#list.all(bus, rule);
  }

  all(bus: string): TargetRecord[] {
    return this.#all.all(bus);
  }

  ruleNamesByTarget(bus: string, arn: string, page: PageRequest): Page<string> {
    const rows = this.#ruleNamesByArn.all({ bus, arn, ...pageParams(page) }).map((r) => r.rule);
    return toPage(rows, page, (name) => name);
  }
}
