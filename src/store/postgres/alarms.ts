/**
 * CloudWatch alarms on PostgreSQL: configuration and state in `alarms`, history in `alarm_history`, and the
 * evaluators' claims. Every write carries its history items in the same statement or transaction.
 *
 * - Claims: one statement that locks the due, unleased alarms FOR UPDATE SKIP LOCKED and leases them, so processes
 *   claiming at the same moment never wait for each other and never get the same alarm: an alarm another claim
 *   holds is skipped, and one it has just leased no longer matches (PostgreSQL re-checks the condition on the
 *   newest version). So exactly one process evaluates an alarm for a period.
 * - State changes are conditional on the state version they were decided on (one UPDATE ... WHERE state_version).
 */
import type pg from 'pg';
import type { AlarmFilter, AlarmHistoryFilter, AlarmHistoryRecord, AlarmRecord, AlarmStateChange, AlarmStore } from '../alarms.js';
import { ACTION_LISTS, ALARM_COLUMNS as COLUMNS, historyPage, toAlarmRecord as toRecord, type AlarmRow, type HistoryRow } from '../alarm-rows.js';
import { columns, transaction, type Queryable } from './database.js';

/** History items as the parameters `historyRows(n)` reads. */
function historyValues(items: AlarmHistoryRecord[]): unknown[][] {
  return columns(items, [(h) => h.alarmName, (h) => h.timestamp, (h) => h.type, (h) => h.summary, (h) => h.data]);
}

/** The SELECT that inserts history items bound at $n..$n+4, in their order. */
function historyRows(n: number): string {
  return `SELECT * FROM unnest($${n}::text[], $${n + 1}::bigint[], $${n + 2}::text[], $${n + 3}::text[], $${n + 4}::text[]) WITH ORDINALITY
            AS h (alarm_name, timestamp, type, summary, data, n)`;
}

const HISTORY_COLUMNS = 'alarm_name, timestamp, type, summary, data';

type ClaimRequest = Parameters<AlarmStore['claimDueAlarms']>[0];
type Finish = Parameters<AlarmStore['finishAlarmEvaluation']>[0];

export class Alarms {
  constructor(private readonly pool: pg.Pool) {}

  /** An update replaces the configuration only: the state and the evaluation schedule carry on. */
  async put(alarm: AlarmRecord, history: AlarmHistoryRecord[]): Promise<'created' | 'updated'> {
    const s = alarm.state;
    const { rows } = await this.pool.query<{ created: boolean }>(
      `WITH put AS (
         INSERT INTO alarms (name, arn, config, namespace, metric_name, actions_enabled, config_updated_at, state_value, state_reason,
                             state_reason_data, state_updated_at, state_transitioned_at, state_version, next_evaluation_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (name) DO UPDATE SET arn = excluded.arn, config = excluded.config, namespace = excluded.namespace,
           metric_name = excluded.metric_name, actions_enabled = excluded.actions_enabled, config_updated_at = excluded.config_updated_at
         RETURNING xmax = 0 AS created
       ), history AS (
         INSERT INTO alarm_history (${HISTORY_COLUMNS}) SELECT ${HISTORY_COLUMNS} FROM (${historyRows(15)}) AS h ORDER BY n
       )
       SELECT created FROM put`,
      [alarm.name, alarm.arn, JSON.stringify(alarm.config), alarm.config.Namespace, alarm.config.MetricName, alarm.actionsEnabled, alarm.configUpdatedAt,
        s.value, s.reason, s.reasonData ?? null, s.updatedAt, s.transitionedAt, s.version, alarm.nextEvaluationAt, ...historyValues(history)],
    );
    return rows[0]!.created ? 'created' : 'updated';
  }

  async get(name: string): Promise<AlarmRecord | undefined> {
    const { rows } = await this.pool.query<AlarmRow>(`SELECT ${COLUMNS} FROM alarms WHERE name = $1`, [name]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(f: AlarmFilter): Promise<AlarmRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown) => `$${values.push(value)}`;
    if (f.names) where.push(`name = ANY (${bind(f.names)}::text[])`);
    if (f.namePrefix !== undefined) where.push(`starts_with(name, ${bind(f.namePrefix)})`);
    if (f.state) where.push(`state_value = ${bind(f.state)}`);
    if (f.actionPrefix !== undefined) {
      const prefix = bind(f.actionPrefix);
      where.push(ACTION_LISTS.map((list) => `EXISTS (SELECT 1 FROM jsonb_array_elements_text(config::jsonb -> '${list}') AS a WHERE starts_with(a, ${prefix}))`).join(' OR '));
    }
    if (f.metric) where.push(`namespace = ${bind(f.metric.namespace)} AND metric_name = ${bind(f.metric.name)}`);
    if (f.after !== undefined) where.push(`name > ${bind(f.after)}`);
    const { rows } = await this.pool.query<AlarmRow>(
      `SELECT ${COLUMNS} FROM alarms ${where.length ? `WHERE ${where.map((w) => `(${w})`).join(' AND ')}` : ''} ORDER BY name LIMIT ${bind(f.limit + 1)}`,
      values,
    );
    return rows.map(toRecord);
  }

  async count(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM alarms')).rows[0]!.n;
  }

  /** All or none: the named alarms are locked first, so a concurrent delete or put cannot slip in between. */
  delete(names: string[], history: AlarmHistoryRecord[]): Promise<string[]> {
    return transaction(this.pool, async (client) => {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM alarms WHERE name = ANY ($1::text[]) ORDER BY name FOR UPDATE', [names]);
      const found = new Set(rows.map((r) => r.name));
      const missing = names.filter((n) => !found.has(n));
      if (missing.length > 0) return missing;
      await client.query('DELETE FROM alarms WHERE name = ANY ($1::text[])', [names]);
      await this.#addHistory(client, history);
      return [];
    });
  }

  setActionsEnabled(names: string[], enabled: boolean, history: (alarm: AlarmRecord) => AlarmHistoryRecord[]): Promise<void> {
    return transaction(this.pool, async (client) => {
      const { rows } = await client.query<AlarmRow>(
        `SELECT ${COLUMNS} FROM alarms WHERE name = ANY ($1::text[]) AND actions_enabled <> $2 ORDER BY name FOR UPDATE`,
        [names, enabled],
      );
      if (rows.length === 0) return;
      await client.query('UPDATE alarms SET actions_enabled = $2 WHERE name = ANY ($1::text[])', [rows.map((r) => r.name), enabled]);
      // In the order the names were given, as each name's change is made.
      const byName = new Map(rows.map((r) => [r.name, r]));
      const changed = [...new Set(names)].flatMap((n) => (byName.has(n) ? [toRecord(byName.get(n)!)] : []));
      await this.#addHistory(client, changed.flatMap(history));
    });
  }

  changeState(change: AlarmStateChange): Promise<AlarmRecord | undefined> {
    return this.#changeState(this.pool, change);
  }

  /** One statement: the conditional update, and its history only when it was made. */
  async #changeState(db: Queryable, c: AlarmStateChange): Promise<AlarmRecord | undefined> {
    const { rows } = await db.query<AlarmRow>(
      `WITH changed AS (
         UPDATE alarms SET state_value = $3, state_reason = $4, state_reason_data = $5, state_updated_at = $6, state_transitioned_at = $7,
           state_version = state_version + 1
         WHERE name = $1 AND state_version = $2
         RETURNING ${COLUMNS}
       ), history AS (
         INSERT INTO alarm_history (${HISTORY_COLUMNS})
         SELECT ${HISTORY_COLUMNS} FROM (${historyRows(8)}) AS h WHERE EXISTS (SELECT 1 FROM changed) ORDER BY n
       )
       SELECT * FROM changed`,
      [c.name, c.expectedVersion, c.state.value, c.state.reason, c.state.reasonData ?? null, c.state.updatedAt, c.state.transitionedAt, ...historyValues(c.history)],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async claim(r: ClaimRequest): Promise<AlarmRecord[]> {
    const { rows } = await this.pool.query<AlarmRow>(
      `WITH due AS MATERIALIZED (
         SELECT name AS due_name FROM alarms
         WHERE (next_evaluation_at <= $1 OR next_evaluation_at > $5) AND (lease_until IS NULL OR lease_until <= $1 OR lease_until > $5)
         ORDER BY next_evaluation_at LIMIT $4
         FOR UPDATE SKIP LOCKED
       )
       UPDATE alarms SET lease_owner = $2, lease_until = $3 FROM due WHERE name = due_name
       RETURNING ${COLUMNS}`,
      [r.now, r.owner, r.leaseUntil, r.limit, r.horizon],
    );
    // RETURNING comes in no particular order.
    return rows.sort((x, y) => x.next_evaluation_at - y.next_evaluation_at || (x.name < y.name ? -1 : 1)).map(toRecord);
  }

  /** Without the lease (it expired and another evaluator took the alarm, or the alarm is gone) nothing is written. */
  finish(f: Finish): Promise<AlarmRecord | undefined> {
    return transaction(this.pool, async (client) => {
      const finished = await client.query(
        'UPDATE alarms SET next_evaluation_at = $1, lease_owner = NULL, lease_until = NULL WHERE name = $2 AND lease_owner = $3',
        [f.nextEvaluationAt, f.name, f.owner],
      );
      if (finished.rowCount === 0 || !f.change) return undefined;
      return this.#changeState(client, f.change);
    });
  }

  async nextEvaluationAt(): Promise<number | undefined> {
    return (await this.pool.query<{ at: number | null }>('SELECT min(next_evaluation_at) AS at FROM alarms')).rows[0]!.at ?? undefined;
  }

  addHistory(items: AlarmHistoryRecord[]): Promise<void> {
    return this.#addHistory(this.pool, items);
  }

  async #addHistory(db: Queryable, items: AlarmHistoryRecord[]): Promise<void> {
    if (items.length === 0) return;
    await db.query(`INSERT INTO alarm_history (${HISTORY_COLUMNS}) SELECT ${HISTORY_COLUMNS} FROM (${historyRows(1)}) AS h ORDER BY n`, historyValues(items));
  }

  async history(f: AlarmHistoryFilter): Promise<{ items: AlarmHistoryRecord[]; after?: string }> {
    const where: string[] = [];
    const values: unknown[] = [];
    const bind = (value: unknown) => `$${values.push(value)}`;
    if (f.alarmName !== undefined) where.push(`alarm_name = ${bind(f.alarmName)}`);
    if (f.type) where.push(`type = ${bind(f.type)}`);
    if (f.from !== undefined) where.push(`timestamp >= ${bind(f.from)}`);
    if (f.to !== undefined) where.push(`timestamp < ${bind(f.to)}`);
    const order = f.newestFirst ? 'DESC' : 'ASC';
    if (f.after !== undefined) {
      const [timestamp, seq] = JSON.parse(f.after) as [number, number];
      where.push(`(timestamp, seq) ${f.newestFirst ? '<' : '>'} (${bind(timestamp)}::bigint, ${bind(seq)}::bigint)`);
    }
    const { rows } = await this.pool.query<HistoryRow>(
      `SELECT seq, alarm_name, timestamp, type, summary, data FROM alarm_history
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY timestamp ${order}, seq ${order} LIMIT ${bind(f.limit + 1)}`,
      values,
    );
    return historyPage(rows, f.limit);
  }
}
