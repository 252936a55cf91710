/**
 * SQS message move tasks on PostgreSQL (MoveTaskStore): the task rows, their leases, and the batch move.
 *
 * - One active task per source queue: a partial unique index, so of two StartMessageMoveTask calls racing (in one
 *   process or several) the second insert waits for the first to commit and then fails.
 * - Claims lock the free tasks FOR UPDATE SKIP LOCKED in the statement that leases them, as deliveries are claimed.
 * - A batch is one transaction that first locks the task row and checks the lease (the fence), then locks the
 *   oldest visible messages of the source FOR UPDATE SKIP LOCKED (a receive holding one is passed over, never
 *   waited for) and moves them in one statement: each deleted from the source and copied, in SQL, to its
 *   destination as a new message, so the body and attributes are carried byte for byte with their digests. The
 *   destination queues are locked FOR SHARE first, so a DeleteQueue cannot remove one under the move. Moved
 *   messages notify their queues' wake-up channel, like sends.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CancelMoveTaskResult, MoveBatchRequest, MoveBatchResult, MoveTaskLease, MoveTaskRecord, MoveTaskStatus } from '../move-tasks.js';
import { columns, compact, transaction } from './database.js';
import { WAKE_CHANNELS } from './wake-ups.js';

const COLUMNS = `handle, source_queue AS "sourceQueue", source_arn AS "sourceArn", destination_arn AS "destinationArn",
  max_per_second AS "maxPerSecond", status, moved, to_move AS "toMove", failure_reason AS "failureReason", started_at AS "startedAt",
  updated_at AS "updatedAt"`;

type TaskRow = MoveTaskRecord & { leaseOwner: string | null };

const toRecord = (row: Record<string, unknown>) => compact<MoveTaskRecord>(row);

const UNIQUE_VIOLATION = '23505';

/** The queue name at the end of an SQS ARN. */
function queueNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** Where moved messages go: the queue's delay and retention (ms), from its attributes. */
function destinationOf(attributesText: string): { delayMs: number; retentionMs: number } {
  const attributes = JSON.parse(attributesText) as Record<string, string>;
  return { delayMs: Number(attributes.DelaySeconds ?? 0) * 1000, retentionMs: Number(attributes.MessageRetentionPeriod ?? 345_600) * 1000 };
}

/** One message to move, in the batch's order. */
interface Move {
  seq: number;
  queue: string;
  messageId: string;
  visibleAt: number;
  expiresAt: number;
}

const MOVE = {
  name: 'mailroom-move-messages',
  text: `
WITH batch AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS b (seq, queue, message_id, visible_at, expires_at, n)
), taken AS (
  DELETE FROM queue_messages m USING batch b WHERE m.seq = b.seq
  RETURNING b.n, b.queue, b.message_id, b.visible_at, b.expires_at, m.body, m.attributes, m.key_id, m.md5_of_body, m.md5_of_message_attributes, m.sender_id
), copied AS (
  -- A new message: new id and times, no receive history, no dead-letter source; the payload columns as stored.
  INSERT INTO queue_messages (queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, sent_at, visible_at, expires_at)
  SELECT queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, $6, visible_at, expires_at
  FROM taken ORDER BY n
  RETURNING queue
)
SELECT queue, pg_notify('${WAKE_CHANNELS.queues}', queue) FROM (SELECT DISTINCT queue FROM copied) AS q`,
};

export class MoveTasks {
  constructor(private readonly pool: pg.Pool) {}

  /** False when the source already has an active task (the partial unique index refuses a second one). */
  async create(task: MoveTaskRecord): Promise<boolean> {
    try {
      await this.pool.query(
        `INSERT INTO message_move_tasks (handle, source_queue, source_arn, destination_arn, max_per_second, status, moved, to_move,
                                         failure_reason, started_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [task.handle, task.sourceQueue, task.sourceArn, task.destinationArn ?? null, task.maxPerSecond ?? null, task.status, task.moved, task.toMove,
          task.failureReason ?? null, task.startedAt, task.updatedAt],
      );
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }

  async get(handle: string): Promise<MoveTaskRecord | undefined> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM message_move_tasks WHERE handle = $1`, [handle]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(sourceQueue: string, limit: number): Promise<MoveTaskRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT ${COLUMNS} FROM message_move_tasks WHERE source_queue = $1 ORDER BY started_at DESC, seq DESC LIMIT $2`,
      [sourceQueue, limit],
    );
    return rows.map(toRecord);
  }

  /** One conditional update; only when it changes nothing is the task read, to say why. */
  async cancel(handle: string, now: number): Promise<CancelMoveTaskResult> {
    const { rows } = await this.pool.query(
      `UPDATE message_move_tasks SET status = 'CANCELLING', updated_at = $2 WHERE handle = $1 AND status = 'RUNNING' RETURNING ${COLUMNS}`,
      [handle, now],
    );
    if (rows[0]) return { result: 'cancelling', task: toRecord(rows[0]) };
    const task = await this.get(handle);
    return task ? { result: 'not-running', task } : { result: 'not-found' };
  }

  async claim(lease: MoveTaskLease, limit: number): Promise<{ tasks: MoveTaskRecord[]; nextLeaseEnd?: number }> {
    const { rows } = await this.pool.query<{ what: 'task' | 'next'; task: Record<string, unknown> | null; at: number | null }>(
      `WITH free AS MATERIALIZED (
         SELECT handle AS free_handle FROM message_move_tasks
         WHERE status IN ('RUNNING', 'CANCELLING') AND (lease_until IS NULL OR lease_until < $1)
         ORDER BY started_at LIMIT $4
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE message_move_tasks SET lease_owner = $2, lease_until = $3 FROM free WHERE handle = free_handle
         RETURNING ${COLUMNS}
       )
       SELECT 'task' AS what, to_jsonb(claimed) AS task, NULL::bigint AS at FROM claimed
       UNION ALL
       -- The statement's snapshot still shows the claimed tasks as they were: they are someone else's no longer.
       SELECT 'next', NULL, min(lease_until) FROM message_move_tasks
       WHERE status IN ('RUNNING', 'CANCELLING') AND lease_owner <> $2 AND handle NOT IN (SELECT free_handle FROM free)`,
      [lease.now, lease.owner, lease.leaseUntil, limit],
    );
    const tasks = rows.flatMap((r) => (r.task ? [toRecord(r.task)] : [])).sort((x, y) => x.startedAt - y.startedAt || (x.handle < y.handle ? -1 : 1));
    const next = rows.find((r) => r.what === 'next')?.at;
    return next === null || next === undefined ? { tasks } : { tasks, nextLeaseEnd: next };
  }

  async release(handle: string, owner: string): Promise<void> {
    await this.pool.query('UPDATE message_move_tasks SET lease_owner = NULL, lease_until = NULL WHERE handle = $1 AND lease_owner = $2', [handle, owner]);
  }

  move(r: MoveBatchRequest): Promise<MoveBatchResult> {
    return transaction(this.pool, async (client) => {
      const task = (await client.query<TaskRow>(`SELECT ${COLUMNS}, lease_owner AS "leaseOwner" FROM message_move_tasks WHERE handle = $1 FOR UPDATE`, [r.handle])).rows[0];
      if (!task || task.leaseOwner !== r.owner || (task.status !== 'RUNNING' && task.status !== 'CANCELLING')) return { lost: true };
      const finish = async (status: Exclude<MoveTaskStatus, 'CANCELLING'>, moved: number, destinations: string[], reason?: string): Promise<MoveBatchResult> => {
        const running = status === 'RUNNING';
        await client.query(
          `UPDATE message_move_tasks SET moved = moved + $2, status = $3, failure_reason = $4, updated_at = $5, lease_owner = $6, lease_until = $7
           WHERE handle = $1`,
          [r.handle, moved, status, reason ?? null, r.now, running ? r.owner : null, running ? r.leaseUntil : null],
        );
        const result: MoveBatchResult = { status, moved, total: task.moved + moved, destinations };
        if (reason !== undefined) result.failureReason = reason;
        return result;
      };
      if (task.status === 'CANCELLING') return finish('CANCELLED', 0, []);
      const source = await client.query('SELECT 1 FROM queues WHERE name = $1', [task.sourceQueue]);
      if (source.rowCount === 0) return finish('FAILED', 0, [], `The source queue ${task.sourceArn} no longer exists.`);
      const { rows } = await client.query<{ seq: number; message_id: string; dead_letter_source_arn: string | null }>(
        `SELECT seq, message_id, dead_letter_source_arn FROM queue_messages
         WHERE queue = $1 AND visible_at <= $2 AND expires_at > $2 ORDER BY visible_at, seq LIMIT $3
         FOR UPDATE SKIP LOCKED`,
        [task.sourceQueue, r.now, r.max],
      );
      if (rows.length === 0) return finish('COMPLETED', 0, []);

      const arns = rows.map((row) => task.destinationArn ?? row.dead_letter_source_arn);
      const names = [...new Set(arns.flatMap((arn) => (arn === null ? [] : [queueNameOf(arn)])))].sort();
      const found = await client.query<{ name: string; attributes: string }>('SELECT name, attributes FROM queues WHERE name = ANY ($1::text[]) ORDER BY name FOR SHARE', [names]);
      const destinations = new Map(found.rows.map((q) => [q.name, destinationOf(q.attributes)]));
      // In order, up to the first message that has nowhere to go: what comes before it moves, as on SQLite.
      const moves: Move[] = [];
      let reason: string | undefined;
      for (const [i, row] of rows.entries()) {
        const arn = arns[i]!;
        if (arn === null) {
          reason = `Message ${row.message_id} was not moved to ${task.sourceArn} by a redrive policy, so it has no source queue to return to; give a DestinationArn.`;
          break;
        }
        const destination = destinations.get(queueNameOf(arn));
        if (!destination) {
          reason = `The destination queue ${arn} does not exist.`;
          break;
        }
        moves.push({ seq: row.seq, queue: queueNameOf(arn), messageId: randomUUID(), visibleAt: r.now + destination.delayMs, expiresAt: r.now + destination.retentionMs });
      }
      if (moves.length > 0) {
        await client.query({ ...MOVE, values: [...columns(moves, [(m) => m.seq, (m) => m.queue, (m) => m.messageId, (m) => m.visibleAt, (m) => m.expiresAt]), r.now] });
      }
      // The destinations in the order messages first went to them, as the SQLite store lists them.
      const order = [...new Set(moves.map((m) => m.queue))];
      return reason === undefined ? finish('RUNNING', moves.length, order) : finish('FAILED', moves.length, order, reason);
    });
  }
}
