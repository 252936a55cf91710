/**
 * Mailroom on PostgreSQL end to end, split as a scaled-out deployment would be: two `mailroom serve --store
 * postgres://...` processes on one database (started together, so they also migrate it together), one accepting
 * only (`--no-deliver`), the other delivering. @aws-sdk/client-eventbridge puts events through the first; the
 * second delivers them to a local HTTP API, and dead-letters a rejected one into an SQS queue that a long poll on
 * the first is already waiting on. A message move task started through one runs in either, and its moved messages
 * reach a long poll in the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateApiDestinationCommand, CreateConnectionCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { TEST_ROOT_KEY, testDatabase } from '../helpers/postgres.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/until.js';
import { untilRequests, within } from './delivery-helpers.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const db = await testDatabase();

describe('two server processes sharing PostgreSQL', () => {
  let accepting: ServerProcess;
  let delivering: ServerProcess;
  let api: HttpSink;
  let events: EventBridgeClient;
  let sqs: SQSClient;

  before(async () => {
    // The third-party API: rejects the orders it is told to, takes the rest.
    api = await startSink((req, res) => {
      const rejected = (JSON.parse(req.body) as { behaviour?: string }).behaviour === 'reject';
      res.statusCode = rejected ? 400 : 200;
      res.end(rejected ? '{"error":"no"}' : '{"ok":true}');
    });
    const store = await db.freshSchema();
    // Both processes share the database, so they share its root key.
    const env = { MAILROOM_ROOT_KEY: TEST_ROOT_KEY.base64 };
    [accepting, delivering] = await Promise.all([startServerProcess({ store, deliver: false, env }), startServerProcess({ store, env })]);
    events = new EventBridgeClient({ endpoint: accepting.url, region: REGION, credentials });
    sqs = new SQSClient({ endpoint: accepting.url, region: REGION, credentials });
  });
  after(async () => {
    events.destroy();
    sqs.destroy();
    await Promise.all([accepting.stop(), delivering.stop()]);
    await api.close();
    removeDir(accepting.dataDir);
    removeDir(delivering.dataDir);
  });

  it('accepts PutEvents in one process and delivers from the other; a dead letter wakes a long poll in the first', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders-dlq' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const conn = await events.send(new CreateConnectionCommand({ Name: 'api', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }));
    const dest = await events.send(new CreateApiDestinationCommand({ Name: 'orders-api', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${api.url}/orders`, HttpMethod: 'POST' }));
    await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }));
    const put = await events.send(new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'api', Arn: dest.ApiDestinationArn, InputPath: '$.detail', DeadLetterConfig: { Arn: Attributes!.QueueArn } }] }));
    assert.equal(put.FailedEntryCount, 0);

    const orders = Array.from({ length: 20 }, (_, i) => `order-${i}`);
    const out = await events.send(new PutEventsCommand({ Entries: orders.slice(0, 10).map((order) => ({ Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ order }) })) }));
    assert.equal(out.FailedEntryCount, 0);
    await events.send(new PutEventsCommand({ Entries: orders.slice(10).map((order) => ({ Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ order }) })) }));
    const delivered = () => new Set(api.requests.map((r) => (JSON.parse(r.body) as { order: string }).order));
    await untilRequests(api, () => orders.every((o) => delivered().has(o)), 30_000, () => `delivered ${delivered().size} of ${orders.length}`);
    assert.equal(api.requests.length, orders.length, 'each event delivered once');
    assert.equal(api.requests[0]!.headers['x-api-key'], 'k');

    // The long poll waits in the accepting process; the dead letter is written by the delivering one.
    const polled = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MessageAttributeNames: ['All'] }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ order: 'bad', behaviour: 'reject' }) }] }));
    const { Messages } = await within(polled, 25_000, 'the dead letter to reach the long poll');
    assert.equal(Messages?.length, 1);
    assert.equal((JSON.parse(Messages![0]!.Body!) as { detail: { order: string } }).detail.order, 'bad');
    assert.equal(Messages![0]!.MessageAttributes?.ERROR_CODE?.StringValue, 'ERROR_FROM_TARGET');
  });

  it('runs a message move task started through one process; the moved message reaches a long poll in the other', async () => {
    const other = new SQSClient({ endpoint: delivering.url, region: REGION, credentials });
    try {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'moves-dlq' }));
      const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: 'moves', Attributes: { VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) } }),
      );
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
      // Received once (visible again at once); the next receive, in the other process, moves it to the DLQ.
      assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages?.length, 1);
      assert.equal((await other.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined);

      const polled = other.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
      await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
      const { Messages } = await within(polled, 25_000, 'the moved message to reach the long poll');
      assert.equal(Messages?.[0]?.Body, 'poison');
      const status = async () => (await other.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results?.[0];
      await until(async () => (await status())?.Status === 'COMPLETED', 'the move task to complete');
      assert.equal((await status())?.ApproximateNumberOfMessagesMoved, 1);
    } finally {
      other.destroy();
    }
  });
});
