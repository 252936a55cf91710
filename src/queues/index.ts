/**
 * SQS: the services (queues, messages, receipts, receive, tags, message move tasks) and their one operation table, served on two
 * wires: awsJson 1.0 (`X-Amz-Target: AmazonSQS.*`; query-compatible, so errors carry `x-amzn-query-error`) and
 * the query protocol (`Action=...`, XML; shapes in query-shapes.ts).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { JsonService } from '../protocols/aws-json.js';
import type { QueryOperation, QueryService } from '../protocols/query.js';
import type { Operation } from '../protocols/wire.js';
import type { NewQueueMessage } from '../store/queues.js';
import { Arrivals } from './arrivals.js';
import type { QueueDeps } from './deps.js';
import { MessageService } from './messages.js';
import { MoveTaskRunner } from './move-task-runner.js';
import { MoveTaskService } from './move-tasks.js';
import { QueueMetrics } from './queue-metrics.js';
import { QueueService } from './queue-service.js';
import { SQS_QUERY_SHAPES, SQS_QUERY_VERSION, SQS_XML_NAMESPACE, type SqsOperationName } from './query-shapes.js';
import { ReceiptService } from './receipts.js';
import { ReceiveService } from './receive.js';
import { QueueTagService } from './tags.js';

export type { CreateQueueInput, ListQueuesInput, QueueUrlInput } from './queue-service.js';
export type { SendMessageBatchInput, SendMessageEntry, SendMessageInput, SendMessageResult } from './messages.js';
export type { ChangeMessageVisibilityBatchInput, ChangeMessageVisibilityInput, DeleteMessageBatchInput, DeleteMessageInput } from './receipts.js';
export type { ReceiveMessageInput, ReceivedSqsMessage } from './receive.js';
export type { ListMessageMoveTasksInput, MessageMoveTaskEntry, StartMessageMoveTaskInput } from './move-tasks.js';
export { md5OfBody, md5OfMessageAttributes } from './md5.js';

/** Every SQS service, for in-process use (the library API) and for the protocol table. */
export class Sqs {
  readonly queues: QueueService;
  readonly messages: MessageService;
  readonly receipts: ReceiptService;
  readonly receiver: ReceiveService;
  readonly tags: QueueTagService;
  readonly moveTasks: MoveTaskService;
  /** Runs message move tasks in the background, once its `start()` is called. */
  readonly moveTaskRunner: MoveTaskRunner;
  readonly #arrivals: Arrivals;
  readonly #metrics: QueueMetrics;

  constructor(deps: Omit<QueueDeps, 'arrivals' | 'metrics'> & { metrics: MetricRecorder; logger?: Logger }) {
    this.#arrivals = new Arrivals(deps.clock);
    this.#metrics = new QueueMetrics(deps.metrics);
    const all: QueueDeps = { ...deps, arrivals: this.#arrivals, metrics: this.#metrics };
    this.queues = new QueueService(all);
    this.messages = new MessageService(all);
    this.receipts = new ReceiptService(all);
    this.receiver = new ReceiveService(all);
    this.tags = new QueueTagService(all);
    this.moveTaskRunner = new MoveTaskRunner({
      store: deps.store,
      clock: deps.clock,
      logger: deps.logger ?? pino({ level: 'silent' }),
      metrics: deps.metrics,
      owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
      arrived: (queue) => this.#arrivals.notify(queue),
    });
    this.moveTasks = new MoveTaskService(all, (handle) => this.moveTaskRunner.changed(handle));
  }

  /**
   * Messages written to one queue outside this service (the delivery engine's SQS targets and dead letters):
   * wakes the queue's long polls and counts the sends.
   */
  messagesSent(messages: readonly NewQueueMessage[]): void {
    const first = messages[0];
    if (!first) return;
    this.#arrivals.notify(first.queue);
    this.#metrics.sent(messages);
  }

  /** Wakes the queue's long polls for messages another process sent (a store wake-up; no count here). */
  wakeReceivers(queue: string): void {
    this.#arrivals.notify(queue);
  }

  /** Long polls waiting now (for tests and diagnostics). */
  get waitingReceivers(): number {
    return this.#arrivals.waiting;
  }

  /** Answers every waiting long poll now, and every later one at once: call before shutting down. */
  close(): void {
    this.#arrivals.close();
  }

  /** Closes, then lets move batches in progress finish and gives the tasks' leases back (before the store closes). */
  async stop(): Promise<void> {
    this.close();
    await this.moveTaskRunner.stop();
  }

  /** The operations as awsJson 1.0 exposes them under `X-Amz-Target: AmazonSQS.<Operation>`. */
  jsonService(): JsonService {
    return {
      service: 'SQS',
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      errorTypePrefix: 'com.amazonaws.sqs#',
      queryCompatible: true,
      datelessOutputs: true,
      operations: this.#operations(),
    };
  }

  /** The same operations on the query protocol: `Action=<Operation>&Version=2012-11-05`, signed for `sqs`. */
  queryService(): QueryService {
    const run = this.#operations();
    const operations: Record<string, QueryOperation> = {};
    for (const [name, shapes] of Object.entries(SQS_QUERY_SHAPES)) operations[name] = { run: run[name as SqsOperationName], ...shapes };
    return { service: 'SQS', signingName: 'sqs', version: SQS_QUERY_VERSION, xmlNamespace: SQS_XML_NAMESPACE, pathMember: 'QueueUrl', operations };
  }

  #operations(): Record<SqsOperationName, Operation> {
    // Inputs arrive unvalidated; every service checks its input's shape first, so the casts only name the type.
    type Input = never;
    return {
      CreateQueue: (i, c) => this.queues.create(i as Input, c),
      GetQueueUrl: (i, c) => this.queues.getUrl(i as Input, c),
      ListQueues: (i, c) => this.queues.list(i as Input, c),
      DeleteQueue: (i) => this.queues.delete(i as Input),
      GetQueueAttributes: (i) => this.queues.getAttributes(i as Input),
      SetQueueAttributes: (i) => this.queues.setAttributes(i as Input),
      PurgeQueue: (i) => this.queues.purge(i as Input),
      ListDeadLetterSourceQueues: (i, c) => this.queues.deadLetterSources(i as Input, c),
      SendMessage: (i, c) => this.messages.send(i as Input, c),
      SendMessageBatch: (i, c) => this.messages.sendBatch(i as Input, c),
      ReceiveMessage: (i) => this.receiver.receive(i as Input),
      DeleteMessage: (i) => this.receipts.delete(i as Input),
      DeleteMessageBatch: (i) => this.receipts.deleteBatch(i as Input),
      ChangeMessageVisibility: (i) => this.receipts.changeVisibility(i as Input),
      ChangeMessageVisibilityBatch: (i) => this.receipts.changeVisibilityBatch(i as Input),
      TagQueue: (i) => this.tags.tag(i as Input),
      UntagQueue: (i) => this.tags.untag(i as Input),
      ListQueueTags: (i) => this.tags.list(i as Input),
      StartMessageMoveTask: (i) => this.moveTasks.start(i as Input),
      ListMessageMoveTasks: (i) => this.moveTasks.list(i as Input),
      CancelMessageMoveTask: (i) => this.moveTasks.cancel(i as Input),
    };
  }
}
