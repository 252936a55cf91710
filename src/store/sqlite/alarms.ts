/**
 * CloudWatch alarms on SQLite: configuration and state in `alarms`, history in `alarm_history`, and the evaluators'
 * claims (a lease per alarm, taken with one UPDATE ... RETURNING so two processes never claim the same alarm).
 * Every method that writes is one transaction with its history items.
 */
import type Database from 'better-sqlite3';
import type { AlarmFilter, AlarmHistoryFilter, AlarmHistoryRecord, AlarmRecord, AlarmStateChange } from '../alarms.js';
import { ACTION_LISTS, ALARM_COLUMNS as COLUMNS, historyPage, toAlarmRecord as toRecord, type AlarmRow, type HistoryRow } from '../alarm-rows.js';

interface ClaimRequest {
  now: number;
  owner: string;
  leaseUntil: number;
  limit: number;
  horizon: number;
}

export class Alarms {
  readonly #db: Database.Database;
  readonly #get;
  readonly #insert;
  readonly #update;
  readonly #count;
  readonly #delete;
  readonly #setActions;
  readonly #changeState;
  readonly #claim;
  readonly #finish;
  readonly #next;
  readonly #addHistory;
  readonly #put;
  readonly #deleteAll;
  readonly #setActionsAll;
  readonly #change;
  readonly #finishAll;
  readonly #appendHistory;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#get = db.prepare<[string], AlarmRow>(`SELECT ${COLUMNS} FROM alarms WHERE name = ?`);
    this.#insert = db.prepare(
      `INSERT INTO alarms (name, arn, config, namespace, metric_name, actions_enabled, config_updated_at, state_value, state_reason,
                           state_reason_data, state_updated_at, state_transitioned_at, state_version, next_evaluation_at)
       VALUES (@name, @arn, @config, @namespace, @metricName, @actionsEnabled, @configUpdatedAt, @stateValue, @stateReason,
               @stateReasonData, @stateUpdatedAt, @stateTransitionedAt, @stateVersion, @nextEvaluationAt)`,
    );
    // An update replaces the configuration only: the state and the evaluation schedule carry on.
    this.#update = db.prepare(
      `UPDATE alarms SET arn = @arn, config = @config, namespace = @namespace, metric_name = @metricName,
         actions_enabled = @actionsEnabled, config_updated_at = @configUpdatedAt WHERE name = @name`,
    );
    this.#count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM alarms');
    this.#delete = db.prepare<[string]>('DELETE FROM alarms WHERE name = ?');
    this.#setActions = db.prepare<[number, string]>('UPDATE alarms SET actions_enabled = ? WHERE name = ?');
    this.#changeState = db.prepare(
      `UPDATE alarms SET state_value = @value, state_reason = @reason, state_reason_data = @reasonData, state_updated_at = @updatedAt,
         state_transitioned_at = @transitionedAt, state_version = state_version + 1
       WHERE name = @name AND state_version = @expectedVersion
       RETURNING ${COLUMNS}`,
    );
    this.#claim = db.prepare<ClaimRequest, AlarmRow>(
      `UPDATE alarms SET lease_owner = @owner, lease_until = @leaseUntil
       WHERE name IN (SELECT name FROM alarms WHERE (next_evaluation_at <= @now OR next_evaluation_at > @horizon)
                        AND (lease_until IS NULL OR lease_until <= @now OR lease_until > @horizon)
                      ORDER BY next_evaluation_at LIMIT @limit)
       RETURNING ${COLUMNS}`,
    );
    this.#finish = db.prepare<[number, string, string]>(
      'UPDATE alarms SET next_evaluation_at = ?, lease_owner = NULL, lease_until = NULL WHERE name = ? AND lease_owner = ?',
    );
    this.#next = db.prepare<[], { at: number | null }>('SELECT min(next_evaluation_at) AS at FROM alarms');
    this.#addHistory = db.prepare<[string, number, string, string, string]>(
      'INSERT INTO alarm_history (alarm_name, timestamp, type, summary, data) VALUES (?, ?, ?, ?, ?)',
    );
    this.#appendHistory = (items: AlarmHistoryRecord[]) => {
      for (const h of items) this.#addHistory.run(h.alarmName, h.timestamp, h.type, h.summary, h.data);
    };
    this.#put = db.transaction((alarm: AlarmRecord, history: AlarmHistoryRecord[]): 'created' | 'updated' => {
      const params = {
        name: alarm.name,
        arn: alarm.arn,
        config: JSON.stringify(alarm.config),
        namespace: alarm.config.Namespace,
        metricName: alarm.config.MetricName,
        actionsEnabled: alarm.actionsEnabled ? 1 : 0,
        configUpdatedAt: alarm.configUpdatedAt,
      };
      const existed = this.#get.get(alarm.name) !== undefined;
      if (existed) this.#update.run(params);
      else {
        const s = alarm.state;
        this.#insert.run({
          ...params,
          stateValue: s.value,
          stateReason: s.reason,
          stateReasonData: s.reasonData ?? null,
          stateUpdatedAt: s.updatedAt,
          stateTransitionedAt: s.transitionedAt,
          stateVersion: s.version,
          nextEvaluationAt: alarm.nextEvaluationAt,
        });
      }
      this.#appendHistory(history);
      return existed ? 'updated' : 'created';
    });
    this.#deleteAll = db.transaction((names: string[], history: AlarmHistoryRecord[]): string[] => {
      const missing = names.filter((n) => this.#get.get(n) === undefined);
      if (missing.length > 0) return missing;
      for (const n of names) this.#delete.run(n);
      this.#appendHistory(history);
      return [];
    });
    this.#setActionsAll = db.transaction((names: string[], enabled: boolean, history: (alarm: AlarmRecord) => AlarmHistoryRecord[]) => {
      for (const n of names) {
        const row = this.#get.get(n);
        if (!row || Boolean(row.actions_enabled) === enabled) continue;
        this.#setActions.run(enabled ? 1 : 0, n);
        this.#appendHistory(history(toRecord(row)));
      }
    });
    this.#change = db.transaction((c: AlarmStateChange): AlarmRecord | undefined => {
      const row = this.#changeState.get({
        name: c.name,
        expectedVersion: c.expectedVersion,
        value: c.state.value,
        reason: c.state.reason,
        reasonData: c.state.reasonData ?? null,
        updatedAt: c.state.updatedAt,
        transitionedAt: c.state.transitionedAt,
      }) as AlarmRow | undefined;
      if (!row) return undefined;
      this.#appendHistory(c.history);
      return toRecord(row);
    });
    this.#finishAll = db.transaction((f: { name: string; owner: string; nextEvaluationAt: number; change?: AlarmStateChange }) => {
      // Without the lease (it expired and another evaluator took the alarm, or the alarm is gone) nothing is written.
      if (this.#finish.run(f.nextEvaluationAt, f.name, f.owner).changes === 0) return undefined;
      return f.change ? this.#change(f.change) : undefined;
    });
  }

  put(alarm: AlarmRecord, history: AlarmHistoryRecord[]): 'created' | 'updated' {
    return this.#put.immediate(alarm, history);
  }

  get(name: string): AlarmRecord | undefined {
    const row = this.#get.get(name);
    return row && toRecord(row);
  }

  list(f: AlarmFilter): AlarmRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: f.limit + 1 };
    if (f.names) {
      where.push(`name IN (SELECT value FROM json_each(@names))`);
      params.names = JSON.stringify(f.names);
    }
    if (f.namePrefix !== undefined) {
      where.push('substr(name, 1, length(@prefix)) = @prefix');
      params.prefix = f.namePrefix;
    }
    if (f.state) {
      where.push('state_value = @state');
      params.state = f.state;
    }
    if (f.actionPrefix !== undefined) {
      where.push(
        ACTION_LISTS.map((list) => `EXISTS (SELECT 1 FROM json_each(config, '$.${list}') a WHERE substr(a.value, 1, length(@action)) = @action)`).join(' OR '),
      );
      params.action = f.actionPrefix;
    }
    if (f.metric) {
      where.push('namespace = @namespace AND metric_name = @metricName');
      params.namespace = f.metric.namespace;
      params.metricName = f.metric.name;
    }
    if (f.after !== undefined) {
      where.push('name > @after');
      params.after = f.after;
    }
    const sql = `SELECT ${COLUMNS} FROM alarms ${where.length ? `WHERE ${where.map((w) => `(${w})`).join(' AND ')}` : ''} ORDER BY name LIMIT @limit`;
    return (this.#db.prepare(sql).all(params) as AlarmRow[]).map(toRecord);
  }

  count(): number {
    return this.#count.get()!.n;
  }

  delete(names: string[], history: AlarmHistoryRecord[]): string[] {
    return this.#deleteAll.immediate(names, history);
  }

  setActionsEnabled(names: string[], enabled: boolean, history: (alarm: AlarmRecord) => AlarmHistoryRecord[]): void {
    this.#setActionsAll.immediate(names, enabled, history);
  }

  changeState(change: AlarmStateChange): AlarmRecord | undefined {
    return this.#change.immediate(change);
  }

  claim(request: ClaimRequest): AlarmRecord[] {
    return this.#claim.all(request).map(toRecord);
  }

  finish(f: { name: string; owner: string; nextEvaluationAt: number; change?: AlarmStateChange }): AlarmRecord | undefined {
    return this.#finishAll.immediate(f);
  }

  nextEvaluationAt(): number | undefined {
    return this.#next.get()!.at ?? undefined;
  }

  addHistory(items: AlarmHistoryRecord[]): void {
    this.#db.transaction(this.#appendHistory).immediate(items);
  }

  history(f: AlarmHistoryFilter): { items: AlarmHistoryRecord[]; after?: string } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: f.limit + 1 };
    if (f.alarmName !== undefined) {
      where.push('alarm_name = @alarmName');
      params.alarmName = f.alarmName;
    }
    if (f.type) {
      where.push('type = @type');
      params.type = f.type;
    }
    if (f.from !== undefined) {
      where.push('timestamp >= @from');
      params.from = f.from;
    }
    if (f.to !== undefined) {
      where.push('timestamp < @to');
      params.to = f.to;
    }
    const order = f.newestFirst ? 'DESC' : 'ASC';
    if (f.after !== undefined) {
      const [timestamp, seq] = JSON.parse(f.after) as [number, number];
      where.push(`(timestamp, seq) ${f.newestFirst ? '<' : '>'} (@afterTimestamp, @afterSeq)`);
      params.afterTimestamp = timestamp;
      params.afterSeq = seq;
    }
    const sql = `SELECT seq, alarm_name, timestamp, type, summary, data FROM alarm_history
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY timestamp ${order}, seq ${order} LIMIT @limit`;
    return historyPage(this.#db.prepare(sql).all(params) as HistoryRow[], f.limit);
  }
}
