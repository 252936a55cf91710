/**
 * SNS's delivery to an SQS subscription: SNS's JSON document as the message body — or, with RawMessageDelivery, the
 * message itself with its attributes as SQS message attributes — sent to Mailroom's own queue through the same
 * internal send the delivery engine's SQS targets use, as sns.amazonaws.com on behalf of the topic (which the
 * queue's Policy may refuse, as in AWS). A queue that does not exist, refuses, or is too small for the message is a
 * client-side error in SNS's terms: not retried.
 */
import type { Clock } from '../../clock.js';
import { numberAttribute } from '../../queues/attributes.js';
import { newMessage, queueNameOf } from '../../queues/internal-send.js';
import { serviceSendRefusal } from '../../queues/policy.js';
import type { MessageAttribute, NewQueueMessage } from '../../store/queues.js';
import type { Store } from '../../store/store.js';
import { envelope, messageFor, type EnvelopeContext, type StoredMessage } from '../../topics/messages.js';
import type { InvocationResult } from '../invoker.js';

/** Who sends on SNS's behalf: the service principal queue policies name, and SQS's SenderId. */
export const SNS_SENDER = 'sns.amazonaws.com';

export async function deliverToQueue(store: Store, clock: Clock, sent: (messages: readonly NewQueueMessage[]) => void, m: StoredMessage, c: EnvelopeContext, queueArn: string, raw: boolean): Promise<InvocationResult> {
  const name = queueNameOf(queueArn);
  const queue = name === undefined ? undefined : await store.getQueue(name);
  const missing: InvocationResult = { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: `Queue ${queueArn} does not exist.` };
  if (!queue) return missing;
  const refusal = serviceSendRefusal(queue, SNS_SENDER, m.TopicArn);
  if (refusal !== undefined) return { ok: false, retryable: false, errorCode: 'NO_PERMISSIONS', errorMessage: refusal };
  const rawBody = raw && m.Type === 'Notification';
  const body = rawBody ? messageFor(m, c.protocol) : JSON.stringify(envelope(m, c));
  const attributes: Record<string, MessageAttribute> = {};
  if (rawBody) for (const [key, a] of Object.entries(m.MessageAttributes ?? {})) attributes[key] = { ...a };
  // SNS's document around a 256 KiB message can outgrow a queue kept at SQS's old 256 KiB limit; SQS would refuse it.
  const size = Buffer.byteLength(body);
  if (size > numberAttribute(queue, 'MaximumMessageSize')) {
    return { ok: false, retryable: false, errorCode: 'INVALID_PARAMETER', errorMessage: `The message (${size} bytes) is larger than ${queueArn}'s MaximumMessageSize.` };
  }
  const message = newMessage(queue, body, attributes, clock.now(), SNS_SENDER);
  if (!(await store.sendMessages([message]))) return missing;
  sent([message]);
  return { ok: true };
}
