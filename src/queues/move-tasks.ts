/**
 * StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask: redrive out of a dead-letter queue, back to
 * each message's source queue or to a given destination, at a bounded rate. This layer checks requests as SQS does
 * and records tasks; the MoveTaskRunner moves the messages in the background.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { check, int, str, struct } from '../protocols/shape.js';
import type { MoveTaskRecord } from '../store/move-tasks.js';
import type { QueueRecord } from '../store/queues.js';
import { checkRange, required, type QueueDeps } from './deps.js';
import { queueNameOfArn } from './names.js';

/** SQS's ceiling for MaxNumberOfMessagesPerSecond, and what "system optimized" (no rate given) runs at here. */
export const MAX_MOVE_RATE = 500;

const startShape = struct({ SourceArn: str(), DestinationArn: str(), MaxNumberOfMessagesPerSecond: int() });
const listShape = struct({ SourceArn: str(), MaxResults: int() });
const cancelShape = struct({ TaskHandle: str() });

export interface StartMessageMoveTaskInput {
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
}

export interface ListMessageMoveTasksInput {
  SourceArn: string;
  MaxResults?: number;
}

export interface MessageMoveTaskEntry {
  TaskHandle?: string;
  Status: string;
  SourceArn: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  FailureReason?: string;
  StartedTimestamp: number;
}

export class MoveTaskService {
  constructor(
    private readonly deps: QueueDeps,
    /** Told when a task was started or cancelled, so a runner in this process acts at once. */
    private readonly changed: (handle: string) => void,
  ) {}

  async start(input: StartMessageMoveTaskInput): Promise<{ TaskHandle: string }> {
    const req = check<StartMessageMoveTaskInput>(input, startShape);
    const sourceArn = required(req.SourceArn, 'SourceArn');
    checkRange(req.MaxNumberOfMessagesPerSecond, 'MaxNumberOfMessagesPerSecond', 1, MAX_MOVE_RATE);
    const source = await this.#queueByArn(sourceArn, 'SourceArn');
    const { store, clock } = this.deps;
    if ((await store.deadLetterSourceQueues(source.arn, { limit: 1 })).items.length === 0) {
      throw new ServiceError('InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.');
    }
    let destination: QueueRecord | undefined;
    if (req.DestinationArn !== undefined) {
      destination = await this.#queueByArn(req.DestinationArn, 'DestinationArn');
      if (destination.name === source.name) throw new ServiceError('InvalidParameterValue', 'Source queue arn and destination queue arn cannot be the same.');
    }
    const now = clock.now();
    const task: MoveTaskRecord = {
      // Opaque to callers, as AWS's handles are; unique per task.
      handle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: source.arn }), 'utf8').toString('base64url'),
      sourceQueue: source.name,
      sourceArn: source.arn,
      status: 'RUNNING',
      moved: 0,
      toMove: (await store.queueCounts(source.name, now)).visible,
      startedAt: now,
      updatedAt: now,
    };
    if (destination) task.destinationArn = destination.arn;
    if (req.MaxNumberOfMessagesPerSecond !== undefined) task.maxPerSecond = req.MaxNumberOfMessagesPerSecond;
    if (!(await store.createMoveTask(task))) {
      throw new ServiceError('InvalidParameterValue', 'There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
    }
    this.changed(task.handle);
    return { TaskHandle: task.handle };
  }

  async list(input: ListMessageMoveTasksInput): Promise<{ Results: MessageMoveTaskEntry[] }> {
    const req = check<ListMessageMoveTasksInput>(input, listShape);
    const sourceArn = required(req.SourceArn, 'SourceArn');
    checkRange(req.MaxResults, 'MaxResults', 1, 10);
    const source = await this.#queueByArn(sourceArn, 'SourceArn');
    // The default is the most recent task only.
    const tasks = await this.deps.store.listMoveTasks(source.name, req.MaxResults ?? 1);
    return { Results: tasks.map(toEntry) };
  }

  async cancel(input: { TaskHandle: string }): Promise<{ ApproximateNumberOfMessagesMoved: number }> {
    const req = check<{ TaskHandle?: string }>(input, cancelShape);
    const handle = required(req.TaskHandle, 'TaskHandle');
    const outcome = await this.deps.store.cancelMoveTask(handle, this.deps.clock.now());
    if (outcome.result === 'not-found') throw new ServiceError('ResourceNotFoundException', 'Task does not exist.');
    if (outcome.result === 'not-running') {
      throw new ServiceError('UnsupportedOperation', `Only a task with status RUNNING can be cancelled; this task is ${outcome.task.status}.`);
    }
    this.changed(handle);
    return { ApproximateNumberOfMessagesMoved: outcome.task.moved };
  }

  async #queueByArn(arn: string, field: string): Promise<QueueRecord> {
    const name = queueNameOfArn(arn);
    if (name === undefined) throw new ServiceError('InvalidParameterValue', `You must use this format to specify the ${field}: arn:<partition>:<service>:<region>:<account-id>:<resource-id>`);
    const queue = await this.deps.store.getQueue(name);
    if (!queue) throw new ServiceError('ResourceNotFoundException', `The resource that you specified for the ${field} parameter doesn't exist.`);
    return queue;
  }
}

/** A task as ListMessageMoveTasks shows it: the handle only while it can still be cancelled (RUNNING). */
function toEntry(task: MoveTaskRecord): MessageMoveTaskEntry {
  const entry: MessageMoveTaskEntry = {
    Status: task.status,
    SourceArn: task.sourceArn,
    ApproximateNumberOfMessagesMoved: task.moved,
    ApproximateNumberOfMessagesToMove: task.toMove,
    StartedTimestamp: task.startedAt,
  };
  if (task.status === 'RUNNING') entry.TaskHandle = task.handle;
  if (task.destinationArn !== undefined) entry.DestinationArn = task.destinationArn;
  if (task.maxPerSecond !== undefined) entry.MaxNumberOfMessagesPerSecond = task.maxPerSecond;
  if (task.failureReason !== undefined) entry.FailureReason = task.failureReason;
  return entry;
}
