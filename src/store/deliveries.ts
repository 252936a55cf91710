/**
 * The store's side of the delivery engine: claiming due deliveries under a lease, and settling each attempt's
 * outcome — the next state, the attempt's record, a dead letter or its fallback, follow-up deliveries — in one
 * transaction. A lease is the claim pushing `due_at` forward to the lease's end: a process that dies simply lets
 * its claimed deliveries fall due again, so recovery needs no separate sweep, and one index serves both.
 */
import type { NewQueueMessage } from './queues.js';

/**
 * How long a delivery whose event cannot be opened (its KMS key is disabled or pending deletion) waits before a claim
 * tries it again: it stays pending, never lost, with the reason as its last error, and goes out once the key is
 * enabled again. Every backend's claim does this (see src/store/sqlite/deliveries.ts).
 */
export const KEY_UNUSABLE_RETRY_MS = 60_000;

/**
 * What a delivery row is for: a rule target (EventBridge semantics), an asynchronous function invocation, or a
 * message published to an SNS topic, for one subscription (SNS's delivery policies).
 */
export type DeliveryKind = 'target' | 'function' | 'sns';

/** A delivery that is not an event's first fan-out: e.g. a function's asynchronous invocation, a redrive. */
export interface FollowUpDelivery {
  kind: DeliveryKind;
  eventId: string;
  bus: string;
  ruleName: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  /** What the target receives when it is not the event itself. */
  input?: string;
  dueAt: number;
}

export interface ClaimedDelivery {
  id: string;
  kind: DeliveryKind;
  eventId: string;
  bus: string;
  ruleName: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  /** Attempts made before this claim. */
  attempts: number;
  createdAt: number;
  /** When the event was accepted: event age is measured from here. */
  eventReceivedAt: number;
  /** The EventBridge envelope (JSON). */
  event: string;
  input?: string;
  /** The claim's fence: settle applies only while the row is still held by this claim. */
  leaseUntil: number;
  /**
   * The store's own handle on the row, if it has one (SQLite: the rowid), for the outcome to carry back: settling
   * then finds the row without a lookup by id. The id and the lease still fence the settle.
   */
  rowRef?: number;
}

/** One attempt, kept as the delivery's history (shown with dead letters). */
export interface AttemptRecord {
  attempt: number;
  at: number;
  durationMs: number;
  ok: boolean;
  errorCode?: string;
  errorMessage?: string;
  status?: number;
  /** First 4 KB of the target's answer. */
  body?: string;
}

/** A dead letter that could not be written to its queue: kept here, never dropped. */
export interface FallbackDeadLetter {
  deliveryId: string;
  queueArn?: string;
  reason: string;
  body: string;
  attributes: Record<string, string>;
  at: number;
}

export type NextState = { status: 'pending'; dueAt: number } | { status: 'done' | 'dead' | 'dropped' };

export interface DeliveryOutcome {
  id: string;
  owner: string;
  leaseUntil: number;
  /** The claimed delivery's rowRef, when it had one. */
  rowRef?: number;
  next: NextState;
  /** Attempts made, including this one. */
  attempts: number;
  lastError?: string;
  attempt?: AttemptRecord;
  /** Written to its queue in the same transaction; if the queue does not exist, kept as a fallback instead. */
  deadLetter?: { message: NewQueueMessage; queueArn: string; attributes: Record<string, string> };
  /** A dead letter already known to be undeliverable (e.g. the queue policy denies it). */
  fallback?: FallbackDeadLetter;
  followUps?: FollowUpDelivery[];
}

export interface SettleResult {
  /** False when the lease had been lost (expired and taken over), or the outcome could not be written: nothing was. */
  applied: boolean;
  /** Why the outcome could not be written, when that is the reason. */
  error?: string;
  deadLetter?: 'queued' | 'fallback';
}

/** A claim of due deliveries: up to `limit`, leased to `owner` until `leaseUntil`, passing over `skipTargets`. */
export interface ClaimRequest {
  now: number;
  owner: string;
  leaseUntil: number;
  limit: number;
  skipTargets: readonly string[];
}

export interface DeliveryStore {
  /**
   * Claims up to `limit` pending deliveries due at `now`, oldest due first, skipping the given targets (those at
   * their concurrency or rate limit), and leases them to `owner` until `leaseUntil`.
   */
  claimDue(request: ClaimRequest): Promise<ClaimedDelivery[]>;
  /** The earliest due time of any pending delivery (leased ones fall due when their lease ends). */
  nextDueAt(): Promise<number | undefined>;
  /** Applies outcomes; concurrent calls share one commit. */
  settle(outcomes: DeliveryOutcome[]): Promise<SettleResult[]>;
  /** Gives leased deliveries back (graceful shutdown): due again at `now`, attempts unchanged. */
  release(ids: readonly string[], owner: string, now: number): Promise<void>;
  attemptHistory(deliveryId: string): Promise<AttemptRecord[]>;
  listFallbackDeadLetters(limit: number): Promise<FallbackDeadLetter[]>;
}

/** Why a dead letter was kept in the fallback store: its queue is missing. */
export function deadLetterQueueMissing(queueArn: string): string {
  return `The dead-letter queue ${queueArn} does not exist.`;
}

/** Why a dead letter was kept in the fallback store: its queue's KMS key refused to seal it (nothing was lost). */
export function deadLetterKeyUnusable(queueArn: string, err: Error): string {
  return `The dead-letter queue ${queueArn} cannot take the message: its KMS key cannot be used (${err.message})`;
}
