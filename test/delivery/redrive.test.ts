/**
 * Redrive of EventBridge dead letters in-process, on a ManualClock, against a real local HTTP "third-party API":
 * a dead letter listed and shown without being received; redriven to the target it failed on as a new delivery
 * with a fresh retry budget, at the requested rate; deleted from its queue only with its delivery recorded; a
 * redriven event that fails again dead-letters again with its own attempt history; a dead letter whose rule is gone
 * stays, with the failure reported, logged and counted; fallback-store dead letters redriven the same way.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ServiceError } from '../../src/errors.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { until } from '../helpers/until.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:dlq';

describe('dead-letter redrive', () => {
  let dir: string;
  let clock: ManualClock;
  let mailroom: Mailroom;
  let api: HttpSink;
  let status: number;
  let targetArn: string;

  beforeEach(async () => {
    dir = tempDataDir('mailroom-redrive-');
    clock = new ManualClock(T0);
    status = 500;
    api = await startSink((_req, res) => {
      res.statusCode = status;
      res.end(status === 200 ? 'ok' : 'down for maintenance');
    });
    mailroom = await createMailroom({ dataDir: dir, clock });
    const ctx = mailroom.context();
    await mailroom.sqs.queues.create({ QueueName: 'dlq' }, ctx);
    const connection = (await mailroom.eventBridge.connections.create(
      { Name: 'conn', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } },
      ctx,
    )) as { ConnectionArn: string };
    const destination = (await mailroom.eventBridge.apiDestinations.create({ Name: 'api', ConnectionArn: connection.ConnectionArn, InvocationEndpoint: `${api.url}/orders`, HttpMethod: 'POST' }, ctx)) as {
      ApiDestinationArn: string;
    };
    targetArn = destination.ApiDestinationArn;
    await route(DLQ_ARN);
  });
  afterEach(async () => {
    await mailroom.close();
    await api.close();
    removeDir(dir);
  });

  const redrive = () => mailroom.redrive;

  async function route(dlqArn: string): Promise<void> {
    await mailroom.eventBridge.rules.put({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }, mailroom.context());
    const targets = [{ Id: 'api', Arn: targetArn, RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: dlqArn } }];
    assert.equal(((await mailroom.eventBridge.targets.put({ Rule: 'orders', Targets: targets })) as { FailedEntryCount: number }).FailedEntryCount, 0);
  }

  const quiet = () => until(() => mailroom.delivery.dispatcher.idle, 'the dispatcher to be idle');
  const dlqSize = async () => (await redrive().list('dlq', { limit: 100 })).messages.length;

  async function putEvents(n: number): Promise<string[]> {
    const entries = Array.from({ length: n }, (_, i) => ({ Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ order: i }) }));
    const result = (await mailroom.eventBridge.events.put({ Entries: entries }, mailroom.context())) as { Entries: { EventId: string }[] };
    return result.Entries.map((e) => e.EventId);
  }

  /** `n` events whose one attempt got a 500: dead letters in dlq. */
  async function deadLetters(n: number): Promise<string[]> {
    const ids = await putEvents(n);
    await until(async () => (await dlqSize()) === n, `${n} dead letters`);
    await quiet();
    return ids;
  }

  const failures = async (dimensions: Record<string, string>) =>
    (await mailroom.store.queryMetrics({ namespace: 'Mailroom/Redrive', name: 'RedriveFailures', dimensions, from: 0, to: Number.MAX_SAFE_INTEGER })).reduce((n, d) => n + d.sum, 0);

  it('lists and shows dead letters without receiving them', async () => {
    const [eventId] = await deadLetters(1);
    const { messages } = await redrive().list('dlq', { limit: 10 });
    assert.equal(messages.length, 1);
    const m = messages[0]!;
    assert.equal(JSON.parse(m.body).id, eventId);
    assert.deepEqual(m.deadLetter, {
      ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/orders',
      targetArn,
      errorCode: 'ERROR_FROM_TARGET',
      errorMessage: m.deadLetter!.errorMessage,
      exhaustedRetryCondition: 'MaximumRetryAttempts',
      retryAttempts: 0,
      deliveryId: m.attributes.MAILROOM_DELIVERY_ID,
    });
    assert.equal(m.attributes.MAILROOM_LAST_RESPONSE_STATUS, '500');
    assert.equal(m.receiveCount, 0);
    assert.equal(m.visible, true);
    const shown = await redrive().show('dlq', m.messageId);
    assert.deepEqual(shown.message, m, 'listing changed nothing');
    assert.deepEqual(shown.attempts.map((a) => [a.attempt, a.ok, a.status, a.body]), [[1, false, 500, 'down for maintenance']]);
    await assert.rejects(redrive().show('dlq', 'no-such-message'), (e: unknown) => e instanceof ServiceError && e.code === 'ResourceNotFoundException');
    await assert.rejects(redrive().list('nope', { limit: 10 }), (e: unknown) => e instanceof ServiceError && e.code === 'QueueDoesNotExist');
  });

  it('redrives to the target it failed on, at the requested rate', async () => {
    const eventIds = await deadLetters(3);
    status = 200;
    const calls = api.requests.length;
    const report = await redrive().redrive('dlq', { ratePerSecond: 2 });
    assert.deepEqual(report.failed, []);
    assert.equal(report.redriven.length, 3);
    assert.deepEqual(
      report.redriven.map((r) => r.dueAt),
      [0, 500, 1000].map((ms) => new Date(clock.now() + ms).toISOString()),
      'one every half second',
    );
    assert.equal(await dlqSize(), 0, 'deleted with their deliveries recorded');
    await quiet();
    assert.equal(api.requests.length, calls + 1, 'the first at once');
    clock.advance(500);
    await until(() => api.requests.length === calls + 2, 'the second half a second later');
    await quiet();
    clock.advance(500);
    await until(() => api.requests.length === calls + 3, 'the third');
    await quiet();
    const received = api.requests.slice(calls).map((r) => JSON.parse(r.body) as { id: string });
    assert.deepEqual(received.map((e) => e.id).sort(), [...eventIds].sort(), 'the original events');
    for (const r of report.redriven) {
      const [delivery] = (await mailroom.store.listDeliveries({ status: 'done', limit: 100 })).filter((d) => d.id === r.deliveryId);
      assert.equal(delivery!.attempts, 1);
    }
  });

  it('gives a redriven delivery a fresh retry budget, records its attempts, and dead-letters it again', async () => {
    await deadLetters(1);
    const [first] = (await redrive().list('dlq', { limit: 1 })).messages;
    // One retry within a minute of the delivery's start; the event itself is an hour old by the redrive.
    const targets = [{ Id: 'api', Arn: targetArn, RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 60 }, DeadLetterConfig: { Arn: DLQ_ARN } }];
    await mailroom.eventBridge.targets.put({ Rule: 'orders', Targets: targets });
    clock.advance(3_600_000);
    const report = await redrive().redrive('dlq', { ids: [first!.messageId] });
    const { deliveryId } = report.redriven[0]!;
    await quiet();
    assert.equal(await dlqSize(), 0, "retried rather than exhausted by the event's age");
    clock.advance(2000);
    await until(async () => (await dlqSize()) === 1, 'the dead letter of the redriven delivery');
    await quiet();
    const [again] = (await redrive().list('dlq', { limit: 1 })).messages;
    assert.notEqual(again!.messageId, first!.messageId);
    assert.equal(again!.deadLetter!.deliveryId, deliveryId);
    assert.equal(again!.deadLetter!.retryAttempts, 1);
    assert.equal(again!.deadLetter!.exhaustedRetryCondition, 'MaximumRetryAttempts');
    assert.deepEqual((await mailroom.store.attemptHistory(deliveryId)).map((a) => [a.attempt, a.status]), [[1, 500], [2, 500]]);
    assert.deepEqual((await redrive().show('dlq', again!.messageId)).attempts.map((a) => a.attempt), [1, 2]);
  });

  it('keeps a dead letter whose rule is gone, and says so loudly', async () => {
    await deadLetters(2);
    await mailroom.sqs.messages.send({ QueueUrl: 'dlq', MessageBody: 'not from EventBridge' }, mailroom.context());
    await mailroom.eventBridge.targets.remove({ Rule: 'orders', Ids: ['api'] });
    await mailroom.eventBridge.rules.delete({ Name: 'orders' });
    const report = await redrive().redrive('dlq');
    assert.deepEqual(report.redriven, []);
    assert.deepEqual(report.failed.map((f) => f.reason), [
      'The rule arn:aws:events:us-east-1:000000000000:rule/orders no longer exists.',
      'The rule arn:aws:events:us-east-1:000000000000:rule/orders no longer exists.',
      'Not an EventBridge dead letter (it has no RULE_ARN and TARGET_ARN attributes); move it with StartMessageMoveTask instead.',
    ]);
    assert.equal(await dlqSize(), 3, 'every message stays');
    await mailroom.metrics.flush();
    assert.equal(await failures({ QueueName: 'dlq' }), 3);
    // The rule back, but its target now points elsewhere.
    await mailroom.eventBridge.rules.put({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }, mailroom.context());
    await mailroom.eventBridge.targets.put({ Rule: 'orders', Targets: [{ Id: 'api', Arn: DLQ_ARN }] });
    const [m] = (await redrive().list('dlq', { limit: 1 })).messages;
    const again = await redrive().redrive('dlq', { ids: ['no-such-message', m!.messageId] });
    assert.deepEqual(again.failed[0], { id: 'no-such-message', reason: 'Queue dlq has no message no-such-message.' });
    assert.match(again.failed[1]!.reason, /no longer has a target arn:aws:events:.*api-destination/);
  });

  it('refuses a bad rate or an unknown queue, and purges', async () => {
    await deadLetters(1);
    for (const ratePerSecond of [0, -1, 501, Number.NaN]) {
      await assert.rejects(redrive().redrive('dlq', { ratePerSecond }), (e: unknown) => e instanceof ServiceError && e.code === 'ValidationException' && /rate/.test(e.message));
    }
    await assert.rejects(redrive().redrive('nope'), (e: unknown) => e instanceof ServiceError && e.code === 'QueueDoesNotExist');
    await redrive().purge('dlq');
    assert.equal(await dlqSize(), 0);
  });

  it('redrives dead letters kept in the fallback store', async () => {
    await route('arn:aws:sqs:us-east-1:000000000000:missing-dlq');
    await putEvents(1);
    await until(async () => (await mailroom.store.listFallbackDeadLetters(10)).length === 1, 'a fallback dead letter');
    await quiet();
    const [kept] = await mailroom.store.listFallbackDeadLetters(10);
    status = 200;
    const calls = api.requests.length;
    const report = await redrive().redriveFallback({ ids: [kept!.deliveryId, 'unknown'] });
    assert.deepEqual(report.redriven.map((r) => r.id), [kept!.deliveryId]);
    assert.deepEqual(report.failed.map((f) => f.id), ['unknown']);
    assert.deepEqual(await mailroom.store.listFallbackDeadLetters(10), []);
    await until(() => api.requests.length === calls + 1, 'the redriven delivery');
    await mailroom.metrics.flush();
    assert.equal(await failures({ DeadLetterStore: 'fallback' }), 1);
  });
});
