/**
 * PostgreSQL migration 5's SQL: SQS message move tasks (StartMessageMoveTask), as SQLite's (sqlite/schema-move-tasks.ts).
 * Kept in its own file so the migration list stays a list; see migrations.ts for the conventions.
 */
export const MOVE_TASKS_SQL = `
-- One row per StartMessageMoveTask. handle is the TaskHandle. No foreign key to queues: a task outlives its source
-- queue (it then fails, and stays listable). max_per_second is NULL when the caller left the rate to the system.
-- lease_owner/lease_until: the process running the task, until when; a task nobody holds is claimed by any runner.
CREATE TABLE message_move_tasks (
  handle text COLLATE "C" PRIMARY KEY,
  source_queue text COLLATE "C" NOT NULL,
  source_arn text NOT NULL,
  destination_arn text,
  max_per_second integer,
  status text NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'CANCELLING', 'CANCELLED', 'FAILED')),
  moved integer NOT NULL DEFAULT 0,
  to_move integer NOT NULL,
  failure_reason text,
  started_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  lease_owner text,
  lease_until bigint,
  -- Ties of started_at are listed newest first, as SQLite's rowid orders them.
  seq bigint GENERATED ALWAYS AS IDENTITY
);

-- ListMessageMoveTasks: a source's tasks, newest first.
CREATE INDEX message_move_tasks_by_source ON message_move_tasks (source_queue, started_at);

-- At most one active task per source queue, even when two StartMessageMoveTask calls (or processes) race: the
-- second insert waits for the first to commit, then fails.
CREATE UNIQUE INDEX message_move_tasks_one_active ON message_move_tasks (source_queue) WHERE status IN ('RUNNING', 'CANCELLING');
`;
