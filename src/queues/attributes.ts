/**
 * Queue attributes: which exist, their ranges and defaults, validation with SQS's error codes, and the
 * GetQueueAttributes view. A queue stores every settable attribute's effective value as the string SQS returns,
 * defaults included, so CreateQueue's "same attributes?" check and GetQueueAttributes are plain lookups.
 */
import { ServiceError } from '../errors.js';
import { KeyError } from '../keys/errors.js';
import { SQS_MANAGED_KEY } from '../keys/key-refs.js';
import type { QueueCounts, QueueRecord } from '../store/queues.js';
import { queueNameOfArn } from './names.js';
import { compiledPolicy } from './policy.js';

type Rule =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'text' }
  | { kind: 'key' }
  | { kind: 'json'; check?: (value: Record<string, unknown>, name: string, text: string, lookup: QueueLookup) => Promise<string> };

export type QueueLookup = (name: string) => Promise<QueueRecord | undefined>;

/** What attribute validation looks up: other queues (RedrivePolicy), KMS keys (KmsMasterKeyId, must exist). */
export interface AttributeLookups {
  queue: QueueLookup;
  /** Throws a KeyError when no KMS key goes by `ref`. */
  key: (ref: string) => unknown;
}

const SETTABLE: Record<string, Rule> = {
  DelaySeconds: { kind: 'int', min: 0, max: 900 },
  MaximumMessageSize: { kind: 'int', min: 1024, max: 1_048_576 },
  MessageRetentionPeriod: { kind: 'int', min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { kind: 'int', min: 0, max: 20 },
  VisibilityTimeout: { kind: 'int', min: 0, max: 43_200 },
  RedrivePolicy: { kind: 'json', check: checkRedrivePolicy },
  RedriveAllowPolicy: { kind: 'json', check: checkRedriveAllowPolicy },
  Policy: { kind: 'json', check: checkPolicy },
  KmsMasterKeyId: { kind: 'key' },
  KmsDataKeyReusePeriodSeconds: { kind: 'int', min: 60, max: 86_400 },
  SqsManagedSseEnabled: { kind: 'bool' },
};

/** What a new queue has unless CreateQueue says otherwise. SSE is on by default: Mailroom encrypts by default. */
export const DEFAULT_ATTRIBUTES: Readonly<Record<string, string>> = {
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
};

const COMPUTED = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

/** Attributes of FIFO queues only; Mailroom refuses them rather than half-supporting FIFO. */
const FIFO_ONLY = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

/** Attributes that can be removed by setting them to the empty string. */
const REMOVABLE = new Set(['RedrivePolicy', 'RedriveAllowPolicy', 'Policy', 'KmsMasterKeyId']);

const KMS_DATA_KEY_REUSE_DEFAULT = '300';

function invalidValue(name: string, reason?: string): ServiceError {
  return new ServiceError('InvalidAttributeValue', `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}.` : ''}`);
}

function fifoUnsupported(name: string): ServiceError {
  return new ServiceError('InvalidAttributeName', `FIFO queues are not supported by Mailroom yet: attribute ${name} applies only to FIFO queues.`);
}

/**
 * Applies `changes` (CreateQueue's or SetQueueAttributes' Attributes) over `base` and returns the new effective
 * attributes, or throws SQS's error for the first bad name or value.
 */
export async function applyAttributes(base: Readonly<Record<string, string>>, changes: Record<string, string> | undefined, lookups: AttributeLookups): Promise<Record<string, string>> {
  const result = { ...base };
  if (changes?.KmsMasterKeyId && changes.SqsManagedSseEnabled?.toLowerCase() === 'true') {
    throw new ServiceError('InvalidAttributeValue', 'Invalid value for the parameter SqsManagedSseEnabled. Reason: a queue has one kind of server-side encryption at a time: KmsMasterKeyId (SSE-KMS) or SqsManagedSseEnabled (SSE-SQS), not both.');
  }
  for (const [name, raw] of Object.entries(changes ?? {})) {
    if (FIFO_ONLY.has(name)) {
      // FifoQueue=false is a standard queue, which is what this is.
      if (name === 'FifoQueue' && raw.toLowerCase() === 'false') continue;
      throw fifoUnsupported(name);
    }
    const rule = SETTABLE[name];
    if (!rule) throw new ServiceError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    if (raw === '' && REMOVABLE.has(name)) {
      delete result[name];
      continue;
    }
    result[name] = await normalise(name, raw, rule, lookups);
  }
  // Turning SQS-managed SSE on replaces SSE-KMS.
  if (changes?.SqsManagedSseEnabled?.toLowerCase() === 'true' && !changes.KmsMasterKeyId) {
    delete result.KmsMasterKeyId;
    delete result.KmsDataKeyReusePeriodSeconds;
  }
  // SQS reports the data key reuse period only for KMS-encrypted queues, 300 s unless set; SSE-KMS replaces
  // SQS-managed SSE.
  if (result.KmsMasterKeyId !== undefined) {
    result.KmsDataKeyReusePeriodSeconds ??= KMS_DATA_KEY_REUSE_DEFAULT;
    if (changes?.KmsMasterKeyId && changes.SqsManagedSseEnabled === undefined) result.SqsManagedSseEnabled = 'false';
  } else if (changes?.KmsMasterKeyId === '') {
    delete result.KmsDataKeyReusePeriodSeconds;
    // Removing the KMS key falls back to SQS-managed SSE: a queue is plaintext only when the user says so.
    if (changes.SqsManagedSseEnabled === undefined) result.SqsManagedSseEnabled = 'true';
  }
  return result;
}

async function normalise(name: string, raw: string, rule: Rule, lookups: AttributeLookups): Promise<string> {
  switch (rule.kind) {
    case 'int': {
      if (!/^\d{1,10}$/.test(raw)) throw invalidValue(name);
      const n = Number(raw);
      if (n < rule.min || n > rule.max) throw invalidValue(name);
      return String(n);
    }
    case 'bool': {
      const v = raw.toLowerCase();
      if (v !== 'true' && v !== 'false') throw invalidValue(name);
      return v;
    }
    case 'text':
      return raw;
    case 'key':
      try {
        lookups.key(raw);
      } catch (err) {
        if (!(err instanceof KeyError)) throw err;
        throw new ServiceError('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: ${err.message}`);
      }
      return raw;
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw invalidValue(name, 'not valid JSON');
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidValue(name, 'not a JSON object');
      return rule.check ? rule.check(value as Record<string, unknown>, name, raw, lookups.queue) : raw;
    }
  }
}

function invalidParameter(name: string, text: string, reason: string): ServiceError {
  return new ServiceError('InvalidParameterValue', `Value ${text} for parameter ${name} is invalid. Reason: ${reason}`);
}

/** A RedrivePolicy names an existing queue that allows this redrive, and a maxReceiveCount of 1–1000. */
async function checkRedrivePolicy(value: Record<string, unknown>, name: string, text: string, lookup: QueueLookup): Promise<string> {
  const arn = value.deadLetterTargetArn;
  const count = typeof value.maxReceiveCount === 'string' ? Number(value.maxReceiveCount) : value.maxReceiveCount;
  if (typeof arn !== 'string') throw invalidParameter(name, text, 'Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  if (count === undefined) throw invalidParameter(name, text, 'Redrive policy does not contain mandatory attribute: maxReceiveCount.');
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) {
    throw invalidParameter(name, text, `Invalid value for maxReceiveCount: ${String(value.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`);
  }
  const target = queueNameOfArn(arn);
  const dlq = target === undefined ? undefined : await lookup(target);
  if (!dlq || dlq.arn !== arn) throw invalidParameter(name, text, 'Dead letter target does not exist.');
  return JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: count });
}

/** A Policy must be a valid IAM policy document: SQS refuses it otherwise, and Mailroom evaluates it. */
async function checkPolicy(_value: Record<string, unknown>, name: string, text: string): Promise<string> {
  const policy = compiledPolicy(text);
  if (typeof policy === 'string') throw invalidValue(name, policy);
  return text;
}

const REDRIVE_PERMISSIONS = ['allowAll', 'denyAll', 'byQueue'];

async function checkRedriveAllowPolicy(value: Record<string, unknown>, name: string, text: string): Promise<string> {
  const permission = value.redrivePermission;
  const sources = value.sourceQueueArns;
  if (typeof permission !== 'string' || !REDRIVE_PERMISSIONS.includes(permission)) {
    throw invalidParameter(name, text, 'Amazon SQS can\'t create the redrive allow policy, as it\'s in an unsupported format.');
  }
  if (permission === 'byQueue') {
    if (!Array.isArray(sources) || sources.length < 1 || sources.length > 10 || !sources.every((s) => typeof s === 'string')) {
      throw invalidParameter(name, text, 'Amazon SQS can\'t create the redrive allow policy. When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values (at most 10).');
    }
  } else if (sources !== undefined) {
    throw invalidParameter(name, text, `Amazon SQS can't create the redrive allow policy. To specify one or more source queue ARNs, you must set redrivePermission to byQueue.`);
  }
  return text;
}

/** Whether the dead-letter queue's RedriveAllowPolicy lets `sourceArn` use it (no policy allows everyone). */
export function allowsRedriveFrom(deadLetterQueue: QueueRecord, sourceArn: string): boolean {
  const text = deadLetterQueue.attributes.RedriveAllowPolicy;
  if (text === undefined) return true;
  const policy = JSON.parse(text) as { redrivePermission: string; sourceQueueArns?: string[] };
  if (policy.redrivePermission === 'byQueue') return policy.sourceQueueArns?.includes(sourceArn) ?? false;
  return policy.redrivePermission === 'allowAll';
}

/** The first attribute whose value differs between two attribute sets, if any (CreateQueue's idempotency). */
export function firstDifference(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): string | undefined {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().find((k) => a[k] !== b[k]);
}

/**
 * GetQueueAttributes: `names` may hold "All"; an unknown name is InvalidAttributeName. Attributes that are not
 * set (RedrivePolicy, Policy, ...) are left out, as in SQS. `counts` is read only when a count is asked for.
 */
export async function readAttributes(queue: QueueRecord, names: string[], counts: () => Promise<QueueCounts>): Promise<Record<string, string>> {
  for (const name of names) {
    if (name !== 'All' && !(name in SETTABLE) && !(COMPUTED as readonly string[]).includes(name) && !FIFO_ONLY.has(name)) {
      throw new ServiceError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  const all = names.includes('All');
  const wanted = (name: string) => all || names.includes(name);
  const out: Record<string, string> = {};
  if (wanted('QueueArn')) out.QueueArn = queue.arn;
  if (wanted('ApproximateNumberOfMessages') || wanted('ApproximateNumberOfMessagesNotVisible') || wanted('ApproximateNumberOfMessagesDelayed')) {
    const c = await counts();
    if (wanted('ApproximateNumberOfMessages')) out.ApproximateNumberOfMessages = String(c.visible);
    if (wanted('ApproximateNumberOfMessagesNotVisible')) out.ApproximateNumberOfMessagesNotVisible = String(c.inFlight);
    if (wanted('ApproximateNumberOfMessagesDelayed')) out.ApproximateNumberOfMessagesDelayed = String(c.delayed);
  }
  // Timestamps are epoch seconds.
  if (wanted('CreatedTimestamp')) out.CreatedTimestamp = String(Math.floor(queue.createdAt / 1000));
  if (wanted('LastModifiedTimestamp')) out.LastModifiedTimestamp = String(Math.floor(queue.lastModifiedAt / 1000));
  for (const [name, value] of Object.entries(queue.attributes)) if (wanted(name)) out[name] = value;
  return out;
}

/**
 * Which KMS key seals the queue's messages: its KmsMasterKeyId (SSE-KMS), else alias/aws/sqs unless
 * SqsManagedSseEnabled is false (then null: plaintext, which the queue's attributes show).
 */
export function messageSealing(queue: QueueRecord): { keyRef: string | null; dataKeyReuseSeconds?: number } {
  const key = queue.attributes.KmsMasterKeyId;
  if (key !== undefined) return { keyRef: key, dataKeyReuseSeconds: Number(queue.attributes.KmsDataKeyReusePeriodSeconds ?? KMS_DATA_KEY_REUSE_DEFAULT) };
  return { keyRef: queue.attributes.SqsManagedSseEnabled === 'false' ? null : SQS_MANAGED_KEY };
}

/** A queue's numeric attribute, in the unit it is stored (seconds or bytes). */
export function numberAttribute(queue: QueueRecord, name: 'DelaySeconds' | 'MaximumMessageSize' | 'MessageRetentionPeriod' | 'ReceiveMessageWaitTimeSeconds' | 'VisibilityTimeout'): number {
  return Number(queue.attributes[name] ?? DEFAULT_ATTRIBUTES[name]);
}
