/**
 * The PostgreSQL schema, as numbered, append-only migrations with the same numbers and names as SQLite's
 * (src/store/sqlite/migrations.ts), so one version means the same tables on either backend. Never edit or reorder
 * a migration that has shipped: add a new one.
 *
 * Conventions: times are bigint milliseconds since the epoch; names are `COLLATE "C"`, i.e. compared by code point,
 * the order every list method pages in (as SQLite's BINARY); payload-like columns are bytea with a key_id naming
 * the KMS key that sealed them (src/store/sealing.ts; NULL: plaintext).
 */

import type { Migration } from '../schema-version.js';
import { ALARMS_MIGRATION_SQL } from './schema-alarms.js';
import { CONFIG_CHANGES_SQL } from './schema-config-changes.js';
import { KEYS_SQL } from './schema-keys.js';
import { MOVE_TASKS_SQL } from './schema-move-tasks.js';
import { SEALING_SQL } from './schema-sealing.js';
import { TOPICS_SQL } from './schema-topics.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE buses (
  name text COLLATE "C" PRIMARY KEY,
  arn text NOT NULL UNIQUE,
  description text,
  kms_key_identifier text,
  dead_letter_arn text,
  policy text,
  created_at bigint NOT NULL,
  last_modified_at bigint NOT NULL
);

-- The default bus always exists, created at the migration's own time (from the injected clock, via the ledger).
INSERT INTO buses (name, arn, created_at, last_modified_at)
SELECT 'default', 'arn:aws:events:us-east-1:000000000000:event-bus/default', applied_at, applied_at
FROM schema_migrations WHERE version = 1;

CREATE TABLE rules (
  bus text COLLATE "C" NOT NULL REFERENCES buses (name) ON DELETE CASCADE,
  name text COLLATE "C" NOT NULL,
  arn text NOT NULL,
  event_pattern text,
  schedule_expression text,
  state text NOT NULL CHECK (state IN ('ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS')),
  description text,
  role_arn text,
  managed_by text,
  created_at bigint NOT NULL,
  last_modified_at bigint NOT NULL,
  PRIMARY KEY (bus, name)
);

CREATE TABLE targets (
  bus text COLLATE "C" NOT NULL,
  rule text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  arn text NOT NULL,
  spec text NOT NULL,
  PRIMARY KEY (bus, rule, id),
  FOREIGN KEY (bus, rule) REFERENCES rules (bus, name) ON DELETE CASCADE
);

-- ListRuleNamesByTarget.
CREATE INDEX targets_by_arn ON targets (bus, arn, rule);

CREATE TABLE connections (
  name text COLLATE "C" PRIMARY KEY,
  arn text NOT NULL UNIQUE,
  description text,
  authorization_type text NOT NULL CHECK (authorization_type IN ('API_KEY', 'BASIC', 'OAUTH_CLIENT_CREDENTIALS')),
  state text NOT NULL,
  auth_parameters bytea NOT NULL,
  key_id text,
  created_at bigint NOT NULL,
  last_modified_at bigint NOT NULL,
  last_authorized_at bigint
);

-- No foreign key to connections: EventBridge refers to a connection by ARN and checks it in the service.
CREATE TABLE api_destinations (
  name text COLLATE "C" PRIMARY KEY,
  arn text NOT NULL UNIQUE,
  description text,
  connection_arn text NOT NULL,
  endpoint text NOT NULL,
  http_method text NOT NULL,
  invocation_rate_limit_per_second integer,
  state text NOT NULL CHECK (state IN ('ACTIVE', 'INACTIVE')),
  created_at bigint NOT NULL,
  last_modified_at bigint NOT NULL
);

-- Tags hang off any resource ARN, so they cannot have a foreign key; deletes clean them up explicitly.
CREATE TABLE tags (
  arn text NOT NULL,
  key text COLLATE "C" NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (arn, key)
);

-- No foreign key to buses: an event outlives its bus while its deliveries are still going out. seq is the cheap,
-- append-only link deliveries refer to; the EventBridge id (time-ordered, see src/store/ids.ts) has its own index.
CREATE TABLE events (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  bus text NOT NULL,
  received_at bigint NOT NULL,
  payload bytea NOT NULL,
  key_id text
);

-- The outbox: one row per (event, matched target); rule and target ARNs are copied in because a delivery still goes
-- out after its rule or target is removed. Ids are time-ordered and, from one process, strictly increasing, so
-- ordering by id is creation order. event_seq has no foreign key: every insert takes it from its event (ingest by
-- a join, follow-ups by a lookup that leaves it NULL, and fails, for an unknown event), and the per-row check cost
-- a quarter of ingest's time in the database (bench/store-ingest.ts).
CREATE TABLE deliveries (
  id text COLLATE "C" PRIMARY KEY,
  event_seq bigint NOT NULL,
  event_id text NOT NULL,
  bus text NOT NULL,
  rule_name text NOT NULL,
  rule_arn text NOT NULL,
  target_id text NOT NULL,
  target_arn text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'dead', 'dropped')),
  attempts integer NOT NULL DEFAULT 0,
  due_at bigint NOT NULL,
  lease_owner text,
  lease_until bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  last_error text
);

-- Claims walk pending deliveries by due time. Partial: settled deliveries leave the index, so it stays the size of
-- the backlog however many deliveries are kept.
CREATE INDEX deliveries_due ON deliveries (due_at) WHERE status = 'pending';
-- Deliveries of one event.
CREATE INDEX deliveries_by_event ON deliveries (event_seq);
`,
  },
  {
    version: 2,
    name: 'delivery engine',
    sql: `
ALTER TABLE deliveries ADD COLUMN kind text NOT NULL DEFAULT 'target' CHECK (kind IN ('target', 'function'));
ALTER TABLE deliveries ADD COLUMN input bytea;

-- Every attempt of a delivery, kept so a dead letter can show its history.
CREATE TABLE delivery_attempts (
  delivery_id text COLLATE "C" NOT NULL,
  attempt integer NOT NULL,
  at bigint NOT NULL,
  duration_ms integer NOT NULL,
  ok boolean NOT NULL,
  error_code text,
  error_message text,
  status integer,
  body bytea,
  PRIMARY KEY (delivery_id, attempt)
);

-- Dead letters whose queue could not take them (missing queue, policy denies): kept, listed, never dropped.
CREATE TABLE dead_letter_fallback (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id text NOT NULL,
  queue_arn text,
  reason text NOT NULL,
  body bytea NOT NULL,
  attributes text NOT NULL,
  at bigint NOT NULL,
  key_id text
);

-- Lambda-style functions registered through the API (those in the config file are registered at start).
CREATE TABLE functions (
  name text COLLATE "C" PRIMARY KEY,
  spec text NOT NULL,
  updated_at bigint NOT NULL
);

-- Per-minute metric aggregates in CloudWatch's terms; dimensions is a canonical JSON object (sorted keys).
CREATE TABLE metrics (
  namespace text NOT NULL,
  name text NOT NULL,
  dimensions text NOT NULL,
  minute bigint NOT NULL,
  unit text NOT NULL,
  sum double precision NOT NULL,
  count bigint NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  PRIMARY KEY (namespace, name, dimensions, minute)
);
`,
  },
  {
    version: 3,
    name: 'sqs queues',
    sql: `
-- attributes: every settable attribute's effective value as SQS returns it, as a JSON object of strings (text, so
-- it comes back exactly as written).
CREATE TABLE queues (
  name text COLLATE "C" PRIMARY KEY,
  arn text NOT NULL UNIQUE,
  attributes text NOT NULL,
  created_at bigint NOT NULL,
  last_modified_at bigint NOT NULL,
  last_purged_at bigint
);

-- One row per message; a redrive moves a message by changing its queue. receipt_nonce is the last receive's (see
-- src/store/receipt-handles.ts); receive_count = 0 tells a delayed message from an in-flight one.
CREATE TABLE queue_messages (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue text COLLATE "C" NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
  message_id text NOT NULL,
  body bytea NOT NULL,
  attributes bytea,
  key_id text,
  md5_of_body text NOT NULL,
  md5_of_message_attributes text,
  sender_id text,
  sent_at bigint NOT NULL,
  visible_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  receive_count integer NOT NULL DEFAULT 0,
  first_received_at bigint,
  receipt_nonce text,
  dead_letter_source_arn text
);

-- ReceiveMessage walks visible_at <= now of one queue, oldest first; also nextVisibleAt and the counts.
CREATE INDEX queue_messages_visible ON queue_messages (queue, visible_at, seq);

CREATE TABLE queue_tags (
  queue text COLLATE "C" NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
  key text COLLATE "C" NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (queue, key)
);
`,
  },
  { version: 4, name: 'keys and sealing', sql: KEYS_SQL + SEALING_SQL },
  { version: 5, name: 'message move tasks', sql: MOVE_TASKS_SQL },
  { version: 6, name: 'cloudwatch alarms', sql: ALARMS_MIGRATION_SQL },
  { version: 7, name: 'sns topics', sql: TOPICS_SQL },
  { version: 8, name: 'config changes', sql: CONFIG_CHANGES_SQL },
];
