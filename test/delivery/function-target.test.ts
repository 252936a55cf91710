/**
 * Function targets in-process, on a ManualClock, with real worker threads: a rule target naming a function's ARN
 * queues the event for it; Lambda's asynchronous retries (about 1 and 2 minutes apart) run at the right clock
 * times; timeouts take the same path, and a function running past the dispatcher's lease is still invoked once;
 * exhausted retries and old events reach the on-failure destination with Lambda's invocation record; success
 * reaches the on-success one; a function that does not exist is a NO_RESOURCE dead letter on the target's DLQ.
 *
 * Each invocation is seen when the handler (fixtures/report.ts) posts to a local HTTP sink. Between clock
 * advances the test waits, on real promises and in a bounded loop, for the dispatcher to be idle: every due
 * delivery settled and its timer armed for the next one — advancing earlier would find no timer to fire.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { functionArn, type InvocationRecord } from '../../src/functions/index.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { until } from '../helpers/until.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const FIXTURES = fileURLToPath(new URL('../functions/fixtures/', import.meta.url));
const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('function targets', () => {
  let dir: string;
  let clock: ManualClock;
  let mailroom: Mailroom;
  let sink: HttpSink;

  beforeEach(async () => {
    dir = tempDataDir('mailroom-fn-');
    clock = new ManualClock(T0);
    sink = await startSink();
    mailroom = await createMailroom({ dataDir: dir, clock, functionsBaseDir: FIXTURES });
  });
  afterEach(async () => {
    await mailroom.close();
    await sink.close();
    removeDir(dir);
  });

  const quiet = () => until(() => mailroom.delivery.dispatcher.idle, 'the dispatcher to be idle');

  async function createQueue(name: string): Promise<string> {
    await mailroom.sqs.queues.create({ QueueName: name }, mailroom.context());
    return queueArn(name);
  }

  async function receive(queue: string) {
    const { Messages = [] } = await mailroom.sqs.receiver.receive({ QueueUrl: queue, WaitTimeSeconds: 0, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] });
    return Messages;
  }

  /** A rule on the default bus sending every `shop` event to `targetArn`. */
  async function route(targetArn: string, target: object = {}): Promise<void> {
    await mailroom.eventBridge.rules.put({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }, mailroom.context());
    const put = (await mailroom.eventBridge.targets.put({ Rule: 'orders', Targets: [{ Id: 'fn', Arn: targetArn, ...target }] })) as { FailedEntryCount: number };
    assert.equal(put.FailedEntryCount, 0);
  }

  async function putEvent(outcome: 'ok' | 'throw' | 'hang'): Promise<string> {
    const entry = { Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ sinkUrl: sink.url, outcome }) };
    const result = (await mailroom.eventBridge.events.put({ Entries: [entry] }, mailroom.context())) as { Entries: { EventId: string }[] };
    return result.Entries[0]!.EventId;
  }

  /** The event's function delivery: created after its rule-target delivery, and listDeliveries keeps creation order. */
  async function functionDelivery(eventId: string) {
    const deliveries = await mailroom.store.listDeliveries({ eventId, limit: 10 });
    assert.equal(deliveries.length, 2, `expected a target and a function delivery, got ${JSON.stringify(deliveries)}`);
    return deliveries[1]!;
  }

  async function attemptTimes(eventId: string): Promise<number[]> {
    const history = await mailroom.store.attemptHistory((await functionDelivery(eventId)).id);
    return history.map((a) => a.at - T0);
  }

  async function onlyRecord(queue: string): Promise<InvocationRecord> {
    const messages = await receive(queue);
    assert.equal(messages.length, 1, `expected one record on ${queue}, got ${messages.length}`);
    return JSON.parse(messages[0]!.Body) as InvocationRecord;
  }

  async function eventPayload(eventId: string): Promise<unknown> {
    return JSON.parse((await mailroom.store.getEvent(eventId))!.payload);
  }

  it('retries a failing handler about 1 and 2 minutes later, then sends the record to the on-failure queue', async () => {
    const failures = await createQueue('order-failures');
    await mailroom.functions.register({ name: 'orders', handler: 'report.ts', onFailure: failures });
    await route(functionArn('orders'));

    const first = sink.nextRequest();
    const eventId = await putEvent('throw');
    await first;
    await quiet();
    assert.equal((await functionDelivery(eventId)).dueAt, T0 + 60_000);

    clock.advance(59_999);
    await quiet();
    assert.equal(sink.requests.length, 1, 'no retry before a minute has passed');
    const second = sink.nextRequest();
    clock.advance(1);
    await second;
    await quiet();
    assert.equal((await functionDelivery(eventId)).dueAt, T0 + 180_000);

    clock.advance(119_999);
    await quiet();
    assert.equal(sink.requests.length, 2, 'no second retry before two more minutes have passed');
    const third = sink.nextRequest();
    clock.advance(1);
    await third;
    await quiet();

    assert.deepEqual(await attemptTimes(eventId), [0, 60_000, 180_000]);
    assert.equal((await functionDelivery(eventId)).status, 'dead');
    // Lambda's request id is the same for every attempt at one event.
    const requestIds = new Set(sink.requests.map((r) => (JSON.parse(r.body) as { requestId: string }).requestId));
    assert.equal(requestIds.size, 1);

    const record = await onlyRecord('order-failures');
    assert.equal(record.version, '1.0');
    assert.equal(record.timestamp, new Date(T0 + 180_000).toISOString());
    assert.deepEqual(record.requestContext, { requestId: [...requestIds][0], functionArn: functionArn('orders'), condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    assert.deepEqual(record.requestPayload, await eventPayload(eventId));
    assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    const response = record.responsePayload as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(response.errorType, 'Error');
    assert.equal(response.errorMessage, `order ${eventId} rejected`);
    assert.match(response.trace[0]!, /^Error: order .* rejected/);
  });

  it('times a handler out after timeoutSeconds of clock time and retries it on the same schedule', async () => {
    const failures = await createQueue('slow-failures');
    await mailroom.functions.register({ name: 'slow', handler: 'report.ts', timeoutSeconds: 1, onFailure: failures });
    await route(functionArn('slow'));

    let invoked = sink.nextRequest();
    const eventId = await putEvent('hang');
    for (const retryDelay of [60_000, 120_000, undefined]) {
      await invoked; // the handler is running, and its timeout timer armed
      clock.advance(999);
      assert.ok(!mailroom.delivery.dispatcher.idle, 'still running before its timeout');
      clock.advance(1);
      await quiet();
      if (retryDelay === undefined) break;
      invoked = sink.nextRequest();
      clock.advance(retryDelay);
    }

    assert.deepEqual(await attemptTimes(eventId), [0, 61_000, 182_000]);
    const history = await mailroom.store.attemptHistory((await functionDelivery(eventId)).id);
    assert.deepEqual(history.map((a) => a.durationMs), [1_000, 1_000, 1_000]);
    const record = await onlyRecord('slow-failures');
    assert.equal(record.requestContext.condition, 'RetriesExhausted');
    assert.equal(record.requestContext.approximateInvokeCount, 3);
    assert.deepEqual(record.responsePayload, { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 1.00 seconds', trace: [] });
  });

  it("runs a function for longer than the dispatcher's 5-minute lease once, not twice", async () => {
    await mailroom.functions.register({ name: 'long', handler: 'report.ts', timeoutSeconds: 450 });
    await route(functionArn('long'));

    const first = sink.nextRequest();
    const eventId = await putEvent('hang');
    await first;
    clock.advance(300_000); // the lease runs out, and the dispatcher's timer claims the delivery again
    await until(async () => (await functionDelivery(eventId)).leaseUntil === T0 + 600_000, 'the delivery to be claimed again');
    // The claim is in the store before the dispatcher has its answer and renews the running attempt's lease.
    await until(() => !mailroom.delivery.dispatcher.claiming, 'the dispatcher to have taken the claim');
    clock.advance(150_000); // the timeout
    await quiet();

    assert.equal(sink.requests.length, 1);
    const history = await mailroom.store.attemptHistory((await functionDelivery(eventId)).id);
    assert.deepEqual(history.map((a) => [a.at - T0, a.durationMs, a.errorCode]), [[0, 450_000, 'timeout']]);
    assert.equal((await functionDelivery(eventId)).dueAt, T0 + 510_000, 'the timed-out attempt was recorded and its retry scheduled');
  });

  it('sends the record at once when maximumRetryAttempts is 0', async () => {
    const failures = await createQueue('no-retry-failures');
    await mailroom.functions.register({ name: 'once', handler: 'report.ts', maximumRetryAttempts: 0, onFailure: failures });
    await route(functionArn('once'));

    const first = sink.nextRequest();
    const eventId = await putEvent('throw');
    await first;
    await quiet();

    assert.deepEqual(await attemptTimes(eventId), [0]);
    assert.equal((await functionDelivery(eventId)).status, 'dead');
    const record = await onlyRecord('no-retry-failures');
    assert.equal(record.requestContext.condition, 'RetriesExhausted');
    assert.equal(record.requestContext.approximateInvokeCount, 1);
    assert.deepEqual(record.requestPayload, await eventPayload(eventId));
  });

  it('gives an event up as EventAgeExceeded when a retry would pass maximumEventAgeInSeconds', async () => {
    const failures = await createQueue('stale-failures');
    await mailroom.functions.register({ name: 'brief', handler: 'report.ts', maximumEventAgeInSeconds: 60, onFailure: failures });
    await route(functionArn('brief'));

    const first = sink.nextRequest();
    const eventId = await putEvent('throw');
    await first;
    await quiet();
    // The first retry, 60 s on, is still within the event's 60 s; the second, 2 minutes later, would not be.
    const second = sink.nextRequest();
    clock.advance(60_000);
    await second;
    await quiet();

    assert.deepEqual(await attemptTimes(eventId), [0, 60_000]);
    const record = await onlyRecord('stale-failures');
    assert.equal(record.requestContext.condition, 'EventAgeExceeded');
    assert.equal(record.requestContext.approximateInvokeCount, 2);
    assert.equal((record.responsePayload as { errorMessage: string }).errorMessage, `order ${eventId} rejected`);
  });

  it('sends the result to the on-success destination', async () => {
    const successes = await createQueue('order-successes');
    await mailroom.functions.register({ name: 'fine', handler: 'report.ts', onSuccess: successes });
    await route(functionArn('fine'));

    const first = sink.nextRequest();
    const eventId = await putEvent('ok');
    await first;
    await quiet();

    assert.equal((await functionDelivery(eventId)).status, 'done');
    const record = await onlyRecord('order-successes');
    assert.equal(record.requestContext.condition, 'Success');
    assert.equal(record.requestContext.approximateInvokeCount, 1);
    assert.equal(record.requestContext.functionArn, functionArn('fine'));
    assert.deepEqual(record.requestPayload, await eventPayload(eventId));
    assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
    assert.deepEqual(record.responsePayload, { handled: eventId });
  });

  it("dead-letters an event for a function that does not exist to the rule target's DLQ as NO_RESOURCE", async () => {
    const dlq = await createQueue('orders-dlq');
    await route(functionArn('ghost'), { DeadLetterConfig: { Arn: dlq } });

    const eventId = await putEvent('ok');
    await quiet();

    const deliveries = await mailroom.store.listDeliveries({ eventId, limit: 10 });
    assert.deepEqual(deliveries.map((d) => [d.status, d.attempts]), [['dead', 1]], 'one attempt, no retries, no function delivery');
    const [letter, ...more] = await receive('orders-dlq');
    assert.equal(more.length, 0);
    assert.deepEqual(JSON.parse(letter!.Body), await eventPayload(eventId));
    const attribute = (name: string) => letter!.MessageAttributes?.[name]?.StringValue;
    assert.equal(attribute('ERROR_CODE'), 'NO_RESOURCE');
    assert.match(attribute('ERROR_MESSAGE')!, /Function not found: arn:aws:lambda:us-east-1:000000000000:function:ghost/);
    assert.equal(attribute('TARGET_ARN'), functionArn('ghost'));
    assert.equal(attribute('RETRY_ATTEMPTS'), '0');
    assert.equal(sink.requests.length, 0);
  });

  it('keeps library registrations across a reopen of the data dir, and forgets removed ones', async () => {
    await mailroom.functions.register({ name: 'kept', handler: 'report.ts', timeoutSeconds: 30 });
    await mailroom.functions.register({ name: 'gone', handler: 'report.ts' });
    assert.equal(await mailroom.functions.remove('gone'), true);
    assert.equal(await mailroom.functions.remove('gone'), false);
    await mailroom.close();

    mailroom = await createMailroom({ dataDir: dir, clock, functionsBaseDir: FIXTURES });
    assert.deepEqual(mailroom.functions.list().map((f) => [f.name, f.timeoutSeconds]), [['kept', 30]]);
    assert.equal(mailroom.functions.get('gone'), undefined);
  });
});
