/**
 * EventBridge dead-letter redrive end to end: a server process at `--time-scale 10`, a local "third-party API"
 * answering 500, a target with RetryPolicy {MaximumRetryAttempts: 0} and a DLQ, set up with the AWS SDK; then the
 * `mailroom dlq` CLI against the server. The dead letter is listed and shown; once the API is fixed, `dlq redrive`
 * puts it back, the API receives the event, and the DLQ is empty. A dead letter whose rule was deleted is not
 * redriven: the CLI fails with the reason, the server logs it, and the message stays.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CreateApiDestinationCommand, CreateConnectionCommand, DeleteRuleCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { REPO_ROOT, removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { within } from './delivery-helpers.js';

const run = promisify(execFile);
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:orders-dlq';

describe('redrive of EventBridge dead letters with `mailroom dlq`', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let api: HttpSink;
  let status = 500;
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let queueUrl: string;

  before(async () => {
    api = await startSink((_req, res) => {
      res.statusCode = status;
      res.end(status === 200 ? '{"ok":true}' : '{"error":"down"}');
    });
    server = await startServerProcess({ timeScale: 10 });
    events = new EventBridgeClient({ endpoint: server.url, region: REGION, credentials });
    sqs = new SQSClient({ endpoint: server.url, region: REGION, credentials });
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'orders-dlq' }))).QueueUrl!;
    const conn = await events.send(new CreateConnectionCommand({ Name: 'conn', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }));
    const dest = await events.send(new CreateApiDestinationCommand({ Name: 'orders-api', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${api.url}/orders`, HttpMethod: 'POST' }));
    await events.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }));
    const put = await events.send(
      new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'api', Arn: dest.ApiDestinationArn, RetryPolicy: { MaximumRetryAttempts: 0 }, DeadLetterConfig: { Arn: DLQ_ARN } }] }),
    );
    assert.equal(put.FailedEntryCount, 0);
  });
  after(async () => {
    events.destroy();
    sqs.destroy();
    await server.stop();
    await api.close();
    removeDir(server.dataDir);
  });

  /** Runs the CLI against the server; resolves with its output and exit code (a failing command does not throw). */
  async function mailroom(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args, '--endpoint', server.url], { cwd: REPO_ROOT });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  const listed = async () => JSON.parse((await mailroom('dlq', 'list', 'orders-dlq', '--json')).stdout) as { messages: { messageId: string; body: string; deadLetter?: { ruleArn: string } }[] };

  /** Puts an event and waits for its dead letter: a long poll that leaves it visible (VisibilityTimeout 0). */
  async function deadLetter(order: string): Promise<string> {
    const out = await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'Order Placed', Detail: JSON.stringify({ order }) }] }));
    const eventId = out.Entries![0]!.EventId!;
    for (let polls = 0; polls < 20; polls++) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20, VisibilityTimeout: 0, MaxNumberOfMessages: 10 }));
      if (Messages.some((m) => (JSON.parse(m.Body!) as { id: string }).id === eventId)) return eventId;
    }
    throw new Error(`no dead letter for event ${eventId}`);
  }

  it('lists a dead letter, redrives it to the fixed API, and empties the DLQ', async () => {
    const eventId = await deadLetter('o-1');
    const list = await mailroom('dlq', 'list', 'orders-dlq');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /rule arn:aws:events:us-east-1:000000000000:rule\/orders/);
    assert.match(list.stdout, /error ERROR_FROM_TARGET .* after 0 retries/);
    const [message] = (await listed()).messages;
    const show = await mailroom('dlq', 'show', DLQ_ARN, message!.messageId);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /MAILROOM_LAST_RESPONSE_STATUS: 500/);
    assert.match(show.stdout, /#1 .* ERROR_FROM_TARGET .*\(HTTP 500\)/);

    status = 200;
    const arrived = api.nextRequest();
    const redrive = await mailroom('dlq', 'redrive', 'orders-dlq', '--rate', '5');
    assert.equal(redrive.code, 0, redrive.stderr);
    assert.match(redrive.stdout, new RegExp(`redriven ${message!.messageId} as delivery \\w+`));
    assert.match(redrive.stdout, /1 redriven, 0 failed/);
    const request = await within(arrived, 20_000, 'the API to receive the redriven event');
    assert.equal((JSON.parse(request.body) as { id: string }).id, eventId);
    assert.deepEqual((await listed()).messages, []);
    assert.match((await mailroom('dlq', 'list', 'orders-dlq')).stdout, /no messages in orders-dlq/);
  });

  it('keeps a dead letter whose rule was deleted, and fails loudly', async () => {
    status = 500;
    await deadLetter('o-2');
    await events.send(new RemoveTargetsCommand({ Rule: 'orders', Ids: ['api'] }));
    await events.send(new DeleteRuleCommand({ Name: 'orders' }));
    const redrive = await mailroom('dlq', 'redrive', 'orders-dlq');
    assert.equal(redrive.code, 1);
    assert.match(redrive.stderr, /could not redrive .*: The rule arn:aws:events:us-east-1:000000000000:rule\/orders no longer exists\./);
    assert.match(redrive.stdout, /0 redriven, 1 failed/);
    assert.equal((await listed()).messages.length, 1, 'the dead letter stays');
    assert.ok(server.logs.some((line) => line.includes('dead letter could not be redriven')), 'the server logs the failure');

    const missing = await mailroom('dlq', 'list', 'no-such-queue');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /QueueDoesNotExist/);
    const purge = await mailroom('dlq', 'purge', 'orders-dlq');
    assert.equal(purge.code, 0, purge.stderr);
    assert.deepEqual((await listed()).messages, []);
  });

  it('answers bad admin requests with an error code and a message naming the field', async () => {
    const call = async (method: string, path: string, body?: string) => {
      const res = await fetch(`${server.url}/_mailroom${path}`, { method, ...(body !== undefined && { body, headers: { 'content-type': 'application/json' } }) });
      return { status: res.status, body: (await res.json()) as { __type: string; message: string } };
    };
    const cases: [string, string, string | undefined, number, string, RegExp][] = [
      ['GET', '/dlq/orders-dlq/messages?limit=0', undefined, 400, 'ValidationException', /limit/],
      ['GET', '/dlq/orders-dlq/messages/no-such-message', undefined, 404, 'ResourceNotFoundException', /no-such-message/],
      ['GET', '/dlq/no-such-queue/messages', undefined, 404, 'QueueDoesNotExist', /no-such-queue/],
      ['POST', '/dlq/orders-dlq/redrive', 'not json', 400, 'SerializationException', /JSON object/],
      ['POST', '/dlq/orders-dlq/redrive', '{"rate":"fast"}', 400, 'ValidationException', /rate/],
      ['POST', '/dlq/orders-dlq/redrive', '{"rate":0}', 400, 'ValidationException', /rate/],
      ['POST', '/dlq/orders-dlq/redrive', '{"messageIds":[]}', 400, 'ValidationException', /messageIds/],
      ['POST', '/dead-letters/fallback/redrive', '{"deliveryIds":"x"}', 400, 'ValidationException', /deliveryIds/],
      ['POST', '/dlq/no-such-queue/purge', undefined, 404, 'QueueDoesNotExist', /no-such-queue/],
    ];
    for (const [method, path, body, status, type, message] of cases) {
      const res = await call(method, path, body);
      assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.__type, type);
      assert.match(res.body.message, message);
    }
  });
});
