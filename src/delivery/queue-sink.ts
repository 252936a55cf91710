/**
 * Dead letters and destination records written to Mailroom's own SQS queues. The message is prepared here (the
 * queue must exist and take its size) and appended by the store inside the delivery's outcome transaction, so a
 * dead letter is never written without its delivery being settled, nor the other way round.
 */
import type { Clock } from '../clock.js';
import { numberAttribute } from '../queues/attributes.js';
import { queueNameOf, serviceMessage } from '../queues/internal-send.js';
import type { Store } from '../store/store.js';
import type { DeadLetterSink } from './dead-letters.js';

/** Who sends on EventBridge's behalf, as SQS reports SenderId. */
export const EVENTS_SENDER = 'events.amazonaws.com';

export class QueueSink implements DeadLetterSink {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async prepare(queueArn: string, _sourceArn: string, body: string, attributes: Record<string, string>) {
    const name = queueNameOf(queueArn);
    const queue = name === undefined ? undefined : await this.store.getQueue(name);
    if (!queue) return { refused: `The dead-letter queue ${queueArn} does not exist.` };
    const message = serviceMessage(queue, body, attributes, this.clock.now(), EVENTS_SENDER);
    const size = Buffer.byteLength(body) + Object.entries(attributes).reduce((n, [k, v]) => n + Buffer.byteLength(k) + 'String'.length + Buffer.byteLength(v), 0);
    if (size > numberAttribute(queue, 'MaximumMessageSize')) return { refused: `The dead letter (${size} bytes) is larger than ${queueArn}'s MaximumMessageSize.` };
    return { message };
  }
}
