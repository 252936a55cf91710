/**
 * Queue policies on the delivery path, in-process on a ManualClock: a dead-letter queue whose Policy allows only
 * another rule refuses the dead letter, which is kept in the fallback store with the reason and counted as
 * InvocationsFailedToBeSentToDlq; the same queue allowing this rule takes it (and counts an AWS/SQS send); an SQS
 * target whose Policy does not let the rule send fails with NO_PERMISSIONS, dead-lettered at once.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const RULE_ARN = 'arn:aws:events:us-east-1:000000000000:rule/orders';
const OTHER_RULE_ARN = 'arn:aws:events:us-east-1:000000000000:rule/payments';

/** Lets events.amazonaws.com send to `queue` on behalf of `sourceArn` only (the policy AWS's console writes). */
function onlyFrom(queue: string, sourceArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'events', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn(queue), Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } } }],
  });
}

describe('queue policies on delivery', () => {
  let dir: string;
  let mailroom: Mailroom;

  beforeEach(async () => {
    dir = tempDataDir('mailroom-policy-');
    mailroom = await createMailroom({ dataDir: dir, clock: new ManualClock(T0) });
  });
  afterEach(async () => {
    await mailroom.close();
    removeDir(dir);
  });

  async function createQueue(name: string, policy?: string): Promise<void> {
    await mailroom.sqs.queues.create({ QueueName: name, ...(policy && { Attributes: { Policy: policy } }) }, mailroom.context());
  }

  /** Rule `orders` sends every `shop` event to `target`, dead-lettering to `dlq`; one event goes through. */
  async function deliverOne(target: string, dlq: string): Promise<string> {
    await mailroom.eventBridge.rules.put({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }, mailroom.context());
    const put = (await mailroom.eventBridge.targets.put({ Rule: 'orders', Targets: [{ Id: 't', Arn: target, DeadLetterConfig: { Arn: dlq } }] })) as { FailedEntryCount: number };
    assert.equal(put.FailedEntryCount, 0);
    const out = (await mailroom.eventBridge.events.put({ Entries: [{ Source: 'shop', DetailType: 'Order Placed', Detail: '{"id":"o-1"}' }] }, mailroom.context())) as { Entries: { EventId: string }[] };
    // Bounded: the dispatcher settles the delivery without any clock time passing.
    for (let turn = 0; mailroom.delivery.dispatcher.settledCount < 1 || !mailroom.delivery.dispatcher.idle; turn++) {
      if (turn > 10_000) assert.fail('the delivery was not settled');
      await nextTurn();
    }
    await mailroom.metrics.flush();
    return out.Entries[0]!.EventId;
  }

  async function metric(namespace: string, name: string, dimensions: Record<string, string>): Promise<number> {
    const rows = await mailroom.store.queryMetrics({ namespace, name, dimensions, from: 0, to: Number.MAX_SAFE_INTEGER });
    return rows.reduce((n, d) => n + d.sum, 0);
  }

  async function receiveAll(queue: string) {
    const { Messages = [] } = await mailroom.sqs.receiver.receive({ QueueUrl: queue, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] });
    return Messages;
  }

  it('keeps a dead letter that the DLQ\'s policy refuses in the fallback store, and counts it', async () => {
    await createQueue('dlq', onlyFrom('dlq', OTHER_RULE_ARN));
    const eventId = await deliverOne(queueArn('ghost'), queueArn('dlq'));

    assert.deepEqual(await receiveAll('dlq'), [], 'nothing was written to the queue');
    const [fallback, ...more] = await mailroom.store.listFallbackDeadLetters(10);
    assert.equal(more.length, 0);
    assert.equal(fallback!.queueArn, queueArn('dlq'));
    assert.match(fallback!.reason, /denied: its Policy does not allow events\.amazonaws\.com .*rule\/orders/);
    assert.equal((JSON.parse(fallback!.body) as { id: string }).id, eventId);
    assert.equal(fallback!.attributes.ERROR_CODE, 'NO_RESOURCE');
    assert.equal(fallback!.attributes.RULE_ARN, RULE_ARN);
    const dimensionSets: Record<string, string>[] = [{}, { RuleName: 'orders' }, { EventBusName: 'default', RuleName: 'orders' }];
    for (const dimensions of dimensionSets) {
      assert.equal(await metric('AWS/Events', 'InvocationsFailedToBeSentToDlq', dimensions), 1, JSON.stringify(dimensions));
      assert.equal(await metric('AWS/Events', 'InvocationsSentToDlq', dimensions), 0);
    }
    assert.equal(await metric('AWS/SQS', 'NumberOfMessagesSent', { QueueName: 'dlq' }), 0);
  });

  it('writes the dead letter when the DLQ\'s policy allows the rule', async () => {
    await createQueue('dlq', onlyFrom('dlq', RULE_ARN));
    const eventId = await deliverOne(queueArn('ghost'), queueArn('dlq'));

    const [letter, ...more] = await receiveAll('dlq');
    assert.equal(more.length, 0);
    assert.equal((JSON.parse(letter!.Body) as { id: string }).id, eventId);
    assert.equal(letter!.MessageAttributes!.ERROR_CODE!.StringValue, 'NO_RESOURCE');
    assert.deepEqual(await mailroom.store.listFallbackDeadLetters(10), []);
    assert.equal(await metric('AWS/Events', 'InvocationsSentToDlq', { RuleName: 'orders' }), 1);
    assert.equal(await metric('AWS/Events', 'InvocationsFailedToBeSentToDlq', { RuleName: 'orders' }), 0);
    assert.equal(await metric('AWS/SQS', 'NumberOfMessagesSent', { QueueName: 'dlq' }), 1, 'the dead letter is a send to the DLQ');
  });

  it('fails an SQS target whose policy refuses the rule with NO_PERMISSIONS, without retrying', async () => {
    await createQueue('dlq');
    await createQueue('orders-queue', onlyFrom('orders-queue', OTHER_RULE_ARN));
    const eventId = await deliverOne(queueArn('orders-queue'), queueArn('dlq'));

    assert.deepEqual(await receiveAll('orders-queue'), []);
    const [letter] = await receiveAll('dlq');
    const attributes = Object.fromEntries(Object.entries(letter!.MessageAttributes!).map(([k, v]) => [k, v.StringValue]));
    assert.equal((JSON.parse(letter!.Body) as { id: string }).id, eventId);
    assert.equal(attributes.ERROR_CODE, 'NO_PERMISSIONS');
    assert.match(attributes.ERROR_MESSAGE!, /Access to the resource arn:aws:sqs:us-east-1:000000000000:orders-queue is denied/);
    assert.equal(attributes.TARGET_ARN, queueArn('orders-queue'));
    assert.equal(attributes.RETRY_ATTEMPTS, '0');
    assert.equal(attributes.EXHAUSTED_RETRY_CONDITION, undefined);
    assert.equal(await metric('AWS/Events', 'FailedInvocations', { RuleName: 'orders' }), 1);
    assert.equal(await metric('AWS/Events', 'RetryInvocationAttempts', { RuleName: 'orders' }), 0);
  });

  it('delivers to an SQS target whose policy allows the rule, counted as a send', async () => {
    await createQueue('dlq');
    await createQueue('orders-queue', onlyFrom('orders-queue', RULE_ARN));
    const eventId = await deliverOne(queueArn('orders-queue'), queueArn('dlq'));

    const [message] = await receiveAll('orders-queue');
    assert.equal((JSON.parse(message!.Body) as { id: string }).id, eventId);
    assert.deepEqual(await receiveAll('dlq'), []);
    await mailroom.metrics.flush();
    assert.equal(await metric('AWS/SQS', 'NumberOfMessagesSent', { QueueName: 'orders-queue' }), 1);
    assert.equal(await metric('AWS/SQS', 'NumberOfMessagesReceived', { QueueName: 'orders-queue' }), 1);
  });
});
