/**
 * PostgreSQL migration 6's SQL: CloudWatch alarms, their history, and the distribution column that lets metric
 * buckets answer percentiles, as SQLite's (sqlite/alarms-schema.ts). Kept apart from migrations.ts so the schema of
 * one feature reads in one place.
 */
export const ALARMS_MIGRATION_SQL = `
-- Values → counts of a bucket's samples as a JSON array of [value, count], when known and not implied by the
-- aggregates (one sample, or min = max); NULL otherwise. See store/metric-distribution.ts.
ALTER TABLE metrics ADD COLUMN distribution text;
-- ListMetrics pages in code-point order, as everywhere.
ALTER TABLE metrics ALTER COLUMN namespace TYPE text COLLATE "C", ALTER COLUMN name TYPE text COLLATE "C",
  ALTER COLUMN dimensions TYPE text COLLATE "C";

-- config is the validated PutMetricAlarm input as JSON text; namespace and metric_name are copied out of it for
-- DescribeAlarmsForMetric. The state_* columns change on every transition; state_version makes state writes
-- conditional. next_evaluation_at, lease_owner and lease_until are the evaluators' claims (see store/alarms.ts).
CREATE TABLE alarms (
  name text COLLATE "C" PRIMARY KEY,
  arn text NOT NULL,
  config text NOT NULL,
  namespace text NOT NULL,
  metric_name text NOT NULL,
  actions_enabled boolean NOT NULL,
  config_updated_at bigint NOT NULL,
  state_value text NOT NULL CHECK (state_value IN ('OK', 'ALARM', 'INSUFFICIENT_DATA')),
  state_reason text NOT NULL,
  state_reason_data text,
  state_updated_at bigint NOT NULL,
  state_transitioned_at bigint NOT NULL,
  state_version integer NOT NULL,
  next_evaluation_at bigint NOT NULL,
  lease_owner text,
  lease_until bigint
);

-- Evaluators claim by due time.
CREATE INDEX alarms_due ON alarms (next_evaluation_at);
CREATE INDEX alarms_by_metric ON alarms (namespace, metric_name);

-- History outlives its alarm, as in CloudWatch; seq orders items of the same millisecond.
CREATE TABLE alarm_history (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alarm_name text COLLATE "C" NOT NULL,
  timestamp bigint NOT NULL,
  type text NOT NULL CHECK (type IN ('ConfigurationUpdate', 'StateUpdate', 'Action')),
  summary text NOT NULL,
  data text NOT NULL
);

CREATE INDEX alarm_history_by_alarm ON alarm_history (alarm_name, timestamp, seq);
CREATE INDEX alarm_history_by_time ON alarm_history (timestamp, seq);
`;
