/**
 * SNS's HTTP/S delivery: a POST of SNS's JSON document (or, with RawMessageDelivery, the message itself) with SNS's
 * headers — `x-amz-sns-message-type`, `x-amz-sns-message-id` (the same on every retry), `x-amz-sns-topic-arn`,
 * `x-amz-sns-subscription-arn` — and the delivery policy's content type (`text/plain; charset=UTF-8` by default).
 * A 2xx or 4xx answer ends the delivery (SNS treats a 4xx as delivered; the handler counts it apart); 5xx, other
 * answers, timeouts and network errors are retried under the delivery policy.
 */
import { HttpFailure, type HttpClient } from '../invokers/http-call.js';
import type { InvocationResult } from '../invoker.js';
import { envelope, messageFor, type EnvelopeContext, type StoredMessage } from '../../topics/messages.js';

/** How long SNS waits for an HTTP/S endpoint to answer. */
const TIMEOUT_MS = 15_000;
const USER_AGENT = 'Amazon Simple Notification Service Agent';

export async function deliverHttp(client: HttpClient, m: StoredMessage, c: EnvelopeContext, endpoint: string, raw: boolean, contentType: string, signal: AbortSignal): Promise<InvocationResult> {
  const rawBody = raw && m.Type === 'Notification';
  const headers: Record<string, string> = {
    'content-type': contentType,
    'user-agent': USER_AGENT,
    'x-amz-sns-message-type': m.Type,
    'x-amz-sns-message-id': m.MessageId,
    'x-amz-sns-topic-arn': m.TopicArn,
  };
  if (m.Type === 'Notification') headers['x-amz-sns-subscription-arn'] = c.subscriptionArn;
  if (rawBody) headers['x-amz-sns-rawdelivery'] = 'true';
  const body = rawBody ? messageFor(m, c.protocol) : JSON.stringify(envelope(m, c));
  try {
    const answer = await client.send({ url: new URL(endpoint), method: 'POST', headers, body }, TIMEOUT_MS, signal);
    const response = { status: answer.status, body: answer.body };
    const s = answer.status;
    if ((s >= 200 && s < 300) || (s >= 400 && s < 500)) return { ok: true, response };
    return { ok: false, retryable: true, errorCode: 'ERROR_FROM_TARGET', errorMessage: `The endpoint answered HTTP ${s}.`, response };
  } catch (err) {
    if (!(err instanceof HttpFailure)) throw err;
    return { ok: false, retryable: true, errorCode: err.kind === 'timeout' ? 'TIMEOUT' : 'CONNECTION_FAILURE', errorMessage: err.message };
  }
}
