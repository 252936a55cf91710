/**
 * Dead letters and destination records written to Mailroom's own SQS queues. The message is prepared here (the
 * queue must exist, take its size and — for EventBridge's dead letters — let the rule send under its Policy) and
 * appended by the store inside the delivery's outcome transaction, so a dead letter is never written without its
 * delivery being settled, nor the other way round.
 */
import type { Clock } from '../clock.js';
import { numberAttribute } from '../queues/attributes.js';
import { queueNameOf, serviceMessage } from '../queues/internal-send.js';
import { messageSize } from '../queues/message-attributes.js';
import { serviceSendRefusal } from '../queues/policy.js';
import type { Store } from '../store/store.js';
import type { DeadLetterSink } from './dead-letters.js';

/** Who sends on EventBridge's behalf: the service principal queue policies name, and SQS's SenderId. */
export const EVENTS_SENDER = 'events.amazonaws.com';

export class QueueSink implements DeadLetterSink {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** The service principal whose sends the queue's Policy governs; none for sends no policy governs. */
    private readonly principal?: string,
  ) {}

  async prepare(queueArn: string, sourceArn: string, body: string, attributes: Record<string, string>) {
    const name = queueNameOf(queueArn);
    const queue = name === undefined ? undefined : await this.store.getQueue(name);
    if (!queue) return { refused: `The dead-letter queue ${queueArn} does not exist.` };
    const refusal = this.principal === undefined ? undefined : serviceSendRefusal(queue, this.principal, sourceArn);
    if (refusal !== undefined) return { refused: refusal };
    const message = serviceMessage(queue, body, attributes, this.clock.now(), this.principal ?? EVENTS_SENDER);
    const size = messageSize(body, message.attributes);
    if (size > numberAttribute(queue, 'MaximumMessageSize')) return { refused: `The dead letter (${size} bytes) is larger than ${queueArn}'s MaximumMessageSize.` };
    return { message };
  }
}
