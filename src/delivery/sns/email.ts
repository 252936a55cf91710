/**
 * SNS's email delivery through the operator's SMTP server. `email` subscribers get the message as plain text, with
 * the topic's DisplayName as the sender's name and SNS's footer with the UnsubscribeURL; `email-json` subscribers
 * get SNS's JSON document. A subscription confirmation is a mail with the SubscribeURL to visit. The server's
 * permanent refusals (5xx) are not retried; the rest follows SNS's email delivery policy.
 */
import { SmtpError, type SmtpClient } from '../invokers/smtp.js';
import type { InvocationResult } from '../invoker.js';
import type { TopicRecord } from '../../store/topics.js';
import { envelope, messageFor, type EnvelopeContext, type StoredMessage } from '../../topics/messages.js';

const DEFAULT_SUBJECT = 'AWS Notification Message';
const CONFIRMATION_SUBJECT = 'AWS Notification - Subscription Confirmation';
const DEFAULT_SENDER_NAME = 'AWS Notifications';

function composeEmail(m: StoredMessage, c: EnvelopeContext, topic: TopicRecord, to: string) {
  const fromName = topic.attributes.DisplayName || DEFAULT_SENDER_NAME;
  if (c.protocol === 'email-json') return { fromName, to, subject: m.Type === 'Notification' ? (m.Subject ?? DEFAULT_SUBJECT) : CONFIRMATION_SUBJECT, text: JSON.stringify(envelope(m, c)) };
  if (m.Type === 'SubscriptionConfirmation') {
    const link = c.links.subscribeUrl(m.TopicArn, m.Token);
    const text = `You have chosen to subscribe to the topic:\n${m.TopicArn}\n\nTo confirm this subscription, click or visit the link below (If this was in error no action is necessary):\n${link}\n`;
    return { fromName, to, subject: CONFIRMATION_SUBJECT, text };
  }
  const footer = `\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${c.links.unsubscribeUrl(c.subscriptionArn)}\n`;
  return { fromName, to, subject: m.Subject ?? DEFAULT_SUBJECT, text: messageFor(m, c.protocol) + footer };
}

export async function deliverEmail(smtp: SmtpClient | undefined, m: StoredMessage, c: EnvelopeContext, topic: TopicRecord, to: string, signal: AbortSignal): Promise<InvocationResult> {
  if (!smtp) return { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: 'No SMTP server is configured (set "smtp" in the config file).' };
  try {
    await smtp.send(composeEmail(m, c, topic, to), signal);
    return { ok: true };
  } catch (err) {
    if (!(err instanceof SmtpError)) throw err;
    return { ok: false, retryable: err.kind !== 'permanent', errorCode: err.kind === 'timeout' ? 'TIMEOUT' : err.kind === 'network' ? 'CONNECTION_FAILURE' : 'ERROR_FROM_TARGET', errorMessage: err.message };
  }
}
