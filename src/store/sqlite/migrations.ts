/**
 * The SQLite schema, as numbered, append-only migrations. Never edit or reorder a migration that has shipped:
 * add a new one. They are TypeScript rather than .sql files because the build does not copy assets. A migration
 * whose change plain SQL cannot make also has `code`, run after its SQL in the same transaction.
 *
 * Conventions: STRICT tables; times are integer milliseconds since the epoch; names compare with SQLite's
 * default BINARY collation, i.e. by code point, which is the order every list method pages in.
 */
import type Database from 'better-sqlite3';
import { allowDeliveryKind } from './delivery-kinds.js';
import { MOVE_TASKS_SQL } from './schema-move-tasks.js';
import { ALARMS_MIGRATION_SQL } from './alarms-schema.js';
import { TOPICS_SQL } from './schema-topics.js';
import { CONFIG_CHANGES_SQL } from './schema-config-changes.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  code?: (db: Database.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE buses (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  description TEXT,
  kms_key_identifier TEXT,
  dead_letter_arn TEXT,
  policy TEXT,
  created_at INTEGER NOT NULL,
  last_modified_at INTEGER NOT NULL
) STRICT;

-- The default bus always exists. Its creation time is the migration's own (the ledger row is written first),
-- so it comes from the injected clock rather than SQLite's.
INSERT INTO buses (name, arn, created_at, last_modified_at)
SELECT 'default', 'arn:aws:events:us-east-1:000000000000:event-bus/default', applied_at, applied_at
FROM schema_migrations WHERE version = 1;

CREATE TABLE rules (
  bus TEXT NOT NULL REFERENCES buses (name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  arn TEXT NOT NULL,
  event_pattern TEXT,
  schedule_expression TEXT,
  state TEXT NOT NULL CHECK (state IN ('ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS')),
  description TEXT,
  role_arn TEXT,
  managed_by TEXT,
  created_at INTEGER NOT NULL,
  last_modified_at INTEGER NOT NULL,
  PRIMARY KEY (bus, name)
) STRICT;

CREATE TABLE targets (
  bus TEXT NOT NULL,
  rule TEXT NOT NULL,
  id TEXT NOT NULL,
  arn TEXT NOT NULL,
  spec TEXT NOT NULL,
  PRIMARY KEY (bus, rule, id),
  FOREIGN KEY (bus, rule) REFERENCES rules (bus, name) ON DELETE CASCADE
) STRICT;

-- ListRuleNamesByTarget.
CREATE INDEX targets_by_arn ON targets (bus, arn, rule);

-- auth_parameters holds secrets: a BLOB with a key_id so it can be sealed (AES-GCM) without rebuilding the table.
CREATE TABLE connections (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  description TEXT,
  authorization_type TEXT NOT NULL CHECK (authorization_type IN ('API_KEY', 'BASIC', 'OAUTH_CLIENT_CREDENTIALS')),
  state TEXT NOT NULL,
  auth_parameters BLOB NOT NULL,
  key_id TEXT,
  created_at INTEGER NOT NULL,
  last_modified_at INTEGER NOT NULL,
  last_authorized_at INTEGER
) STRICT;

-- No foreign key to connections: EventBridge refers to a connection by ARN and checks it in the service.
CREATE TABLE api_destinations (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  description TEXT,
  connection_arn TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  http_method TEXT NOT NULL,
  invocation_rate_limit_per_second INTEGER,
  state TEXT NOT NULL CHECK (state IN ('ACTIVE', 'INACTIVE')),
  created_at INTEGER NOT NULL,
  last_modified_at INTEGER NOT NULL
) STRICT;

-- Tags hang off any resource ARN, so they cannot have a foreign key; deletes clean them up explicitly.
CREATE TABLE tags (
  arn TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (arn, key)
) STRICT, WITHOUT ROWID;

-- No foreign key to buses: an event outlives its bus while its deliveries are still going out.
-- The integer seq is the table's rowid, so payloads are appended in arrival order and deliveries refer to their
-- event with an ever-growing integer; the EventBridge id gets its own unique index (which is as cheap as the ids
-- are time-ordered: see timeOrderedUuid in src/store/ids.ts).
-- payload is a BLOB holding UTF-8 JSON today; once sealed, key_id names the data key that sealed it.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  bus TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  payload BLOB NOT NULL,
  key_id TEXT
) STRICT;

-- The outbox: one row per (event, matched target). Rule and target ARNs are copied in because a delivery must
-- still go out after its rule or target is removed, so there is no foreign key to them either. event_id repeats
-- the event's EventBridge id so a delivery reads without a join; event_seq is the (cheap, append-only) link.
-- A rowid table: its indexes then carry an 8-byte rowid rather than the 26-character id; inserts measured about
-- 11 us per event + delivery against 20 us for WITHOUT ROWID (best of three runs).
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  event_seq INTEGER NOT NULL REFERENCES events (seq),
  event_id TEXT NOT NULL,
  bus TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  rule_arn TEXT NOT NULL,
  target_id TEXT NOT NULL,
  target_arn TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dead', 'dropped')),
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_error TEXT
) STRICT;

-- The dispatcher claims with: status = 'pending' AND due_at <= now ORDER BY due_at.
CREATE INDEX deliveries_due ON deliveries (status, due_at);
-- Deliveries of one event (and the foreign key check when events are purged).
CREATE INDEX deliveries_by_event ON deliveries (event_seq);
`,
  },
  {
    version: 2,
    name: 'delivery engine',
    sql: `
-- What a delivery is for: 'target' (a rule target, EventBridge retry semantics) or 'function' (a Lambda-style
-- asynchronous invocation). input holds what the target receives when it is not the event itself.
ALTER TABLE deliveries ADD COLUMN kind TEXT NOT NULL DEFAULT 'target' CHECK (kind IN ('target', 'function'));
ALTER TABLE deliveries ADD COLUMN input BLOB;

-- Every attempt of a delivery, kept so a dead letter can show its history.
CREATE TABLE delivery_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  error_code TEXT,
  error_message TEXT,
  status INTEGER,
  body TEXT,
  PRIMARY KEY (delivery_id, attempt)
) STRICT, WITHOUT ROWID;

-- Dead letters whose queue could not take them (missing queue, policy denies): kept, listed, never dropped.
CREATE TABLE dead_letter_fallback (
  seq INTEGER PRIMARY KEY,
  delivery_id TEXT NOT NULL,
  queue_arn TEXT,
  reason TEXT NOT NULL,
  body BLOB NOT NULL,
  attributes TEXT NOT NULL,
  at INTEGER NOT NULL,
  key_id TEXT
) STRICT;

-- Lambda-style functions registered through the API (those in the config file are registered at start).
CREATE TABLE functions (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Per-minute metric aggregates in CloudWatch's terms; dimensions is a canonical JSON object (sorted keys).
CREATE TABLE metrics (
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  dimensions TEXT NOT NULL,
  minute INTEGER NOT NULL,
  unit TEXT NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (namespace, name, dimensions, minute)
) STRICT, WITHOUT ROWID;
`,
  },
  // --- SQS queues (version 3) ---
  {
    version: 3,
    name: 'sqs queues',
    sql: `
-- attributes: every settable attribute's effective value as SQS returns it, as a JSON object of strings.
CREATE TABLE queues (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  attributes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_modified_at INTEGER NOT NULL,
  last_purged_at INTEGER
) STRICT;

-- One row per message; a redrive moves a message by changing its queue. body and attributes are BLOBs (UTF-8
-- text and UTF-8 JSON today) so they can be sealed (AES-GCM) later; key_id will name the data key.
-- receipt_nonce is the last receive's: a receipt handle is (seq, nonce), so an older handle is recognisably stale.
-- receive_count = 0 tells a delayed message from an in-flight one when both are invisible.
CREATE TABLE queue_messages (
  seq INTEGER PRIMARY KEY,
  queue TEXT NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
  message_id TEXT NOT NULL,
  body BLOB NOT NULL,
  attributes BLOB,
  key_id TEXT,
  md5_of_body TEXT NOT NULL,
  md5_of_message_attributes TEXT,
  sender_id TEXT,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_received_at INTEGER,
  receipt_nonce TEXT,
  dead_letter_source_arn TEXT
) STRICT;

-- ReceiveMessage: visible_at <= now of queue Q, oldest first (expiry is checked per row, and expired rows are
-- deleted as they are passed over); also nextVisibleAt (the first visible_at > now) and the counts.
CREATE INDEX queue_messages_visible ON queue_messages (queue, visible_at, seq);

CREATE TABLE queue_tags (
  queue TEXT NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (queue, key)
) STRICT, WITHOUT ROWID;
`,
  },
  // --- end SQS queues ---
  // --- keys and sealing (version 4) ---
  {
    version: 4,
    name: 'keys and sealing',
    sql: `
-- The keyring (src/keys/). One row: a value sealed by the root key when the keyring was created, which tells a
-- start with the wrong root key from the right one before any record fails to open.
CREATE TABLE keyring (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  root_key_check BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

-- KMS keys. rotation_period_days and next_rotation_at are set while automatic rotation is on.
CREATE TABLE kms_keys (
  id TEXT PRIMARY KEY,
  arn TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('Enabled', 'Disabled', 'PendingDeletion')),
  manager TEXT NOT NULL CHECK (manager IN ('CUSTOMER', 'AWS')),
  created_at INTEGER NOT NULL,
  deletion_date INTEGER,
  pending_window_days INTEGER,
  rotation_period_days INTEGER,
  next_rotation_at INTEGER
) STRICT;

-- Every version of a key's material (32 bytes), sealed by the root key. Rotation adds a version and never removes
-- one: records sealed under an old version name it and still open.
CREATE TABLE kms_key_materials (
  key_id TEXT NOT NULL REFERENCES kms_keys (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  rotation_type TEXT CHECK (rotation_type IN ('AUTOMATIC', 'ON_DEMAND')),
  PRIMARY KEY (key_id, version)
) STRICT, WITHOUT ROWID;

CREATE TABLE kms_aliases (
  name TEXT PRIMARY KEY,
  key_id TEXT NOT NULL REFERENCES kms_keys (id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  last_updated_at INTEGER NOT NULL
) STRICT;

-- From here on every column that can hold customer data is sealed (src/store/sealing.ts); its row's key_id names
-- the KMS key, and NULL marks plaintext: rows written before this migration, and messages of a queue whose
-- SSE is explicitly off. The columns below were TEXT, so they become BLOBs that can hold a sealed record.

-- events.payload, connections.auth_parameters and queue_messages.body already are BLOBs with a key_id. A sealed
-- message keeps its body, attributes and MD5 digests in one sealed body (a digest of the plaintext would give
-- short bodies away), so on its row attributes is NULL and md5_of_body is ''.

-- A delivery's input (what a target receives when it is not the event) is sealed under its event's key; its last
-- error (a function's error message can quote data) goes to the new sealed column error, last_error keeping the
-- plaintext of rows from before.
ALTER TABLE deliveries ADD COLUMN key_id TEXT;
ALTER TABLE deliveries ADD COLUMN error BLOB;

-- Attempt history: the target's answer and the error message may echo the event.
CREATE TABLE delivery_attempts_v4 (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  error_code TEXT,
  error_message BLOB,
  status INTEGER,
  body BLOB,
  key_id TEXT,
  PRIMARY KEY (delivery_id, attempt)
) STRICT, WITHOUT ROWID;
INSERT INTO delivery_attempts_v4 (delivery_id, attempt, at, duration_ms, ok, error_code, error_message, status, body)
SELECT delivery_id, attempt, at, duration_ms, ok, error_code, CAST(error_message AS BLOB), status, CAST(body AS BLOB)
FROM delivery_attempts;
DROP TABLE delivery_attempts;
ALTER TABLE delivery_attempts_v4 RENAME TO delivery_attempts;

-- Fallback dead letters: the attributes carry the error message too.
CREATE TABLE dead_letter_fallback_v4 (
  seq INTEGER PRIMARY KEY,
  delivery_id TEXT NOT NULL,
  queue_arn TEXT,
  reason TEXT NOT NULL,
  body BLOB NOT NULL,
  attributes BLOB NOT NULL,
  at INTEGER NOT NULL,
  key_id TEXT
) STRICT;
INSERT INTO dead_letter_fallback_v4 (seq, delivery_id, queue_arn, reason, body, attributes, at, key_id)
SELECT seq, delivery_id, queue_arn, reason, body, CAST(attributes AS BLOB), at, key_id FROM dead_letter_fallback;
DROP TABLE dead_letter_fallback;
ALTER TABLE dead_letter_fallback_v4 RENAME TO dead_letter_fallback;
`,
  },
  // --- end keys and sealing ---
  { version: 5, name: 'message move tasks', sql: MOVE_TASKS_SQL },
  { version: 6, name: 'cloudwatch alarms', sql: ALARMS_MIGRATION_SQL },
  { version: 7, name: 'sns topics', sql: TOPICS_SQL, code: (db) => allowDeliveryKind(db, 'sns') },
  { version: 8, name: 'config changes', sql: CONFIG_CHANGES_SQL },
];
