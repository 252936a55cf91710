/**
 * Migration 4 on PostgreSQL: the keyring's tables, as SQLite's migration 4 has them (src/store/sqlite/migrations.ts):
 * the root key's check value, KMS keys, every version of their material (sealed by the root key) and aliases.
 */
export const KEYS_SQL = `
-- One row: a value sealed by the root key when the keyring was created, which tells a start with the wrong root key
-- from the right one before any record fails to open.
CREATE TABLE keyring (
  id integer PRIMARY KEY CHECK (id = 1),
  root_key_check bytea NOT NULL,
  created_at bigint NOT NULL
);

-- KMS keys. rotation_period_days and next_rotation_at are set while automatic rotation is on.
CREATE TABLE kms_keys (
  id text COLLATE "C" PRIMARY KEY,
  arn text NOT NULL UNIQUE,
  description text NOT NULL,
  state text NOT NULL CHECK (state IN ('Enabled', 'Disabled', 'PendingDeletion')),
  manager text NOT NULL CHECK (manager IN ('CUSTOMER', 'AWS')),
  created_at bigint NOT NULL,
  deletion_date bigint,
  pending_window_days integer,
  rotation_period_days integer,
  next_rotation_at bigint
);

-- Rotation adds a version and never removes one: records sealed under an old version name it and still open.
CREATE TABLE kms_key_materials (
  key_id text COLLATE "C" NOT NULL REFERENCES kms_keys (id) ON DELETE CASCADE,
  version integer NOT NULL,
  sealed bytea NOT NULL,
  created_at bigint NOT NULL,
  rotation_type text CHECK (rotation_type IN ('AUTOMATIC', 'ON_DEMAND')),
  PRIMARY KEY (key_id, version)
);

CREATE TABLE kms_aliases (
  name text COLLATE "C" PRIMARY KEY,
  key_id text COLLATE "C" NOT NULL REFERENCES kms_keys (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  last_updated_at bigint NOT NULL
);
`;
