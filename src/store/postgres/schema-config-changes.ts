/**
 * PostgreSQL migration 7's SQL: the configuration change log (see store/config-changes.ts), as SQLite's
 * (sqlite/schema-config-changes.ts). Kept in its own file so the migration list stays a list.
 */
export const CONFIG_CHANGES_SQL = `
-- One row per committed change of a bus, a rule, a rule's targets, a connection or an API destination. Appends are
-- serialised by an advisory lock held to the commit (config-changes.ts), so seq grows in commit order.
CREATE TABLE config_changes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('bus', 'rule', 'targets', 'connection', 'api-destination')),
  bus text,
  name text NOT NULL,
  origin text NOT NULL,
  at bigint NOT NULL
);

-- The newest seq pruned so far (one row): a reader behind it may have missed changes.
CREATE TABLE config_changes_pruned (
  through bigint NOT NULL
);
INSERT INTO config_changes_pruned (through) VALUES (0);
`;
