/**
 * SNS messages: what is stored when a message is published (or a confirmation is due), and what each subscriber
 * receives — SNS's JSON document (`Type`, `MessageId`, `TopicArn`, `Subject`, `Message`, `Timestamp`,
 * `SignatureVersion`, `Signature`, `SigningCertURL`, `UnsubscribeURL`, `MessageAttributes`, in SNS's key order), the
 * raw message, or the Lambda event. The signature covers SNS's canonical string: for a notification the fields
 * Message, MessageId, Subject (if present), Timestamp, TopicArn, Type; for a confirmation Message, MessageId,
 * SubscribeURL, Timestamp, Token, TopicArn, Type; each as "name\nvalue\n".
 */
import type { TopicLinks } from './links.js';
import type { MessageAttributeValue } from './message-attributes.js';
import type { SignatureVersion, SigningKey } from './signing.js';

/** A published message, as stored until every subscription has it (the payload column, sealed at rest). */
export interface StoredNotification {
  Type: 'Notification';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  /** 'json': Message is an object of per-protocol messages with a "default". */
  MessageStructure?: 'json';
  MessageAttributes?: Record<string, MessageAttributeValue>;
  Timestamp: string;
}

/** A subscription confirmation for one http/https/email subscription. */
export interface StoredConfirmation {
  Type: 'SubscriptionConfirmation';
  MessageId: string;
  TopicArn: string;
  Token: string;
  Message: string;
  Timestamp: string;
}

export type StoredMessage = StoredNotification | StoredConfirmation;

/** SNS's text for a confirmation. */
export function confirmationText(topicArn: string): string {
  return `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`;
}

/** The message a protocol receives: with MessageStructure json, its own entry or the default. */
export function messageFor(m: StoredNotification, protocol: string): string {
  if (m.MessageStructure !== 'json') return m.Message;
  const parts = JSON.parse(m.Message) as Record<string, unknown>;
  // Entries that are not strings are ignored, as SNS ignores them; Publish made sure the default is one.
  const own = parts[protocol];
  return typeof own === 'string' ? own : (parts.default as string);
}

function canonical(fields: [string, string | undefined][]): string {
  return fields.map(([name, value]) => (value === undefined ? '' : `${name}\n${value}\n`)).join('');
}

/** What a notification's subscribers see of its attributes: `{ name: { Type, Value } }`. */
function envelopeAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, { Type: string; Value: string }> {
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [name, a] of Object.entries(attributes)) out[name] = { Type: a.DataType, Value: a.BinaryValue ?? a.StringValue ?? '' };
  return out;
}

export interface EnvelopeContext {
  key: SigningKey;
  version: SignatureVersion;
  links: TopicLinks;
  subscriptionArn: string;
  protocol: string;
}

/** SNS's JSON document for an HTTP/S endpoint, an SQS queue or an email-json address. */
export function envelope(m: StoredMessage, c: EnvelopeContext): Record<string, unknown> {
  const signing = { SignatureVersion: c.version, Signature: '', SigningCertURL: c.links.signingCertUrl(c.key.fingerprint) };
  if (m.Type === 'SubscriptionConfirmation') {
    const SubscribeURL = c.links.subscribeUrl(m.TopicArn, m.Token);
    signing.Signature = c.key.sign(
      canonical([['Message', m.Message], ['MessageId', m.MessageId], ['SubscribeURL', SubscribeURL], ['Timestamp', m.Timestamp], ['Token', m.Token], ['TopicArn', m.TopicArn], ['Type', m.Type]]),
      c.version,
    );
    return { Type: m.Type, MessageId: m.MessageId, Token: m.Token, TopicArn: m.TopicArn, Message: m.Message, SubscribeURL, Timestamp: m.Timestamp, ...signing };
  }
  const Message = messageFor(m, c.protocol);
  signing.Signature = c.key.sign(
    canonical([['Message', Message], ['MessageId', m.MessageId], ['Subject', m.Subject], ['Timestamp', m.Timestamp], ['TopicArn', m.TopicArn], ['Type', m.Type]]),
    c.version,
  );
  return {
    Type: m.Type,
    MessageId: m.MessageId,
    TopicArn: m.TopicArn,
    ...(m.Subject !== undefined && { Subject: m.Subject }),
    Message,
    Timestamp: m.Timestamp,
    ...signing,
    UnsubscribeURL: c.links.unsubscribeUrl(c.subscriptionArn),
    ...(m.MessageAttributes && { MessageAttributes: envelopeAttributes(m.MessageAttributes) }),
  };
}

/** The event a Lambda function subscribed to a topic is invoked with. */
export function lambdaEvent(m: StoredNotification, c: EnvelopeContext): object {
  const e = envelope(m, c) as Record<string, unknown>;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: c.subscriptionArn,
        Sns: {
          Type: e.Type,
          MessageId: e.MessageId,
          TopicArn: e.TopicArn,
          // Lambda's record always has these two, null and empty when the message has none.
          Subject: e.Subject ?? null,
          Message: e.Message,
          Timestamp: e.Timestamp,
          SignatureVersion: e.SignatureVersion,
          Signature: e.Signature,
          SigningCertUrl: e.SigningCertURL,
          UnsubscribeUrl: e.UnsubscribeURL,
          MessageAttributes: e.MessageAttributes ?? {},
        },
      },
    ],
  };
}
