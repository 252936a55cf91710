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

/** More queues than this and the dimension sets are dropped and built again, so deleted queues' do not pile up. */
const MAX_CACHED_QUEUES = 10_000;

export class QueueMetrics {
  /**
   * One frozen `{QueueName}` set per queue: the recorder finds a frozen set's series by identity instead of
   * building its key text on every call, and a send records once per message.
   */
  readonly #dimensions = new Map<string, Readonly<Record<string, string>>>();

  constructor(private readonly recorder: MetricRecorder) {}

  /** Messages written to one queue. */
  sent(messages: readonly NewQueueMessage[]): void {
    const first = messages[0];
    if (!first) return;
    const dimensions = this.#of(first.queue);
    this.recorder.add(SQS_NAMESPACE, 'NumberOfMessagesSent', dimensions, messages.length);
    for (const m of messages) this.recorder.add(SQS_NAMESPACE, 'SentMessageSize', dimensions, messageSize(m.body, m.attributes), 'Bytes');
  }

  /** One ReceiveMessage call's answer: its messages, or an empty receive. */
  received(queue: string, count: number): void {
    if (count > 0) this.recorder.add(SQS_NAMESPACE, 'NumberOfMessagesReceived', this.#of(queue), count);
    else this.recorder.add(SQS_NAMESPACE, 'NumberOfEmptyReceives', this.#of(queue), 1);
  }

  /** Successful deletes of one DeleteMessage(Batch) call. */
  deleted(queue: string, count: number): void {
    this.recorder.add(SQS_NAMESPACE, 'NumberOfMessagesDeleted', this.#of(queue), count);
  }

  #of(queue: string): Readonly<Record<string, string>> {
    let dimensions = this.#dimensions.get(queue);
    if (!dimensions) {
      if (this.#dimensions.size >= MAX_CACHED_QUEUES) this.#dimensions.clear();
      this.#dimensions.set(queue, (dimensions = Object.freeze({ QueueName: queue })));
    }
    return dimensions;
  }
}
