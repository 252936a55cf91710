/**
 * The seed's story end to end with @aws-sdk v3 against a server process at --time-scale: a custom bus, a rule, an
 * API destination to a local "third-party API", RetryPolicy {MaximumRetryAttempts: 3} and an SQS dead-letter
 * queue. An event whose API is down gets 4 calls and then a dead letter with RETRY_ATTEMPTS 3; one the API
 * rejects (400) gets 1 call and a dead letter at once; one that fails twice gets 3 calls and no dead letter; a good
 * one gets 1 call. Then the same with MaximumEventAgeInSeconds running out first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateApiDestinationCommand, CreateConnectionCommand, CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

describe('the seed story: retries, then a dead letter with the reason', () => {
  let server: ServerProcess;
  let api: HttpSink;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  const calls = new Map<string, number>();

  before(async () => {
    // The third-party API: behaves as each event's detail asks, counting calls per order.
    api = await startSink((req, res) => {
      const detail = JSON.parse(req.body) as { order: string; behaviour: string };
      const n = (calls.get(detail.order) ?? 0) + 1;
      calls.set(detail.order, n);
      const status = detail.behaviour === 'down' ? 500 : detail.behaviour === 'reject' ? 400 : detail.behaviour === 'flaky' && n <= 2 ? 503 : 200;
      res.statusCode = status;
      res.end(status === 200 ? '{"registered":true}' : `{"error":"status ${status} for ${detail.order}"}`);
    });
    server = await startServerProcess({ timeScale: 10 });
    events = new EventBridgeClient({ endpoint: server.url, region: REGION, credentials });
    sqs = new SQSClient({ endpoint: server.url, region: REGION, credentials });
  });
  after(async () => {
    events.destroy();
    sqs.destroy();
    await server.stop();
    await api.close();
    removeDir(server.dataDir);
  });

  async function setUp(name: string, retryPolicy: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await events.send(new CreateEventBusCommand({ Name: name }));
    const conn = await events.send(new CreateConnectionCommand({ Name: `${name}-conn`, AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }));
    const dest = await events.send(new CreateApiDestinationCommand({ Name: `${name}-api`, ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${api.url}/register`, HttpMethod: 'POST' }));
    const rule = await events.send(new PutRuleCommand({ Name: 'item-sold', EventBusName: name, EventPattern: JSON.stringify({ 'detail-type': ['Item Sold'] }) }));
    const put = await events.send(
      new PutTargetsCommand({
        Rule: 'item-sold',
        EventBusName: name,
        Targets: [{ Id: 'third-party', Arn: dest.ApiDestinationArn, InputPath: '$.detail', RetryPolicy: retryPolicy, DeadLetterConfig: { Arn: Attributes!.QueueArn } }],
      }),
    );
    assert.equal(put.FailedEntryCount, 0);
    return { queueUrl: QueueUrl!, ruleArn: rule.RuleArn!, targetArn: dest.ApiDestinationArn! };
  }

  async function send(bus: string, order: string, behaviour: string) {
    const out = await events.send(new PutEventsCommand({ Entries: [{ EventBusName: bus, Source: 'shop', DetailType: 'Item Sold', Detail: JSON.stringify({ order, behaviour }) }] }));
    assert.equal(out.FailedEntryCount, 0);
  }

  /** Receives until `count` dead letters have arrived (long polls: answers as soon as one lands). */
  async function deadLetters(queueUrl: string, count: number): Promise<Message[]> {
    const got: Message[] = [];
    for (let i = 0; i < 20 && got.length < count; i++) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, MessageAttributeNames: ['All'] }));
      for (const m of out.Messages ?? []) {
        got.push(m);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
    return got;
  }

  const attr = (m: Message, name: string) => m.MessageAttributes?.[name]?.StringValue;

  it('retries a down API 3 times then dead-letters; dead-letters a 400 at once; a flaky API and a good one succeed', async () => {
    const { queueUrl, ruleArn, targetArn } = await setUp('orders', { MaximumRetryAttempts: 3 });
    await send('orders', 'down-1', 'down');
    await send('orders', 'reject-1', 'reject');
    await send('orders', 'flaky-1', 'flaky');
    await send('orders', 'ok-1', 'ok');

    const letters = await deadLetters(queueUrl, 2);
    assert.equal(letters.length, 2);
    const byOrder = new Map(letters.map((m) => [(JSON.parse(m.Body!) as { detail: { order: string } }).detail.order, m]));
    const down = byOrder.get('down-1')!;
    assert.equal(attr(down, 'RULE_ARN'), ruleArn);
    assert.equal(attr(down, 'TARGET_ARN'), targetArn);
    assert.equal(attr(down, 'ERROR_CODE'), 'ERROR_FROM_TARGET');
    assert.match(attr(down, 'ERROR_MESSAGE')!, /500/);
    assert.equal(attr(down, 'EXHAUSTED_RETRY_CONDITION'), 'MaximumRetryAttempts');
    assert.equal(attr(down, 'RETRY_ATTEMPTS'), '3');
    assert.equal(attr(down, 'MAILROOM_LAST_RESPONSE_STATUS'), '500');
    assert.equal(attr(down, 'MAILROOM_LAST_RESPONSE_BODY'), '{"error":"status 500 for down-1"}');
    assert.equal((JSON.parse(down.Body!) as { source: string }).source, 'shop', 'the body is the original event');

    const reject = byOrder.get('reject-1')!;
    assert.equal(attr(reject, 'RETRY_ATTEMPTS'), '0');
    assert.equal(attr(reject, 'ERROR_CODE'), 'ERROR_FROM_TARGET');
    assert.equal(attr(reject, 'EXHAUSTED_RETRY_CONDITION'), undefined);

    // The dead letters are written after the last call, so the counts are final once both have arrived; the
    // flaky and good orders finish independently, so wait until their success calls have been made.
    while ((calls.get('flaky-1') ?? 0) < 3 || (calls.get('ok-1') ?? 0) < 1) await api.nextRequest();
    assert.deepEqual(Object.fromEntries([...calls].filter(([o]) => o.endsWith('-1')).sort()), { 'down-1': 4, 'flaky-1': 3, 'ok-1': 1, 'reject-1': 1 });
  });

  it('dead-letters with MaximumEventAgeInSeconds when the age limit runs out first', async () => {
    const { queueUrl } = await setUp('aged', { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 60 });
    await send('aged', 'down-2', 'down');
    const [letter] = await deadLetters(queueUrl, 1);
    assert.equal(attr(letter!, 'EXHAUSTED_RETRY_CONDITION'), 'MaximumEventAgeInSeconds');
    const retries = Number(attr(letter!, 'RETRY_ATTEMPTS'));
    // Backoff 0.5–1 s, 1–2 s, 2–4 s, ... fits between 4 and 7 retries into 60 s.
    assert.ok(retries >= 4 && retries <= 7, `retries ${retries}`);
    assert.equal(calls.get('down-2'), retries + 1);
  });
});
