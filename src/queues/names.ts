/**
 * Queue names, URLs and ARNs. A queue URL is `http://<host>/000000000000/<name>`, built from the Host the client
 * used so SDKs that send requests to the queue URL come back to this server; only its last path segment matters
 * when a URL comes in. The ARN is `arn:aws:sqs:<region>:000000000000:<name>`.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';

/** Where in-process callers' queue URLs point when no request Host is known: the server's default address. */
export const DEFAULT_ENDPOINT = 'http://localhost:4010';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** Checks a CreateQueue name; FIFO names are refused outright, since FIFO semantics are not implemented. */
export function validateQueueName(name: string): void {
  if (name.endsWith('.fifo')) {
    throw new ServiceError('InvalidParameterValue', `FIFO queues are not supported by Mailroom yet; '${name}' names a FIFO queue. Create a standard queue (a name without the .fifo suffix).`);
  }
  if (!QUEUE_NAME.test(name)) {
    throw new ServiceError('InvalidParameterValue', 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
}

export function queueUrl(ctx: RequestContext, name: string): string {
  return `${ctx.endpoint ?? DEFAULT_ENDPOINT}/${ctx.accountId}/${name}`;
}

export function queueArn(ctx: RequestContext, name: string): string {
  return `arn:aws:sqs:${ctx.region}:${ctx.accountId}:${name}`;
}

/** The queue name a QueueUrl refers to: its last path segment (a bare name is accepted too). */
export function queueNameOfUrl(url: string): string {
  // The usual `http://host/account/name`: what follows the last slash, when no query or fragment could hold that
  // slash and it is not the end of the scheme's `//`. Every SQS call comes through here; the general parse below
  // takes two regular-expression replaces, a split and a filter.
  const slash = url.lastIndexOf('/');
  if (slash > 0 && url.charCodeAt(slash - 1) !== 0x2f && !url.includes('?') && !url.includes('#')) {
    const name = url.slice(slash + 1);
    if (QUEUE_NAME.test(name)) return name;
  }
  const path = url.replace(/^[a-z]+:\/\/[^/]*/i, '').replace(/[?#].*$/, '');
  const name = path.split('/').filter((s) => s !== '').pop() ?? '';
  // Anything that cannot be a queue name cannot name an existing queue.
  if (!QUEUE_NAME.test(name)) throw nonExistentQueue();
  return name;
}

/** The queue name in an SQS ARN, or undefined when it is not one. */
export function queueNameOfArn(arn: string): string | undefined {
  const m = /^arn:aws[a-z-]*:sqs:[^:]*:\d{12}:([A-Za-z0-9_.-]{1,80})$/.exec(arn);
  return m?.[1];
}

export function nonExistentQueue(): ServiceError {
  return new ServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
}
