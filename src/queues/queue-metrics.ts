/**
 * The AWS/SQS metrics, per queue (dimension `QueueName`) and minute, in AWS's names. Counts are recorded where
 * the operations happen: `NumberOfMessagesSent` and `SentMessageSize` for every send — a client's, and the
 * messages Mailroom's own services write (EventBridge's SQS targets and dead letters, function destinations),
 * which are sends to the queue in AWS too; a redrive's move to a dead-letter queue is not, as in AWS.
 * `NumberOfMessagesReceived` / `NumberOfEmptyReceives` per ReceiveMessage, `NumberOfMessagesDeleted` per
 * successful delete (a repeated delete of the same handle included, as AWS counts it). The gauges are sampled
 * once a minute by QueueGaugeSampler (queue-gauges.ts).
 */
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { NewQueueMessage } from '../store/queues.js';
import { messageSize } from './message-attributes.js';

export const SQS_NAMESPACE = 'AWS/SQS';

export class QueueMetrics {
  constructor(private readonly recorder: MetricRecorder) {}

  /** Messages written to one queue. */
  sent(messages: readonly NewQueueMessage[]): void {
    const first = messages[0];
    if (!first) return;
    const dimensions = { QueueName: first.queue };
    this.recorder.add(SQS_NAMESPACE, 'NumberOfMessagesSent', dimensions, messages.length);
    for (const m of messages) this.recorder.add(SQS_NAMESPACE, 'SentMessageSize', dimensions, messageSize(m.body, m.attributes), 'Bytes');
  }

  /** One ReceiveMessage call's answer: its messages, or an empty receive. */
  received(queue: string, count: number): void {
    if (count > 0) this.recorder.add(SQS_NAMESPACE, 'NumberOfMessagesReceived', { QueueName: queue }, count);
    else this.recorder.add(SQS_NAMESPACE, 'NumberOfEmptyReceives', { QueueName: queue }, 1);
  }

  /** Successful deletes of one DeleteMessage(Batch) call. */
  deleted(queue: string, count: number): void {
    this.recorder.add(SQS_NAMESPACE, 'NumberOfMessagesDeleted', { QueueName: queue }, count);
  }
}
