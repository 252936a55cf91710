/**
 * Migration 6: CloudWatch alarms, their history, and the distribution column that lets metric buckets answer
 * percentiles. Kept apart from migrations.ts so the schema of one feature reads in one place.
 */
export const ALARMS_MIGRATION_SQL = `
-- Values → counts of a bucket's samples as a JSON array of [value, count], when known and not implied by the
-- aggregates (one sample, or min = max); NULL otherwise. See store/metric-distribution.ts.
ALTER TABLE metrics ADD COLUMN distribution TEXT;

-- config is the validated PutMetricAlarm input as JSON; namespace and metric_name are copied out of it for
-- DescribeAlarmsForMetric. The state_* columns change on every transition; state_version makes state writes
-- conditional. next_evaluation_at, lease_owner and lease_until are the evaluators' claims (see store/alarms.ts).
CREATE TABLE alarms (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL,
  config TEXT NOT NULL,
  namespace TEXT NOT NULL,
  metric_name TEXT NOT NULL,
  actions_enabled INTEGER NOT NULL CHECK (actions_enabled IN (0, 1)),
  config_updated_at INTEGER NOT NULL,
  state_value TEXT NOT NULL CHECK (state_value IN ('OK', 'ALARM', 'INSUFFICIENT_DATA')),
  state_reason TEXT NOT NULL,
  state_reason_data TEXT,
  state_updated_at INTEGER NOT NULL,
  state_transitioned_at INTEGER NOT NULL,
  state_version INTEGER NOT NULL,
  next_evaluation_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER
) STRICT;

-- Evaluators claim by due time.
CREATE INDEX alarms_due ON alarms (next_evaluation_at);
CREATE INDEX alarms_by_metric ON alarms (namespace, metric_name);

-- History outlives its alarm, as in CloudWatch; seq orders items of the same millisecond.
CREATE TABLE alarm_history (
  seq INTEGER PRIMARY KEY,
  alarm_name TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('ConfigurationUpdate', 'StateUpdate', 'Action')),
  summary TEXT NOT NULL,
  data TEXT NOT NULL
) STRICT;

CREATE INDEX alarm_history_by_alarm ON alarm_history (alarm_name, timestamp, seq);
CREATE INDEX alarm_history_by_time ON alarm_history (timestamp, seq);
`;
