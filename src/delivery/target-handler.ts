/**
 * EventBridge semantics for a rule target's delivery: shape the input, invoke the target, then — from the
 * invoker's classification and the target's RetryPolicy — settle as done, retry later with backoff, or write a
 * dead letter (or drop, counted and logged, when the target has no DeadLetterConfig). Records the AWS/Events
 * metrics of every attempt and outcome.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { AttemptRecord, ClaimedDelivery } from '../store/deliveries.js';
import type { TargetRecord } from '../store/records.js';
import { deadLetterAttributes, type DeadLetterReason, type DeadLetterSink } from './dead-letters.js';
import type { DeliveryHandler, HandledOutcome } from './dispatcher.js';
import { shapeInput, type InputContext } from './input.js';
import type { InvocationResult, Invoker } from './invoker.js';
import { nextRetry, retryPolicyOf } from './retry-policy.js';

/** Finds a delivery's target as it is configured now, and an API destination's rate limit. */
export interface TargetResolver {
  target(bus: string, rule: string, targetId: string): Promise<TargetRecord | undefined>;
  rateLimit(targetArn: string): Promise<number | undefined>;
}

export interface TargetHandlerOptions {
  clock: Clock;
  logger: Logger;
  targets: TargetResolver;
  invokers: Invoker[];
  deadLetters: DeadLetterSink;
  metrics: MetricRecorder;
}

const NO_DIMENSIONS: Record<string, string> = Object.freeze({});

/** What input shaping may read about the rule and the event; the ingestion time is formatted only if it is read. */
function inputContext(d: ClaimedDelivery): InputContext {
  return {
    ruleArn: d.ruleArn,
    ruleName: d.ruleName,
    get ingestionTime() {
      return new Date(d.eventReceivedAt).toISOString();
    },
  };
}

type TargetSpec = Parameters<typeof shapeInput>[0] & Parameters<typeof retryPolicyOf>[0] & { DeadLetterConfig?: { Arn?: string } };

export class TargetHandler implements DeliveryHandler {
  readonly #specs = new WeakMap<TargetRecord, TargetSpec>();
  readonly #dimensionSets = new Map<string, Map<string, [Record<string, string>, Record<string, string>]>>();

  constructor(private readonly o: TargetHandlerOptions) {}

  async limits(d: ClaimedDelivery) {
    return { key: d.targetArn, ratePerSecond: await this.o.targets.rateLimit(d.targetArn) };
  }

  async attempt(d: ClaimedDelivery, signal: AbortSignal): Promise<HandledOutcome> {
    const { clock } = this.o;
    const target = await this.o.targets.target(d.bus, d.ruleName, d.targetId);
    const attempts = d.attempts + 1;
    if (!target || target.arn !== d.targetArn) {
      // The rule or target changed after the event matched: its settings (retry policy, DLQ) are gone with it.
      this.o.logger.warn({ deliveryId: d.id, rule: d.ruleArn, target: d.targetId }, 'target was removed or changed before delivery; event dropped');
      this.#count(d, 'FailedInvocations');
      return { id: d.id, next: { status: 'dropped' }, attempts: d.attempts, lastError: 'NO_RESOURCE: the target was removed from the rule before delivery' };
    }
    const spec = this.#spec(target);
    const start = clock.now();
    // Measured from the delivery's creation: when the event was accepted — or, for a redriven dead letter, when it
    // was redriven, which also gives it a fresh MaximumEventAgeInSeconds.
    if (d.attempts === 0) this.o.metrics.add('AWS/Events', 'IngestionToInvocationStartLatency', NO_DIMENSIONS, start - d.createdAt, 'Milliseconds');
    else this.#count(d, 'RetryInvocationAttempts');

    let result: InvocationResult;
    const invoker = this.o.invokers.find((i) => i.handles(d.targetArn));
    if (!invoker) result = { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: `No target of that kind exists: ${d.targetArn}` };
    else {
      try {
        const input = d.input ?? shapeInput(spec, d.event, inputContext(d));
        result = await invoker.invoke({ targetArn: d.targetArn, target: spec as Record<string, unknown>, input, event: d.event, ruleArn: d.ruleArn, signal });
      } catch (err) {
        this.o.logger.error({ err, deliveryId: d.id }, 'invoker failed unexpectedly');
        result = { ok: false, retryable: true, errorCode: 'UNKNOWN', errorMessage: (err as Error).message };
      }
    }
    const now = clock.now();
    const attempt: AttemptRecord = { attempt: attempts, at: start, durationMs: now - start, ok: result.ok };
    if (!result.ok) {
      attempt.errorCode = result.errorCode;
      attempt.errorMessage = result.errorMessage;
    }
    if (result.response) {
      attempt.status = result.response.status;
      attempt.body = result.response.body;
    }
    if (result.ok) {
      this.#count(d, 'Invocations');
      const outcome: HandledOutcome = { id: d.id, next: { status: 'done' }, attempts, attempt };
      if (result.enqueued) outcome.followUps = [{ ...result.enqueued, eventId: d.eventId, bus: d.bus, ruleName: d.ruleName, ruleArn: d.ruleArn, targetId: d.targetId, targetArn: d.targetArn, dueAt: now }];
      return outcome;
    }
    const lastError = `${result.errorCode}: ${result.errorMessage}`;
    let exhausted: DeadLetterReason['exhausted'];
    if (result.retryable) {
      const decision = nextRetry(retryPolicyOf(spec), attempts, now, d.createdAt, result.retryAfterMs);
      if (decision.retry) return { id: d.id, next: { status: 'pending', dueAt: decision.dueAt }, attempts, attempt, lastError };
      exhausted = decision.exhausted;
    }
    // A permanent failure: counted as an invocation that failed, then dead-lettered or dropped.
    this.#count(d, 'Invocations');
    this.#count(d, 'FailedInvocations');
    const reason: DeadLetterReason = {
      ruleArn: d.ruleArn,
      targetArn: d.targetArn,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      exhausted,
      retryAttempts: attempts - 1,
      deliveryId: d.id,
      lastResponse: result.response,
    };
    const dlq = spec.DeadLetterConfig?.Arn;
    if (!dlq) {
      this.o.logger.warn({ deliveryId: d.id, rule: d.ruleArn, target: d.targetArn, error: lastError, attempts }, 'delivery failed permanently and the target has no dead-letter queue; event dropped');
      return { id: d.id, next: { status: 'dropped' }, attempts, attempt, lastError };
    }
    const attributes = deadLetterAttributes(reason);
    const prepared = await this.o.deadLetters.prepare(dlq, d.ruleArn, d.event, attributes);
    const afterSettle = (how: 'queued' | 'fallback' | undefined) => {
      if (how === 'queued') this.#count(d, 'InvocationsSentToDlq');
      else {
        this.#count(d, 'InvocationsFailedToBeSentToDlq');
        this.o.logger.error({ deliveryId: d.id, dlq, rule: d.ruleArn }, 'dead letter could not be written to its queue; kept in the fallback store');
      }
    };
    if ('refused' in prepared) {
      return { id: d.id, next: { status: 'dead' }, attempts, attempt, lastError, afterSettle, fallback: { deliveryId: d.id, queueArn: dlq, reason: prepared.refused, body: d.event, attributes, at: now } };
    }
    return { id: d.id, next: { status: 'dead' }, attempts, attempt, lastError, afterSettle, deadLetter: { message: prepared.message, queueArn: dlq, attributes } };
  }

  #spec(target: TargetRecord): TargetSpec {
    let spec = this.#specs.get(target);
    if (!spec) {
      spec = JSON.parse(target.spec) as TargetSpec;
      this.#specs.set(target, spec);
    }
    return spec;
  }

  /** AWS/Events metrics are published per rule, per bus and rule, and for the account. */
  #count(d: ClaimedDelivery, name: string): void {
    const m = this.o.metrics;
    const [rule, busAndRule] = this.#dimensions(d.bus, d.ruleName);
    m.add('AWS/Events', name, NO_DIMENSIONS, 1);
    m.add('AWS/Events', name, rule, 1);
    m.add('AWS/Events', name, busAndRule, 1);
  }

  /** A rule's metric dimensions, made once and frozen: the recorder then knows them by the object. */
  #dimensions(bus: string, rule: string): [Record<string, string>, Record<string, string>] {
    let byRule = this.#dimensionSets.get(bus);
    if (!byRule) this.#dimensionSets.set(bus, (byRule = new Map()));
    let sets = byRule.get(rule);
    if (!sets) {
      if (byRule.size >= 10_000) byRule.clear();
      sets = [Object.freeze({ RuleName: rule }), Object.freeze({ EventBusName: bus, RuleName: rule })];
      byRule.set(rule, sets);
    }
    return sets;
  }
}
