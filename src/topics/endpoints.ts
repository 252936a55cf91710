/**
 * Subscription protocols and endpoints as Subscribe checks them, with SNS's wording. Mailroom delivers http, https,
 * sqs (its own queues), lambda (its registered functions, see docs/functions.md), and email / email-json when an
 * SMTP server is configured; SMS, mobile push and Firehose are refused with a message saying so.
 */
import { invalidParameter } from './names.js';

export type Protocol = 'http' | 'https' | 'sqs' | 'lambda' | 'email' | 'email-json';

const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:([A-Za-z0-9_.-]{1,80})$/;
const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:\$LATEST)?$/;
// What SNS takes as an address: something@domain, no spaces.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const NOT_DELIVERED = new Set(['sms', 'application', 'firehose']);

/** Subscriptions of these protocols must be confirmed by the endpoint; the others are confirmed at once. */
export function needsConfirmation(protocol: string): boolean {
  return protocol === 'http' || protocol === 'https' || protocol === 'email' || protocol === 'email-json';
}

export function checkEndpoint(protocol: string, endpoint: string | undefined, emailEnabled: boolean): asserts protocol is Protocol {
  if (NOT_DELIVERED.has(protocol)) throw invalidParameter(`Protocol Reason: Mailroom does not deliver to ${protocol} endpoints`);
  if (!['http', 'https', 'sqs', 'lambda', 'email', 'email-json'].includes(protocol)) {
    throw invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
  }
  if (endpoint === undefined || endpoint === '') throw invalidParameter('Endpoint Reason: no value for required parameter');
  switch (protocol) {
    case 'http':
    case 'https':
      if (!endpoint.startsWith(`${protocol}://`) || !URL.canParse(endpoint)) throw invalidParameter('Endpoint must match the specified protocol');
      return;
    case 'sqs': {
      const queue = SQS_ARN.exec(endpoint)?.[1];
      if (queue === undefined) throw invalidParameter('SQS endpoint ARN');
      if (queue.endsWith('.fifo')) throw invalidParameter('Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics');
      return;
    }
    case 'lambda':
      if (!FUNCTION_ARN.test(endpoint)) throw invalidParameter('Lambda endpoint ARN');
      return;
    default:
      if (!EMAIL.test(endpoint)) throw invalidParameter('Email address');
      if (!emailEnabled) throw invalidParameter('Protocol Reason: email delivery needs an SMTP server: set "smtp" in Mailroom\'s config file (see docs/topics.md)');
  }
}
