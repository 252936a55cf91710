/**
 * What a receipt handle lets a consumer do: DeleteMessage(Batch) and ChangeMessageVisibility(Batch).
 *
 * A handle is good until the message is received again. Deleting a message that is already gone succeeds, as in
 * SQS (a retried delete must not fail); a handle superseded by a later receive is ReceiptHandleIsInvalid ("The
 * receipt handle has expired."), so a slow consumer learns that someone else now owns the message.
 */
import { ServiceError } from '../errors.js';
import { check, int, list, str, struct } from '../protocols/shape.js';
import type { HandleResult, QueueRecord } from '../store/queues.js';
import { batchFailure, checkBatch, runEntry, type BatchFailure } from './batch.js';
import { checkRange, missingParameter, required, requireQueue, type QueueDeps } from './deps.js';

/** 12 hours, SQS's longest visibility timeout. */
export const MAX_VISIBILITY_TIMEOUT = 43_200;

const deleteShape = struct({ QueueUrl: str(), ReceiptHandle: str() });
const deleteBatchShape = struct({ QueueUrl: str(), Entries: list(struct({ Id: str(), ReceiptHandle: str() })) });
const changeShape = struct({ QueueUrl: str(), ReceiptHandle: str(), VisibilityTimeout: int() });
const changeBatchShape = struct({ QueueUrl: str(), Entries: list(struct({ Id: str(), ReceiptHandle: str(), VisibilityTimeout: int() })) });

export interface DeleteMessageInput {
  QueueUrl: string;
  ReceiptHandle: string;
}

export interface ChangeMessageVisibilityInput extends DeleteMessageInput {
  /** Seconds from now, 0–43200; 0 makes the message visible at once. */
  VisibilityTimeout: number;
}

export interface DeleteMessageBatchInput {
  QueueUrl: string;
  Entries: { Id: string; ReceiptHandle: string }[];
}

export interface ChangeMessageVisibilityBatchInput {
  QueueUrl: string;
  Entries: { Id: string; ReceiptHandle: string; VisibilityTimeout: number }[];
}

function invalidHandle(handle: string): ServiceError {
  return new ServiceError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
}

function expired(): ServiceError {
  return new ServiceError('ReceiptHandleIsInvalid', 'The receipt handle has expired.');
}

/** What a delete's result means to the caller: nothing wrong (deleting a message already gone succeeds), or why. */
function deleteError(result: HandleResult, handle: string): ServiceError | undefined {
  if (result === 'invalid') return invalidHandle(handle);
  if (result === 'stale') return expired();
  return undefined;
}

export class ReceiptService {
  constructor(private readonly deps: QueueDeps) {}

  async delete(input: DeleteMessageInput): Promise<object> {
    const req = check<DeleteMessageInput>(input, deleteShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const handle = required(req.ReceiptHandle, 'ReceiptHandle');
    const [result] = await this.deps.store.deleteMessages(queue.name, [handle]);
    const error = deleteError(result!, handle);
    if (error) throw error;
    this.deps.metrics.deleted(queue.name, 1);
    return {};
  }

  async deleteBatch(input: DeleteMessageBatchInput) {
    const req = check<DeleteMessageBatchInput>(input, deleteBatchShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    checkBatch(req.Entries, 'DeleteMessageBatchRequestEntry');
    // The entries with a handle are deleted together, in one transaction; one without fails on its own. The
    // results come back in the order of the handles given, so the n-th entry with a handle has the n-th result.
    const hasHandle = (e: { ReceiptHandle?: string | null }) => e.ReceiptHandle !== undefined && e.ReceiptHandle !== null;
    const handles: string[] = [];
    for (const entry of req.Entries) if (hasHandle(entry)) handles.push(entry.ReceiptHandle);
    const results = handles.length > 0 ? await this.deps.store.deleteMessages(queue.name, handles) : [];
    let next = 0;
    const Successful: { Id: string }[] = [];
    const Failed: BatchFailure[] = [];
    for (const entry of req.Entries) {
      const error = hasHandle(entry) ? deleteError(results[next++]!, entry.ReceiptHandle) : missingParameter('ReceiptHandle');
      if (error) Failed.push(batchFailure(entry.Id, error));
      else Successful.push({ Id: entry.Id });
    }
    if (Successful.length > 0) this.deps.metrics.deleted(queue.name, Successful.length);
    return { Successful, Failed };
  }

  async changeVisibility(input: ChangeMessageVisibilityInput): Promise<object> {
    const req = check<ChangeMessageVisibilityInput>(input, changeShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    await this.#change(queue, req.ReceiptHandle, req.VisibilityTimeout);
    return {};
  }

  async changeVisibilityBatch(input: ChangeMessageVisibilityBatchInput) {
    const req = check<ChangeMessageVisibilityBatchInput>(input, changeBatchShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    checkBatch(req.Entries, 'ChangeMessageVisibilityBatchRequestEntry');
    const Successful: { Id: string }[] = [];
    const Failed: BatchFailure[] = [];
    for (const entry of req.Entries) {
      const outcome = await runEntry(entry.Id, () => this.#change(queue, entry.ReceiptHandle, entry.VisibilityTimeout));
      if ('failed' in outcome) Failed.push(outcome.failed);
      else Successful.push({ Id: entry.Id });
    }
    return { Successful, Failed };
  }

  async #change(queue: QueueRecord, handle: string | undefined, timeout: number | undefined): Promise<void> {
    const h = required(handle, 'ReceiptHandle');
    const seconds = required(timeout, 'VisibilityTimeout');
    checkRange(seconds, 'VisibilityTimeout', 0, MAX_VISIBILITY_TIMEOUT);
    const result: HandleResult = await this.deps.store.changeMessageVisibility(queue.name, h, this.deps.clock.now() + seconds * 1000);
    if (result === 'invalid') throw invalidHandle(h);
    if (result === 'stale') throw expired();
    if (result === 'gone') {
      throw new ServiceError('InvalidParameterValue', `Value ${h} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
    }
    // A message made visible now is news to receivers waiting on this queue.
    if (seconds === 0) this.deps.arrivals.notify(queue.name);
  }
}
