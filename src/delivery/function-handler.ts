/**
 * Lambda's asynchronous-invocation semantics for a 'function' delivery: run the handler in its worker; after a
 * function error retry about 1 and 2 minutes later (up to the function's MaximumRetryAttempts), after throttling
 * back off from 1 s to 5 min, never past MaximumEventAgeInSeconds; when retries run out, send Lambda's invocation
 * record to the function's on-failure destination (a queue, a topic, a bus or another function) — or drop it,
 * logged and counted, when it has none.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { failureRecord, nextRetry as nextFunctionRetry, successRecord, type FunctionResult, type FunctionRunner, type FunctionSpec, type InvocationRecord } from '../functions/index.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { AttemptRecord, ClaimedDelivery, FollowUpDelivery } from '../store/deliveries.js';
import type { DeadLetterSink } from './dead-letters.js';
import type { DeliveryHandler, HandledOutcome } from './dispatcher.js';
import type { ForwardEvent } from './invokers/event-bus.js';

export interface FunctionRegistry {
  get(name: string): Readonly<FunctionSpec> | undefined;
}

export interface FunctionHandlerOptions {
  clock: Clock;
  logger: Logger;
  functions: FunctionRegistry;
  runner: FunctionRunner;
  history: (deliveryId: string) => Promise<AttemptRecord[]>;
  destinations: DeadLetterSink;
  forward: ForwardEvent;
  /** Publishes to an SNS topic (durably); rejects when the topic does not exist. */
  publish: (topicArn: string, message: string) => Promise<unknown>;
  metrics: MetricRecorder;
}

const FUNCTION_ARN = /:function:([A-Za-z0-9_-]+)/;

export class FunctionHandler implements DeliveryHandler {
  constructor(private readonly o: FunctionHandlerOptions) {}

  async limits(d: ClaimedDelivery) {
    return { key: d.targetArn };
  }

  async attempt(d: ClaimedDelivery, signal: AbortSignal): Promise<HandledOutcome> {
    const { clock } = this.o;
    const name = FUNCTION_ARN.exec(d.targetArn)?.[1] ?? '';
    const spec = this.o.functions.get(name);
    const attempts = d.attempts + 1;
    if (!spec) {
      this.o.logger.warn({ deliveryId: d.id, function: d.targetArn }, 'function was removed before its queued event ran; event dropped');
      return { id: d.id, next: { status: 'dropped' }, attempts: d.attempts, lastError: 'ResourceNotFoundException: the function no longer exists' };
    }
    const payload = JSON.parse(d.input ?? d.event) as unknown;
    const requestId = requestIdOf(d.id);
    const start = clock.now();
    const result = await this.o.runner.invokeFunction(spec, payload, { awsRequestId: requestId }, signal);
    const now = clock.now();
    this.o.metrics.add('AWS/Lambda', 'Invocations', { FunctionName: name }, 1);
    this.o.metrics.add('AWS/Lambda', 'Duration', { FunctionName: name }, now - start, 'Milliseconds');
    const record = { timestamp: now, requestId, functionArn: d.targetArn, approximateInvokeCount: attempts, requestPayload: payload };
    if (result.ok) {
      const attempt: AttemptRecord = { attempt: attempts, at: start, durationMs: now - start, ok: true };
      const destination = spec.onSuccess ? await this.#toDestination(spec.onSuccess, successRecord(record, result.result), d, 'Success') : {};
      return { id: d.id, next: { status: 'done' }, attempts, attempt, ...destination };
    }
    this.o.metrics.add('AWS/Lambda', result.kind === 'throttled' ? 'Throttles' : 'Errors', { FunctionName: name }, 1);
    const attempt: AttemptRecord = { attempt: attempts, at: start, durationMs: now - start, ok: false, errorCode: result.kind, errorMessage: `${result.errorType}: ${result.errorMessage}` };
    const lastError = attempt.errorMessage;
    const decision = nextFunctionRetry(spec, result.kind, await this.#state(d, result), now);
    if (decision.retry) return { id: d.id, next: { status: 'pending', dueAt: decision.at }, attempts, attempt, lastError };

    this.o.metrics.add('AWS/Lambda', 'AsyncEventsDropped', { FunctionName: name }, spec.onFailure ? 0 : 1);
    if (!spec.onFailure) {
      this.o.logger.warn({ deliveryId: d.id, function: d.targetArn, condition: decision.condition, error: lastError }, 'function event failed and the function has no on-failure destination; event dropped');
      return { id: d.id, next: { status: 'dropped' }, attempts, attempt, lastError };
    }
    const destination = await this.#toDestination(spec.onFailure, failureRecord(record, decision.condition, result), d, 'Failure');
    return { id: d.id, next: { status: 'dead' }, attempts, attempt, lastError, ...destination };
  }

  /** How many function errors and throttles this event has met, the current failure included. */
  async #state(d: ClaimedDelivery, current: Extract<FunctionResult, { ok: false }>) {
    const past = d.attempts > 0 ? await this.o.history(d.id) : [];
    const throttled = (kind: string | undefined) => kind === 'throttled';
    return {
      enqueuedAt: d.createdAt,
      functionErrors: past.filter((a) => !a.ok && !throttled(a.errorCode)).length + (throttled(current.kind) ? 0 : 1),
      throttles: past.filter((a) => throttled(a.errorCode)).length + (throttled(current.kind) ? 1 : 0),
    };
  }

  /** The outcome fields that send an invocation record to a destination, in the same commit as the outcome. */
  async #toDestination(arn: string, record: InvocationRecord, d: ClaimedDelivery, result: 'Success' | 'Failure'): Promise<Partial<HandledOutcome>> {
    const body = JSON.stringify(record);
    const service = arn.split(':')[2];
    if (service === 'lambda') {
      const followUp: FollowUpDelivery = { kind: 'function', eventId: d.eventId, bus: d.bus, ruleName: d.ruleName, ruleArn: d.ruleArn, targetId: d.targetId, targetArn: arn, input: body, dueAt: this.o.clock.now() };
      return { followUps: [followUp] };
    }
    if (service === 'events') {
      // Lambda puts the record on the bus as an event of its own.
      const envelope = { version: '0', id: '', 'detail-type': `Lambda Function Invocation Result - ${result}`, source: 'lambda', account: arn.split(':')[4], time: record.timestamp.replace(/\.\d{3}Z$/, 'Z'), region: arn.split(':')[3], resources: [d.targetArn], detail: record };
      const forwarded = await this.o.forward(arn.slice(arn.indexOf('event-bus/') + 'event-bus/'.length), JSON.stringify(envelope)).catch(() => undefined);
      if (forwarded) return {};
      return { fallback: { deliveryId: d.id, queueArn: arn, reason: `Destination event bus ${arn} does not exist.`, body, attributes: {}, at: this.o.clock.now() } };
    }
    if (service === 'sns') {
      // Lambda publishes the record as the message; like a bus destination, this is written before the outcome.
      if (await this.o.publish(arn, body).then(() => true, () => false)) return {};
      return { fallback: { deliveryId: d.id, queueArn: arn, reason: `Destination topic ${arn} does not exist.`, body, attributes: {}, at: this.o.clock.now() } };
    }
    const prepared = service === 'sqs' ? await this.o.destinations.prepare(arn, d.targetArn, body, {}) : { refused: `Destination ${arn} is not supported yet.` };
    const afterSettle = (how: 'queued' | 'fallback' | undefined) => {
      if (how !== 'queued') this.o.logger.error({ deliveryId: d.id, destination: arn }, 'function destination could not be written; record kept in the fallback store');
    };
    if ('refused' in prepared) return { afterSettle, fallback: { deliveryId: d.id, queueArn: arn, reason: prepared.refused, body, attributes: {}, at: this.o.clock.now() } };
    return { afterSettle, deadLetter: { message: prepared.message, queueArn: arn, attributes: {} } };
  }
}

/** Lambda's request id stays the same across the retries of one event: derive it from the delivery's id. */
function requestIdOf(deliveryId: string): string {
  const h = createHash('sha1').update(deliveryId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
