/**
 * The store's side of SQS message move tasks (StartMessageMoveTask and friends): a task row per
 * StartMessageMoveTask, leased by the process that runs it, and the batch move itself.
 *
 * The move is the store's job, as receiving is: one batch — delete each message from the source and append its
 * copy to the destination, as a new message — is one transaction, and it is fenced by the task's lease, so two
 * processes sharing a database never run the same task at once and a message is never both moved and kept, nor
 * lost. Times are explicit (`now`); the store never reads a clock.
 *
 * For a backend author (PostgreSQL): every method below is one transaction; "one active task per source queue" must
 * hold even when two StartMessageMoveTask calls race (SQLite uses a partial unique index on the source where the
 * status is RUNNING or CANCELLING); the contract suite (test/store/move-task-contract.ts) states the rest.
 */

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

/** A message move task as ListMessageMoveTasks reports it, plus what the runner needs. */
export interface MoveTaskRecord {
  /** The TaskHandle: opaque to callers, unique. */
  handle: string;
  /** The dead-letter queue messages are moved out of (its name; the ARN is kept for the answers). */
  sourceQueue: string;
  sourceArn: string;
  /** Absent: each message goes back to the queue its redrive policy moved it from. */
  destinationArn?: string;
  /** As the caller gave it; absent means "system optimized". */
  maxPerSecond?: number;
  status: MoveTaskStatus;
  moved: number;
  /** Messages in the source when the task started. */
  toMove: number;
  failureReason?: string;
  startedAt: number;
  updatedAt: number;
}

/** What a process asks for when it claims tasks to run, or renews its claim by moving a batch. */
export interface MoveTaskLease {
  owner: string;
  /** The lease ends here: another process may take the task over after it. */
  leaseUntil: number;
  now: number;
}

export interface MoveBatchRequest extends MoveTaskLease {
  handle: string;
  /** At most this many messages in this batch (1–500). */
  max: number;
}

/**
 * How a batch went. `lost`: the task is no longer this owner's (its lease expired and another process took it, or
 * it was deleted): nothing was done. Otherwise `status` is the task's status after the batch: RUNNING (more to
 * move), COMPLETED (the source had no visible message left), CANCELLED (a cancel was pending: nothing moved),
 * FAILED (`failureReason` says why; what moved before the failure stays moved).
 */
export type MoveBatchResult =
  | { lost: true }
  | {
      lost?: false;
      status: Exclude<MoveTaskStatus, 'CANCELLING'>;
      /** Moved in this batch. */
      moved: number;
      /** Moved by the task so far. */
      total: number;
      failureReason?: string;
      /** Names of the queues that received messages (to wake their long polls). */
      destinations: string[];
    };

export type CancelMoveTaskResult = { result: 'cancelling'; task: MoveTaskRecord } | { result: 'not-running'; task: MoveTaskRecord } | { result: 'not-found' };

export interface MoveTaskStore {
  /**
   * Records a new RUNNING task, unleased (a runner claims it). False, writing nothing, when the source queue
   * already has an active (RUNNING or CANCELLING) task.
   */
  createMoveTask(task: MoveTaskRecord): Promise<boolean>;
  getMoveTask(handle: string): Promise<MoveTaskRecord | undefined>;
  /** The source queue's tasks, newest (by startedAt) first, at most `limit`. */
  listMoveTasks(sourceQueue: string, limit: number): Promise<MoveTaskRecord[]>;
  /** Marks a RUNNING task CANCELLING (its runner finishes it as CANCELLED before moving anything more). */
  cancelMoveTask(handle: string, now: number): Promise<CancelMoveTaskResult>;
  /**
   * Leases to `owner` up to `limit` active (RUNNING or CANCELLING) tasks that nobody holds — never leased, given
   * back, or whose lease ended before `now` — oldest first. `nextLeaseEnd` is the earliest lease end of the active
   * tasks other owners still hold, if any: when one of them may next be taken over.
   */
  claimMoveTasks(lease: MoveTaskLease, limit: number): Promise<{ tasks: MoveTaskRecord[]; nextLeaseEnd?: number }>;
  /**
   * One batch of the task, in one transaction, if `owner` still holds it: up to `max` visible, unexpired messages of
   * the source, oldest visible first, each deleted from the source and appended to its destination as a new
   * message — a new MessageId, sent at `now`, visible after the destination's DelaySeconds, expiring after its
   * MessageRetentionPeriod, receive count 0; the same body, message attributes, digests and sender. The
   * destination is the task's, else the message's dead-letter source queue. A destination that does not exist (or
   * a message with none) fails the task. The lease is renewed to `leaseUntil`.
   */
  moveMessages(request: MoveBatchRequest): Promise<MoveBatchResult>;
  /** Gives the task's lease back (graceful shutdown), so a restarted process resumes it at once. */
  releaseMoveTask(handle: string, owner: string): Promise<void>;
}
