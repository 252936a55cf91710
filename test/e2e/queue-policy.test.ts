/**
 * Queue policies end to end with @aws-sdk v3 against a server process: a dead-letter queue whose Policy lets
 * only the `payments` rule send takes that rule's dead letters, refuses the `orders` rule's — which is kept in
 * the fallback store (GET /_mailroom/dead-letters/fallback) with the reason and counted as
 * InvocationsFailedToBeSentToDlq — and SetQueueAttributes refuses a malformed policy with InvalidAttributeValue.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const GHOST_QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:ghost-queue`;

interface FallbackDeadLetter {
  queueArn: string;
  reason: string;
  body: string;
  attributes: Record<string, string>;
}

describe('queue policies over the wire', () => {
  let server: ServerProcess;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let dlqUrl: string;
  let dlqArn: string;

  before(async () => {
    server = await startServerProcess();
    events = new EventBridgeClient({ endpoint: server.url, region: REGION, credentials });
    sqs = new SQSClient({ endpoint: server.url, region: REGION, credentials });
    ({ QueueUrl: dlqUrl } = (await sqs.send(new CreateQueueCommand({ QueueName: 'guarded-dlq' }))) as { QueueUrl: string });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    dlqArn = Attributes!.QueueArn!;
  });
  after(async () => {
    events?.destroy();
    sqs?.destroy();
    await server?.stop();
    if (server) removeDir(server.dataDir);
  });

  /** A rule for `detail-type` whose only target is a queue that does not exist (NO_RESOURCE), dead-lettering to the DLQ. */
  async function failingRule(name: string): Promise<string> {
    const { RuleArn } = await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify({ 'detail-type': [name] }) }));
    const out = await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'ghost', Arn: GHOST_QUEUE, DeadLetterConfig: { Arn: dlqArn } }] }));
    assert.equal(out.FailedEntryCount, 0);
    return RuleArn!;
  }

  async function put(detailType: string): Promise<string> {
    const out = await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: detailType, Detail: '{}' }] }));
    assert.equal(out.FailedEntryCount, 0);
    return out.Entries![0]!.EventId!;
  }

  async function fallbacks(): Promise<FallbackDeadLetter[]> {
    const response = await fetch(`${server.url}/_mailroom/dead-letters/fallback`);
    assert.equal(response.status, 200);
    return ((await response.json()) as { deadLetters: FallbackDeadLetter[] }).deadLetters;
  }

  it('refuses a malformed policy with InvalidAttributeValue and the reason', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Principal: '*', Action: 'sqs:SendMessage' }] });
    await assert.rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl: dlqUrl, Attributes: { Policy: policy } })), (err: Error) => {
      assert.equal(err.name, 'InvalidAttributeValue');
      assert.match(err.message, /Invalid value for the parameter Policy\. Reason: Statement 1: Effect must be Allow or Deny/);
      return true;
    });
  });

  it('writes the allowed rule\'s dead letters and keeps the refused rule\'s in the fallback store', async () => {
    const paymentsRule = await failingRule('payments');
    const ordersRule = await failingRule('orders');
    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: dlqArn, Condition: { ArnEquals: { 'aws:SourceArn': paymentsRule } } }],
    };
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: dlqUrl, Attributes: { Policy: JSON.stringify(policy) } }));

    const paymentsEvent = await put('payments');
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 20, MessageAttributeNames: ['All'] }));
    assert.equal(Messages.length, 1);
    assert.equal((JSON.parse(Messages[0]!.Body!) as { id: string }).id, paymentsEvent);
    assert.equal(Messages[0]!.MessageAttributes!.RULE_ARN!.StringValue, paymentsRule);

    const ordersEvent = await put('orders');
    // Until the fallback shows up, each round waits (a one-second long poll) for a message that must not come.
    let kept = await fallbacks();
    for (let round = 0; round < 20 && kept.length === 0; round++) {
      const { Messages: refused = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
      assert.deepEqual(refused, [], 'the refused dead letter never reaches the queue');
      kept = await fallbacks();
    }
    const { Messages: leftover = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    assert.deepEqual(leftover, [], 'the refused dead letter is not in the queue');
    assert.equal(kept.length, 1, 'the refused dead letter is in the fallback store');
    const [fallback] = kept;
    assert.equal(fallback!.queueArn, dlqArn);
    assert.match(fallback!.reason, /denied: its Policy does not allow events\.amazonaws\.com sending on behalf of .*rule\/orders/);
    assert.equal((JSON.parse(fallback!.body) as { id: string }).id, ordersEvent);
    assert.equal(fallback!.attributes.RULE_ARN, ordersRule);
    assert.equal(fallback!.attributes.ERROR_CODE, 'NO_RESOURCE');

    // A graceful stop flushes the metrics; the store then shows what each rule's dead letters came to.
    await server.stop();
    const { openStore } = await import('../../src/store/index.js');
    const store = await openStore({ dataDir: server.dataDir });
    try {
      const sum = async (namespace: string, name: string, dimensions: Record<string, string>) =>
        (await store.queryMetrics({ namespace, name, dimensions, from: 0, to: Number.MAX_SAFE_INTEGER })).reduce((n, d) => n + d.sum, 0);
      assert.equal(await sum('AWS/Events', 'InvocationsFailedToBeSentToDlq', { RuleName: 'orders' }), 1);
      assert.equal(await sum('AWS/Events', 'InvocationsSentToDlq', { RuleName: 'orders' }), 0);
      assert.equal(await sum('AWS/Events', 'InvocationsSentToDlq', { RuleName: 'payments' }), 1);
      assert.equal(await sum('AWS/SQS', 'NumberOfMessagesSent', { QueueName: 'guarded-dlq' }), 1);
      assert.equal(await sum('AWS/SQS', 'NumberOfMessagesReceived', { QueueName: 'guarded-dlq' }), 1);
      assert.ok((await sum('AWS/SQS', 'NumberOfEmptyReceives', { QueueName: 'guarded-dlq' })) >= 1);
    } finally {
      await store.close();
    }
  });
});
