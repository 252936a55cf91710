/**
 * Migration 5's SQL: SQS message move tasks (StartMessageMoveTask). Kept in its own file so the migration list
 * stays a list; see migrations.ts for the conventions.
 */
export const MOVE_TASKS_SQL = `
-- One row per StartMessageMoveTask. handle is the TaskHandle. No foreign key to queues: a task outlives its source
-- queue (it then fails, and stays listable). max_per_second is NULL when the caller left the rate to the system.
-- lease_owner/lease_until: the process running the task, until when; a task nobody holds is claimed by any runner.
CREATE TABLE message_move_tasks (
  handle TEXT PRIMARY KEY,
  source_queue TEXT NOT NULL,
  source_arn TEXT NOT NULL,
  destination_arn TEXT,
  max_per_second INTEGER,
  status TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'CANCELLING', 'CANCELLED', 'FAILED')),
  moved INTEGER NOT NULL DEFAULT 0,
  to_move INTEGER NOT NULL,
  failure_reason TEXT,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER
) STRICT;

-- ListMessageMoveTasks: a source's tasks, newest first.
CREATE INDEX message_move_tasks_by_source ON message_move_tasks (source_queue, started_at);

-- At most one active task per source queue, even when two StartMessageMoveTask calls (or processes) race.
CREATE UNIQUE INDEX message_move_tasks_one_active ON message_move_tasks (source_queue) WHERE status IN ('RUNNING', 'CANCELLING');
`;
