/**
 * SQS message move tasks at rest (MoveTaskStore): the task rows, their leases, and the batch move — each message
 * deleted from the source in the same transaction that appends its copy to the destination. The copy is made in
 * SQL from the source row, so the body and attributes are carried byte for byte (sealed payloads included) with
 * their digests, under a new MessageId and new times.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { CancelMoveTaskResult, MoveBatchRequest, MoveBatchResult, MoveTaskLease, MoveTaskRecord, MoveTaskStatus } from '../move-tasks.js';
import { setOptional } from './rows.js';

interface TaskRow {
  handle: string;
  source_queue: string;
  source_arn: string;
  destination_arn: string | null;
  max_per_second: number | null;
  status: MoveTaskStatus;
  moved: number;
  to_move: number;
  failure_reason: string | null;
  started_at: number;
  updated_at: number;
  lease_owner: string | null;
  lease_until: number | null;
}

interface CandidateRow {
  seq: number;
  message_id: string;
  dead_letter_source_arn: string | null;
}

function toRecord(row: TaskRow): MoveTaskRecord {
  const task: MoveTaskRecord = {
    handle: row.handle,
    sourceQueue: row.source_queue,
    sourceArn: row.source_arn,
    status: row.status,
    moved: row.moved,
    toMove: row.to_move,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
  };
  setOptional(task, 'destinationArn', row.destination_arn);
  setOptional(task, 'maxPerSecond', row.max_per_second);
  setOptional(task, 'failureReason', row.failure_reason);
  return task;
}

/** The queue name at the end of an SQS ARN. */
function queueNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** Where moved messages go, as the move needs it: the queue and its delay and retention (ms). */
interface Destination {
  name: string;
  delayMs: number;
  retentionMs: number;
}

export class SqliteMoveTasks {
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #setStatus;
  readonly #claimable;
  readonly #lease;
  readonly #nextLeaseEnd;
  readonly #release;
  readonly #queueAttributes;
  readonly #candidates;
  readonly #copy;
  readonly #delete;
  readonly #progress;
  readonly #cancelTx;
  readonly #claimTx;
  readonly #moveTx;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO message_move_tasks (handle, source_queue, source_arn, destination_arn, max_per_second, status, moved, to_move,
                                       failure_reason, started_at, updated_at)
       VALUES (@handle, @sourceQueue, @sourceArn, @destinationArn, @maxPerSecond, @status, @moved, @toMove, @failureReason, @startedAt, @updatedAt)`,
    );
    this.#get = db.prepare<[string], TaskRow>('SELECT * FROM message_move_tasks WHERE handle = ?');
    this.#list = db.prepare<[string, number], TaskRow>('SELECT * FROM message_move_tasks WHERE source_queue = ? ORDER BY started_at DESC, rowid DESC LIMIT ?');
    this.#setStatus = db.prepare<[MoveTaskStatus, number, string]>('UPDATE message_move_tasks SET status = ?, updated_at = ? WHERE handle = ?');
    this.#claimable = db.prepare<[number, number], TaskRow>(
      `SELECT * FROM message_move_tasks WHERE status IN ('RUNNING', 'CANCELLING') AND (lease_until IS NULL OR lease_until < ?)
       ORDER BY started_at LIMIT ?`,
    );
    this.#lease = db.prepare<[string, number, string]>('UPDATE message_move_tasks SET lease_owner = ?, lease_until = ? WHERE handle = ?');
    this.#nextLeaseEnd = db.prepare<[string], number | null>(
      "SELECT min(lease_until) FROM message_move_tasks WHERE status IN ('RUNNING', 'CANCELLING') AND lease_owner <> ?",
    ).pluck();
    this.#release = db.prepare<[string, string]>('UPDATE message_move_tasks SET lease_owner = NULL, lease_until = NULL WHERE handle = ? AND lease_owner = ?');
    this.#queueAttributes = db.prepare<[string], string>('SELECT attributes FROM queues WHERE name = ?').pluck();
    this.#candidates = db.prepare<{ queue: string; now: number; limit: number }, CandidateRow>(
      `SELECT seq, message_id, dead_letter_source_arn FROM queue_messages
       WHERE queue = @queue AND visible_at <= @now AND expires_at > @now ORDER BY visible_at, seq LIMIT @limit`,
    );
    // A new message: new id and times, no receive history, no dead-letter source; the payload columns copied as stored.
    this.#copy = db.prepare<{ seq: number; queue: string; messageId: string; now: number; visibleAt: number; expiresAt: number }>(
      `INSERT INTO queue_messages (queue, message_id, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, sent_at,
                                   visible_at, expires_at)
       SELECT @queue, @messageId, body, attributes, key_id, md5_of_body, md5_of_message_attributes, sender_id, @now, @visibleAt, @expiresAt
       FROM queue_messages WHERE seq = @seq`,
    );
    this.#delete = db.prepare<[number]>('DELETE FROM queue_messages WHERE seq = ?');
    this.#progress = db.prepare<{ handle: string; moved: number; status: MoveTaskStatus; reason: string | null; now: number; owner: string | null; leaseUntil: number | null }>(
      `UPDATE message_move_tasks SET moved = moved + @moved, status = @status, failure_reason = @reason, updated_at = @now,
              lease_owner = @owner, lease_until = @leaseUntil
       WHERE handle = @handle`,
    );

    this.#cancelTx = db.transaction((handle: string, now: number): CancelMoveTaskResult => {
      const row = this.#get.get(handle);
      if (!row) return { result: 'not-found' };
      if (row.status !== 'RUNNING') return { result: 'not-running', task: toRecord(row) };
      this.#setStatus.run('CANCELLING', now, handle);
      return { result: 'cancelling', task: toRecord({ ...row, status: 'CANCELLING', updated_at: now }) };
    });
    this.#claimTx = db.transaction((lease: MoveTaskLease, limit: number) => {
      const tasks = this.#claimable.all(lease.now, limit).map((row) => {
        this.#lease.run(lease.owner, lease.leaseUntil, row.handle);
        return toRecord(row);
      });
      const nextLeaseEnd = this.#nextLeaseEnd.get(lease.owner);
      return nextLeaseEnd === null || nextLeaseEnd === undefined ? { tasks } : { tasks, nextLeaseEnd };
    });
    this.#moveTx = db.transaction((r: MoveBatchRequest): MoveBatchResult => this.#moveIn(r));
  }

  /** False when the source already has an active task (the partial unique index refuses a second one). */
  create(task: MoveTaskRecord): boolean {
    try {
      this.#insert.run({
        ...task,
        destinationArn: task.destinationArn ?? null,
        maxPerSecond: task.maxPerSecond ?? null,
        failureReason: task.failureReason ?? null,
      });
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
      throw err;
    }
  }

  get(handle: string): MoveTaskRecord | undefined {
    const row = this.#get.get(handle);
    return row && toRecord(row);
  }

  list(sourceQueue: string, limit: number): MoveTaskRecord[] {
    return this.#list.all(sourceQueue, limit).map(toRecord);
  }

  // Read-then-write transactions begin IMMEDIATE, so another process cannot commit between the read and the write.
  cancel(handle: string, now: number): CancelMoveTaskResult {
    return this.#cancelTx.immediate(handle, now);
  }

  claim(lease: MoveTaskLease, limit: number): { tasks: MoveTaskRecord[]; nextLeaseEnd?: number } {
    return this.#claimTx.immediate(lease, limit);
  }

  move(request: MoveBatchRequest): MoveBatchResult {
    return this.#moveTx.immediate(request);
  }

  release(handle: string, owner: string): void {
    this.#release.run(handle, owner);
  }

  #moveIn(r: MoveBatchRequest): MoveBatchResult {
    const task = this.#get.get(r.handle);
    if (!task || task.lease_owner !== r.owner || (task.status !== 'RUNNING' && task.status !== 'CANCELLING')) return { lost: true };
    const finish = (status: Exclude<MoveTaskStatus, 'CANCELLING'>, moved: number, destinations: Set<string>, reason?: string): MoveBatchResult => {
      const running = status === 'RUNNING';
      this.#progress.run({ handle: r.handle, moved, status, reason: reason ?? null, now: r.now, owner: running ? r.owner : null, leaseUntil: running ? r.leaseUntil : null });
      const result: MoveBatchResult = { status, moved, total: task.moved + moved, destinations: [...destinations] };
      if (reason !== undefined) result.failureReason = reason;
      return result;
    };
    const none = new Set<string>();
    if (task.status === 'CANCELLING') return finish('CANCELLED', 0, none);
    if (this.#queueAttributes.get(task.source_queue) === undefined) return finish('FAILED', 0, none, `The source queue ${task.source_arn} no longer exists.`);
    const rows = this.#candidates.all({ queue: task.source_queue, now: r.now, limit: r.max });
    if (rows.length === 0) return finish('COMPLETED', 0, none);

    const destinations = new Map<string, Destination | undefined>();
    const touched = new Set<string>();
    let moved = 0;
    for (const row of rows) {
      const arn = task.destination_arn ?? row.dead_letter_source_arn;
      if (arn === null) {
        return finish('FAILED', moved, touched, `Message ${row.message_id} was not moved to ${task.source_arn} by a redrive policy, so it has no source queue to return to; give a DestinationArn.`);
      }
      const name = queueNameOf(arn);
      if (!destinations.has(name)) destinations.set(name, this.#destination(name));
      const destination = destinations.get(name);
      if (!destination) return finish('FAILED', moved, touched, `The destination queue ${arn} does not exist.`);
      this.#copy.run({ seq: row.seq, queue: name, messageId: randomUUID(), now: r.now, visibleAt: r.now + destination.delayMs, expiresAt: r.now + destination.retentionMs });
      this.#delete.run(row.seq);
      touched.add(name);
      moved++;
    }
    return finish('RUNNING', moved, touched);
  }

  #destination(name: string): Destination | undefined {
    const text = this.#queueAttributes.get(name);
    if (text === undefined) return undefined;
    const attributes = JSON.parse(text) as Record<string, string>;
    return { name, delayMs: Number(attributes.DelaySeconds ?? 0) * 1000, retentionMs: Number(attributes.MessageRetentionPeriod ?? 345_600) * 1000 };
  }
}
