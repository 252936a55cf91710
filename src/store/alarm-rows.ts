/**
 * What both backends' alarm tables share: the columns an alarm is kept in, turning such a row into an AlarmRecord,
 * and cutting a page of history rows (fetched `limit + 1`) with its cursor. The SQL around them is each backend's.
 */
import type { AlarmConfig, AlarmHistoryRecord, AlarmRecord, AlarmStateValue } from './alarms.js';

export interface AlarmRow {
  name: string;
  arn: string;
  config: string;
  /** A boolean on PostgreSQL, 0 or 1 on SQLite. */
  actions_enabled: boolean | number;
  config_updated_at: number;
  state_value: AlarmStateValue;
  state_reason: string;
  state_reason_data: string | null;
  state_updated_at: number;
  state_transitioned_at: number;
  state_version: number;
  next_evaluation_at: number;
}

export const ALARM_COLUMNS = `name, arn, config, actions_enabled, config_updated_at, state_value, state_reason, state_reason_data,
  state_updated_at, state_transitioned_at, state_version, next_evaluation_at`;

/** The members of an alarm's config that list actions (DescribeAlarms' ActionPrefix looks in all three). */
export const ACTION_LISTS = ['OKActions', 'AlarmActions', 'InsufficientDataActions'] as const;

export function toAlarmRecord(row: AlarmRow): AlarmRecord {
  return {
    name: row.name,
    arn: row.arn,
    config: JSON.parse(row.config) as AlarmConfig,
    actionsEnabled: Boolean(row.actions_enabled),
    configUpdatedAt: row.config_updated_at,
    state: {
      value: row.state_value,
      reason: row.state_reason,
      ...(row.state_reason_data !== null && { reasonData: row.state_reason_data }),
      updatedAt: row.state_updated_at,
      transitionedAt: row.state_transitioned_at,
      version: row.state_version,
    },
    nextEvaluationAt: row.next_evaluation_at,
  };
}

export interface HistoryRow {
  seq: number;
  alarm_name: string;
  timestamp: number;
  type: AlarmHistoryRecord['type'];
  summary: string;
  data: string;
}

/** Up to `limit` of the `limit + 1` rows fetched, and the cursor ([timestamp, seq] as JSON) when more follow. */
export function historyPage(rows: HistoryRow[], limit: number): { items: AlarmHistoryRecord[]; after?: string } {
  const page = rows.slice(0, limit);
  const items = page.map((r) => ({ alarmName: r.alarm_name, timestamp: r.timestamp, type: r.type, summary: r.summary, data: r.data }));
  if (rows.length <= limit) return { items };
  const last = page[page.length - 1]!;
  return { items, after: JSON.stringify([last.timestamp, last.seq]) };
}
