/**
 * The configuration change log on SQLite (ConfigChangeStore): control-plane writes run through `logged`, which
 * appends their changes in the same transaction; readers page through it by seq; pruning records how far it went.
 * One writer at a time (the main connection, between ingest commits), so seq is commit order.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../../clock.js';
import type { ConfigChange, NewConfigChange } from '../config-changes.js';
import { setOptional } from './rows.js';

interface ChangeRow {
  seq: number;
  kind: ConfigChange['kind'];
  bus: string | null;
  name: string;
  origin: string;
  at: number;
}

function toChange(row: ChangeRow): ConfigChange {
  const change: ConfigChange = { seq: row.seq, kind: row.kind, name: row.name, origin: row.origin, at: row.at };
  setOptional(change, 'bus', row.bus);
  return change;
}

export class SqliteConfigChanges {
  readonly #insert;
  readonly #latest;
  readonly #read;
  readonly #prune;
  readonly #logTx;
  readonly #readTx;

  constructor(
    db: Database.Database,
    private readonly origin: string,
    private readonly clock: Clock,
  ) {
    this.#insert = db.prepare<[string, string | null, string, string, number]>('INSERT INTO config_changes (kind, bus, name, origin, at) VALUES (?, ?, ?, ?, ?)');
    this.#latest = db.prepare<[], number>(
      'SELECT max(coalesce((SELECT max(seq) FROM config_changes), 0), (SELECT through FROM config_changes_pruned))',
    ).pluck();
    this.#read = db.prepare<[number, number], ChangeRow>('SELECT seq, kind, bus, name, origin, at FROM config_changes WHERE seq > ? ORDER BY seq LIMIT ?');
    const pruned = db.prepare<[], number>('SELECT through FROM config_changes_pruned').pluck();
    const prune = db.prepare<[number], { through: number | null }>(
      'DELETE FROM config_changes WHERE seq <= (SELECT max(seq) FROM config_changes WHERE at < ?) RETURNING seq AS through',
    );
    const advance = db.prepare<[number]>('UPDATE config_changes_pruned SET through = max(through, ?)');
    this.#prune = db.transaction((before: number): number => {
      const deleted = prune.all(before).map((r) => r.through!);
      if (deleted.length > 0) advance.run(Math.max(...deleted));
      return deleted.length;
    });
    this.#logTx = db.transaction((write: () => unknown, changes: (result: unknown) => NewConfigChange[]) => {
      const result = write();
      const at = this.clock.now();
      for (const c of changes(result)) this.#insert.run(c.kind, c.bus ?? null, c.name, this.origin, at);
      return result;
    });
    // One read transaction, so the changes and the prune mark are of the same moment.
    this.#readTx = db.transaction((after: number, limit: number) => ({ changes: this.#read.all(after, limit).map(toChange), missed: after < pruned.get()! }));
  }

  /**
   * Runs `write` in a transaction (a savepoint inside one already open) and appends the changes its result made,
   * so a change is logged exactly when it commits.
   */
  logged<R>(write: () => R, changes: (result: R) => NewConfigChange[]): R {
    return this.#logTx.immediate(write, changes as (result: unknown) => NewConfigChange[]) as R;
  }

  latest(): number {
    return this.#latest.get()!;
  }

  read(after: number, limit: number): { changes: ConfigChange[]; missed: boolean } {
    return this.#readTx(after, limit);
  }

  prune(before: number): number {
    return this.#prune.immediate(before);
  }
}
