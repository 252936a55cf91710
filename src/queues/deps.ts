/**
 * What every SQS service needs, built once by createMailroom and shared, and the lookups they all start with.
 */
import type { Clock } from '../clock.js';
import { ServiceError } from '../errors.js';
import type { MoveTaskStore } from '../store/move-tasks.js';
import type { Keyring } from '../keys/keyring.js';
import { withKeyErrors } from '../keys/service-errors.js';
import type { QueueRecord, QueueStore } from '../store/queues.js';
import type { Arrivals } from './arrivals.js';
import type { QueueMetrics } from './queue-metrics.js';
import { nonExistentQueue, queueNameOfUrl } from './names.js';

export interface QueueDeps {
  store: QueueStore & MoveTaskStore;
  clock: Clock;
  arrivals: Arrivals;
  metrics: QueueMetrics;
  /**
   * A long poll looks at the store at least this often (clock time): for a store other processes send to, whose
   * arrivals this process hears of only by a wake-up that may be lost. Unset: only on arrivals here and when due.
   */
  pollMs?: number;
  /** For KmsMasterKeyId: the key must exist. */
  keyring: Keyring;
  /** A queue's RedrivePolicy names this queue as its dead-letter queue (the secure defaults' alarm); never throws. */
  deadLetterQueueNamed?: (queueArn: string) => Promise<void>;
}

/** SQS's answer for an absent required parameter. */
export function missingParameter(name: string): ServiceError {
  return new ServiceError('MissingParameter', `The request must contain the parameter ${name}.`);
}

export function required<T>(value: T | undefined | null, name: string): T {
  if (value === undefined || value === null) throw missingParameter(name);
  return value;
}

/** The queue a QueueUrl names, or QueueDoesNotExist. */
export async function requireQueue(deps: QueueDeps, url: string | undefined): Promise<QueueRecord> {
  const queue = await deps.store.getQueue(queueNameOfUrl(required(url, 'QueueUrl')));
  if (!queue) throw nonExistentQueue();
  return queue;
}

/** SQS's wording for a numeric parameter outside its range. */
export function checkRange(value: number | undefined, name: string, min: number, max: number): void {
  if (value !== undefined && (value < min || value > max)) {
    throw new ServiceError('InvalidParameterValue', `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`);
  }
}

/**
 * Runs a store call that seals or opens messages, answering SQS's KMS errors when the queue's KMS key cannot be
 * used: nothing was written or claimed then, and the messages are intact for when the key is enabled again.
 */
export function withQueueKey<T>(fn: () => Promise<T>): Promise<T> {
  return withKeyErrors({ 'not-found': 'KmsNotFound', disabled: 'KmsDisabled', 'invalid-state': 'KmsInvalidState' }, fn);
}
