/**
 * Bad delivery configuration over the SDK, against a server process at --time-scale 20. What PutTargets can judge
 * is refused per entry (FailedEntries) while the good entries are stored: a target ARN of a service Mailroom does
 * not deliver to, an InputTransformer with a bad JSON path, a template that is not JSON once filled in, a reserved
 * key, a dead-letter ARN that is not an SQS queue. What only delivery can find fails there, as in AWS, without
 * retries: an API destination or an SQS queue that does not exist (NO_RESOURCE, dead letter at once, RETRY_ATTEMPTS
 * 0), Basic credentials the API refuses with 401 (ERROR_FROM_TARGET, one call, dead letter at once), and a
 * dead-letter queue that does not exist (the dead letter is kept in the fallback store, never dropped). The server
 * keeps serving and delivering throughout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateApiDestinationCommand, CreateConnectionCommand, CreateEventBusCommand, EventBridgeClient, ListTargetsByRuleCommand, PutEventsCommand, PutRuleCommand, PutTargetsCommand, type Target } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { untilRequests } from './delivery-helpers.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const BUS = 'bad';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const GOOD_BASIC = `Basic ${Buffer.from('alice:right').toString('base64')}`;

describe('bad delivery configuration', () => {
  let server: ServerProcess;
  let api: HttpSink;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let dlqUrl: string;
  let dlqArn: string;

  before(async () => {
    // The third-party API: /basic wants alice's credentials, /reject refuses everything with 400.
    api = await startSink((req, res) => {
      if (req.url.pathname === '/basic') res.statusCode = req.headers.authorization === GOOD_BASIC ? 200 : 401;
      else if (req.url.pathname === '/reject') res.statusCode = 400;
      res.end(res.statusCode === 200 ? '{}' : `{"error":${res.statusCode}}`);
    });
    server = await startServerProcess({ timeScale: 20 });
    events = new EventBridgeClient({ endpoint: server.url, region: REGION, credentials });
    sqs = new SQSClient({ endpoint: server.url, region: REGION, credentials });
    ({ url: dlqUrl, arn: dlqArn } = await createQueue('bad-dlq'));
    await events.send(new CreateEventBusCommand({ Name: BUS }));
  });
  after(async () => {
    events?.destroy();
    sqs?.destroy();
    await server?.kill();
    await api?.close();
    if (server) removeDir(server.dataDir);
  });

  async function createQueue(name: string) {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  }

  async function rule(name: string, detailType: string, targets: Target[]) {
    const { RuleArn } = await events.send(new PutRuleCommand({ Name: name, EventBusName: BUS, EventPattern: JSON.stringify({ 'detail-type': [detailType] }) }));
    const out = await events.send(new PutTargetsCommand({ Rule: name, EventBusName: BUS, Targets: targets }));
    return { ruleArn: RuleArn!, out };
  }

  async function destination(name: string, path: string, auth: { Username: string; Password: string }) {
    const conn = await events.send(new CreateConnectionCommand({ Name: `${name}-conn`, AuthorizationType: 'BASIC', AuthParameters: { BasicAuthParameters: auth } }));
    const dest = await events.send(new CreateApiDestinationCommand({ Name: name, ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${api.url}${path}`, HttpMethod: 'POST' }));
    return dest.ApiDestinationArn!;
  }

  async function put(detailType: string, detail: Record<string, unknown>) {
    const out = await events.send(new PutEventsCommand({ Entries: [{ EventBusName: BUS, Source: 'bad-input', DetailType: detailType, Detail: JSON.stringify(detail) }] }));
    assert.equal(out.FailedEntryCount, 0);
    return out.Entries![0]!.EventId!;
  }

  /** Receives (and deletes) until `count` messages have arrived; long polls answer as soon as one lands. */
  async function receive(queueUrl: string, count: number): Promise<Message[]> {
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

  const attributes = (m: Message) => Object.fromEntries(Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));

  it('refuses what PutTargets can judge per entry and stores the good entries', async () => {
    const good = await createQueue('good-queue');
    const { out } = await rule('judged', 'judged', [
      { Id: 'kinesis', Arn: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/orders` },
      { Id: 'bad-path', Arn: good.arn, InputTransformer: { InputPathsMap: { order: 'detail.order' }, InputTemplate: '{"order": <order>}' } },
      { Id: 'not-json', Arn: good.arn, InputTransformer: { InputPathsMap: { order: '$.detail.order' }, InputTemplate: '{"order": <order>' } },
      { Id: 'reserved', Arn: good.arn, InputTransformer: { InputPathsMap: { 'aws.events.event': '$.detail' }, InputTemplate: '{"e": <aws.events.event>}' } },
      { Id: 'sns-dlq', Arn: good.arn, DeadLetterConfig: { Arn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts` } },
      { Id: 'good', Arn: good.arn, InputTransformer: { InputPathsMap: { order: '$.detail.order' }, InputTemplate: '{"order": <order>}' } },
    ]);
    assert.equal(out.FailedEntryCount, 5, JSON.stringify(out));
    const failed = new Map((out.FailedEntries ?? []).map((f) => [f.TargetId!, f]));
    assert.deepEqual([...failed.keys()].sort(), ['bad-path', 'kinesis', 'not-json', 'reserved', 'sns-dlq']);
    for (const f of failed.values()) assert.ok(f.ErrorCode, JSON.stringify(f));
    assert.match(failed.get('kinesis')!.ErrorMessage!, /kinesis/);
    assert.match(failed.get('bad-path')!.ErrorMessage!, /detail\.order.*JSON path/);
    assert.match(failed.get('not-json')!.ErrorMessage!, /InputTemplate.*JSON/);
    assert.match(failed.get('reserved')!.ErrorMessage!, /aws\.events\.event/);
    assert.match(failed.get('sns-dlq')!.ErrorMessage!, /DeadLetterConfig.*SQS/);
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: 'judged', EventBusName: BUS }));
    assert.deepEqual(Targets!.map((t) => t.Id), ['good']);

    // The stored target delivers, shaped by its transformer.
    await put('judged', { order: 'o-1' });
    const [message] = await receive(good.url, 1);
    assert.equal(message!.Body, '{"order":"o-1"}');
  });

  it('dead-letters at once, without retries, what only delivery can find wrong', async () => {
    const ghostDestination = `arn:aws:events:${REGION}:${ACCOUNT}:api-destination/ghost/00000000-0000-4000-8000-000000000000`;
    const ghostQueue = `arn:aws:sqs:${REGION}:${ACCOUNT}:ghost-queue`;
    const badBasic = await destination('basic-api', '/basic', { Username: 'alice', Password: 'wrong' });
    const dlq = { Arn: dlqArn };
    // The default retry policy (185 retries): nothing here may be retried anyway.
    const missing = await rule('missing', 'missing', [
      { Id: 'ghost-destination', Arn: ghostDestination, DeadLetterConfig: dlq },
      { Id: 'ghost-queue', Arn: ghostQueue, DeadLetterConfig: dlq },
    ]);
    assert.equal(missing.out.FailedEntryCount, 0, 'targets that do not exist are accepted, as AWS accepts them');
    const basic = await rule('basic', 'basic', [{ Id: 'basic-api', Arn: badBasic, DeadLetterConfig: dlq }]);
    assert.equal(basic.out.FailedEntryCount, 0);

    const missingEvent = await put('missing', { order: 'm-1' });
    const basicEvent = await put('basic', { order: 'b-1' });
    const letters = await receive(dlqUrl, 3);
    assert.equal(letters.length, 3);
    const byTarget = new Map(letters.map((m) => [attributes(m).TARGET_ARN!, m]));
    assert.deepEqual([...byTarget.keys()].sort(), [badBasic, ghostDestination, ghostQueue].sort());

    for (const target of [ghostDestination, ghostQueue]) {
      const m = byTarget.get(target)!;
      const a = attributes(m);
      assert.equal((JSON.parse(m.Body!) as { id: string }).id, missingEvent);
      assert.equal(a.RULE_ARN, missing.ruleArn);
      assert.equal(a.ERROR_CODE, 'NO_RESOURCE', JSON.stringify(a));
      assert.match(a.ERROR_MESSAGE!, /does not exist/);
      assert.equal(a.RETRY_ATTEMPTS, '0');
      assert.equal(a.EXHAUSTED_RETRY_CONDITION, undefined);
    }

    const b = byTarget.get(badBasic)!;
    const a = attributes(b);
    assert.equal((JSON.parse(b.Body!) as { id: string }).id, basicEvent);
    assert.equal(a.RULE_ARN, basic.ruleArn);
    assert.equal(a.ERROR_CODE, 'ERROR_FROM_TARGET', JSON.stringify(a));
    assert.match(a.ERROR_MESSAGE!, /401/);
    assert.doesNotMatch(a.ERROR_MESSAGE!, /wrong|alice/, 'the credentials are not in the error message');
    assert.equal(a.RETRY_ATTEMPTS, '0');
    assert.equal(a.EXHAUSTED_RETRY_CONDITION, undefined);
    assert.equal(a.MAILROOM_LAST_RESPONSE_STATUS, '401');
    // One call, with the (wrong) Basic credentials the connection holds.
    const calls = api.requests.filter((r) => r.url.pathname === '/basic');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.headers.authorization, `Basic ${Buffer.from('alice:wrong').toString('base64')}`);
  });

  it('keeps a dead letter whose queue does not exist in the fallback store, and keeps serving', async () => {
    const rejecting = await destination('reject-api', '/reject', { Username: 'alice', Password: 'right' });
    const lostDlq = `arn:aws:sqs:${REGION}:${ACCOUNT}:no-such-dlq`;
    const lost = await rule('lost', 'lost', [{ Id: 'reject-api', Arn: rejecting, DeadLetterConfig: { Arn: lostDlq } }]);
    assert.equal(lost.out.FailedEntryCount, 0);
    const lostEvent = await put('lost', { order: 'l-1' });
    await untilRequests(api, () => api.requests.some((r) => r.url.pathname === '/reject'), 20_000, () => 'the rejecting API to be called');

    // Still serving and delivering after all of the above.
    const after = await createQueue('after-queue');
    const { out } = await rule('after', 'after', [{ Id: 'after', Arn: after.arn }]);
    assert.equal(out.FailedEntryCount, 0);
    const afterEvent = await put('after', { order: 'a-1' });
    const [delivered] = await receive(after.url, 1);
    assert.equal((JSON.parse(delivered!.Body!) as { id: string }).id, afterEvent);

    // A graceful stop lets the rejected attempt settle (it was answered before) and flushes the metrics.
    await server.stop();
    const { openStore } = await import('../../src/store/index.js');
    const store = await openStore({ dataDir: server.dataDir });
    try {
      const fallbacks = await store.listFallbackDeadLetters(10);
      assert.equal(fallbacks.length, 1, JSON.stringify(fallbacks));
      const f = fallbacks[0]!;
      assert.equal(f.queueArn, lostDlq);
      assert.match(f.reason, /does not exist/);
      assert.equal((JSON.parse(f.body) as { id: string }).id, lostEvent);
      assert.equal(f.attributes.RULE_ARN, lost.ruleArn);
      assert.equal(f.attributes.TARGET_ARN, rejecting);
      assert.equal(f.attributes.ERROR_CODE, 'ERROR_FROM_TARGET');
      assert.equal(f.attributes.RETRY_ATTEMPTS, '0');
      const metric = async (name: string, rule: string) =>
        (await store.queryMetrics({ namespace: 'AWS/Events', name, dimensions: { RuleName: rule }, from: 0, to: Number.MAX_SAFE_INTEGER })).reduce((n, d) => n + d.sum, 0);
      assert.equal(await metric('InvocationsFailedToBeSentToDlq', 'lost'), 1);
      assert.equal(await metric('InvocationsSentToDlq', 'lost'), 0);
      assert.equal(await metric('InvocationsSentToDlq', 'missing'), 2);
      assert.equal(await metric('FailedInvocations', 'basic'), 1);
      assert.equal(await metric('RetryInvocationAttempts', 'basic'), 0);
      assert.equal(await metric('RetryInvocationAttempts', 'missing'), 0);
    } finally {
      await store.close();
    }
  });
});
