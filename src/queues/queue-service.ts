/**
 * The queue control plane: CreateQueue (idempotent for the same attributes), GetQueueUrl, ListQueues, DeleteQueue,
 * Get/SetQueueAttributes, PurgeQueue and ListDeadLetterSourceQueues. Standard queues only: a FIFO name or
 * attribute is refused with an error saying so.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { check, int, list, map, str, struct } from '../protocols/shape.js';
import { decodeNextToken, encodeNextToken } from '../paging.js';
import type { QueueRecord } from '../store/queues.js';
import { allowsRedriveFrom, applyAttributes, DEFAULT_ATTRIBUTES, firstDifference, readAttributes, type AttributeLookups } from './attributes.js';
import { checkRange, required, requireQueue, type QueueDeps } from './deps.js';
import { nonExistentQueue, queueArn, queueNameOfArn, queueUrl, validateQueueName } from './names.js';
import { checkTags } from './tags.js';

/** SQS allows one purge per queue per 60 seconds. */
const PURGE_INTERVAL_MS = 60_000;
/** ListQueues without MaxResults answers at most this many, with no NextToken, as SQS does. */
const LIST_LIMIT = 1000;

const createShape = struct({ QueueName: str(), Attributes: map(str()), tags: map(str()) });
const nameShape = struct({ QueueName: str(), QueueOwnerAWSAccountId: str() });
const listShape = struct({ QueueNamePrefix: str(), NextToken: str(), MaxResults: int() });
const urlShape = struct({ QueueUrl: str() });
const getAttributesShape = struct({ QueueUrl: str(), AttributeNames: list(str()) });
const setAttributesShape = struct({ QueueUrl: str(), Attributes: map(str()) });
const sourcesShape = struct({ QueueUrl: str(), NextToken: str(), MaxResults: int() });

export interface CreateQueueInput {
  QueueName: string;
  Attributes?: Record<string, string>;
  /** Lower-case in SQS's API. */
  tags?: Record<string, string>;
}

export interface ListQueuesInput {
  QueueNamePrefix?: string;
  NextToken?: string;
  MaxResults?: number;
}

export interface QueueUrlInput {
  QueueUrl: string;
}

export class QueueService {
  readonly #lookup: AttributeLookups;

  constructor(private readonly deps: QueueDeps) {
    this.#lookup = { queue: (name) => deps.store.getQueue(name), key: (ref) => deps.keyring.resolve(ref) };
  }

  async create(input: CreateQueueInput, ctx: RequestContext): Promise<{ QueueUrl: string }> {
    const req = check<CreateQueueInput>(input, createShape);
    const name = required(req.QueueName, 'QueueName');
    validateQueueName(name);
    const arn = queueArn(ctx, name);
    const attributes = await applyAttributes(DEFAULT_ATTRIBUTES, req.Attributes, this.#lookup);
    await this.#checkRedriveAllowed(arn, attributes);
    const tags = req.tags ?? {};
    checkTags(tags, 0);
    const now = this.deps.clock.now();
    const queue: QueueRecord = { name, arn, attributes, createdAt: now, lastModifiedAt: now };
    if (!(await this.deps.store.createQueue(queue, tags))) {
      const existing = await this.deps.store.getQueue(name);
      // Deleted again between the two calls: the caller may simply retry.
      if (!existing) throw nonExistentQueue();
      const differing = firstDifference(existing.attributes, attributes);
      if (differing !== undefined) {
        throw new ServiceError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${differing}`);
      }
    }
    await this.#deadLetterQueueNamed(attributes);
    return { QueueUrl: queueUrl(ctx, name) };
  }

  async getUrl(input: { QueueName: string; QueueOwnerAWSAccountId?: string }, ctx: RequestContext): Promise<{ QueueUrl: string }> {
    const req = check<{ QueueName?: string }>(input, nameShape);
    const name = required(req.QueueName, 'QueueName');
    if (!(await this.deps.store.getQueue(name))) throw nonExistentQueue();
    return { QueueUrl: queueUrl(ctx, name) };
  }

  async list(input: ListQueuesInput, ctx: RequestContext): Promise<{ QueueUrls?: string[]; NextToken?: string }> {
    const req = check<ListQueuesInput>(input, listShape);
    checkRange(req.MaxResults, 'MaxResults', 1, LIST_LIMIT);
    const page = await this.deps.store.listQueues({ prefix: req.QueueNamePrefix, after: afterToken(req.NextToken), limit: req.MaxResults ?? LIST_LIMIT });
    const out: { QueueUrls?: string[]; NextToken?: string } = {};
    if (page.items.length > 0) out.QueueUrls = page.items.map((q) => queueUrl(ctx, q.name));
    // Only a caller that pages (MaxResults) gets a NextToken.
    if (req.MaxResults !== undefined && page.after !== undefined) out.NextToken = encodeNextToken(page.after)!;
    return out;
  }

  async delete(input: QueueUrlInput): Promise<object> {
    const req = check<QueueUrlInput>(input, urlShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    await this.deps.store.deleteQueue(queue.name);
    // Receivers long-polling the queue wake up and answer QueueDoesNotExist.
    this.deps.arrivals.notify(queue.name);
    return {};
  }

  async getAttributes(input: QueueUrlInput & { AttributeNames?: string[] }): Promise<{ Attributes?: Record<string, string> }> {
    const req = check<QueueUrlInput & { AttributeNames?: string[] }>(input, getAttributesShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const attributes = await readAttributes(queue, req.AttributeNames ?? [], () => this.deps.store.queueCounts(queue.name, this.deps.clock.now()));
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  }

  async setAttributes(input: QueueUrlInput & { Attributes: Record<string, string> }): Promise<object> {
    const req = check<QueueUrlInput & { Attributes?: Record<string, string> }>(input, setAttributesShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const attributes = await applyAttributes(queue.attributes, required(req.Attributes, 'Attributes'), this.#lookup);
    await this.#checkRedriveAllowed(queue.arn, attributes);
    if (!(await this.deps.store.setQueueAttributes(queue.name, attributes, this.deps.clock.now()))) throw nonExistentQueue();
    if (req.Attributes?.RedrivePolicy !== undefined) await this.#deadLetterQueueNamed(attributes);
    return {};
  }

  async purge(input: QueueUrlInput): Promise<object> {
    const req = check<QueueUrlInput>(input, urlShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const now = this.deps.clock.now();
    if (queue.lastPurgedAt !== undefined && now - queue.lastPurgedAt < PURGE_INTERVAL_MS) {
      throw new ServiceError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
    }
    if (!(await this.deps.store.purgeQueue(queue.name, now))) throw nonExistentQueue();
    return {};
  }

  async deadLetterSources(input: QueueUrlInput & { NextToken?: string; MaxResults?: number }, ctx: RequestContext) {
    const req = check<QueueUrlInput & { NextToken?: string; MaxResults?: number }>(input, sourcesShape);
    checkRange(req.MaxResults, 'MaxResults', 1, LIST_LIMIT);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const page = await this.deps.store.deadLetterSourceQueues(queue.arn, { after: afterToken(req.NextToken), limit: req.MaxResults ?? LIST_LIMIT });
    // Lower-case queueUrls, and always present: that is this operation's output shape in SQS's model.
    const out: { queueUrls: string[]; NextToken?: string } = { queueUrls: page.items.map((name) => queueUrl(ctx, name)) };
    if (req.MaxResults !== undefined && page.after !== undefined) out.NextToken = encodeNextToken(page.after)!;
    return out;
  }

  async #deadLetterQueueNamed(attributes: Record<string, string>): Promise<void> {
    if (attributes.RedrivePolicy !== undefined) await this.deps.deadLetterQueueNamed?.(redriveTarget(attributes.RedrivePolicy));
  }

  /** A dead-letter queue's RedriveAllowPolicy may refuse this queue as a source. */
  async #checkRedriveAllowed(sourceArn: string, attributes: Record<string, string>): Promise<void> {
    if (attributes.RedrivePolicy === undefined) return;
    const deadLetterTargetArn = redriveTarget(attributes.RedrivePolicy);
    const dlq = await this.deps.store.getQueue(queueNameOfArn(deadLetterTargetArn)!);
    if (dlq && !allowsRedriveFrom(dlq, sourceArn)) {
      throw new ServiceError(
        'InvalidParameterValue',
        `Value ${attributes.RedrivePolicy} for parameter RedrivePolicy is invalid. Reason: Queue ${deadLetterTargetArn} does not allow ${sourceArn} as a dead-letter source (its RedriveAllowPolicy).`,
      );
    }
  }
}

/** The dead-letter queue's ARN in a RedrivePolicy that applyAttributes has validated. */
function redriveTarget(policy: string): string {
  return (JSON.parse(policy) as { deadLetterTargetArn: string }).deadLetterTargetArn;
}

function afterToken(token: string | undefined): string | undefined {
  try {
    return decodeNextToken(token);
  } catch {
    throw new ServiceError('InvalidParameterValue', 'Invalid NextToken value.');
  }
}
