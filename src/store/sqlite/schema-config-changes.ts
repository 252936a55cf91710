/**
 * Migration 7's SQL: the configuration change log (see store/config-changes.ts). Kept in its own file so the
 * migration list stays a list; see migrations.ts for the conventions.
 */
export const CONFIG_CHANGES_SQL = `
-- One row per committed change of a bus, a rule, a rule's targets, a connection or an API destination. AUTOINCREMENT:
-- a seq is never reused, even once the newest rows are pruned, so a reader's position stays meaningful.
CREATE TABLE config_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK (kind IN ('bus', 'rule', 'targets', 'connection', 'api-destination')),
  bus TEXT,
  name TEXT NOT NULL,
  origin TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;

-- The newest seq pruned so far (one row): a reader behind it may have missed changes.
CREATE TABLE config_changes_pruned (
  through INTEGER NOT NULL
) STRICT;
INSERT INTO config_changes_pruned (through) VALUES (0);
`;
