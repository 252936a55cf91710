/**
 * SQS end to end with @aws-sdk/client-sqs v3 against a real `mailroom serve` process (real time): queue control
 * plane, send/receive/delete with message attributes and the SDK's MD5 checks, long-poll wake-up, purge, batches,
 * and bad input — each with SQS's error code as the SDK sees it, and on the wire with `x-amzn-query-error`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  TagQueueCommand,
} from '@aws-sdk/client-sqs';
import { callJson } from '../helpers/aws-json.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'eu-central-1';

describe('SQS over @aws-sdk/client-sqs', () => {
  let server: ServerProcess;
  let client: SQSClient;
  let host: string;

  before(async () => {
    server = await startServerProcess();
    host = new URL(server.url).host;
    client = new SQSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  });
  after(async () => {
    client.destroy();
    await server.stop();
    removeDir(server.dataDir);
  });

  /** Asserts the SDK raised SQS's exception `name` (the class it raises against AWS). */
  async function sdkError(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
    await assert.rejects(promise, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, name, err.message);
      if (message) assert.match(err.message, message);
      return true;
    });
  }

  /** The error exactly as it is on the wire: awsJson 1.0 body and the query-compatibility header. */
  async function wireError(operation: string, body: object, status: number, code: string, queryCode: string): Promise<void> {
    const res = await callJson(server.url, `AmazonSQS.${operation}`, body, { 'content-type': 'application/x-amz-json-1.0' });
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.__type, `com.amazonaws.sqs#${code}`);
    assert.equal(typeof res.body.message, 'string');
    assert.equal(res.headers.get('x-amzn-query-error'), `${queryCode};Sender`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.0\b/);
  }

  it('creates, finds, lists, attributes, tags and deletes queues', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'sdk-orders', Attributes: { VisibilityTimeout: '45' }, tags: { team: 'shop' } }));
    assert.equal(QueueUrl, `http://${host}/000000000000/sdk-orders`);
    assert.equal((await client.send(new CreateQueueCommand({ QueueName: 'sdk-orders', Attributes: { VisibilityTimeout: '45' } }))).QueueUrl, QueueUrl);
    await sdkError(client.send(new CreateQueueCommand({ QueueName: 'sdk-orders' })), 'QueueNameExists', /VisibilityTimeout/);
    assert.equal((await client.send(new GetQueueUrlCommand({ QueueName: 'sdk-orders' }))).QueueUrl, QueueUrl);
    assert.ok((await client.send(new ListQueuesCommand({ QueueNamePrefix: 'sdk-' }))).QueueUrls?.includes(QueueUrl!));
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    assert.equal(Attributes!.QueueArn, `arn:aws:sqs:${REGION}:000000000000:sdk-orders`);
    assert.equal(Attributes!.VisibilityTimeout, '45');
    assert.equal(Attributes!.SqsManagedSseEnabled, 'true');
    await client.send(new TagQueueCommand({ QueueUrl, Tags: { env: 'e2e' } }));
    assert.deepEqual((await client.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { env: 'e2e', team: 'shop' });
    await client.send(new DeleteQueueCommand({ QueueUrl }));
    await sdkError(client.send(new GetQueueUrlCommand({ QueueName: 'sdk-orders' })), 'QueueDoesNotExist');
    await sdkError(client.send(new CreateQueueCommand({ QueueName: 'sdk.fifo' })), 'InvalidParameterValue', /FIFO queues are not supported/);
  });

  it('sends and receives messages with attributes whose digests the SDK accepts', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'sdk-messages' }));
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'derp',
        MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
      }),
    );
    // Digests that AWS returns for this body and attribute (pinned by moto's and LocalStack's suites).
    assert.equal(sent.MD5OfMessageBody, '58fd9edd83341c29f1aebba81c31e257');
    assert.equal(sent.MD5OfMessageAttributes, '235c5c510d26fb653d073faed50ae77c');
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'grüße 🎉',
        MessageAttributes: { blob: { DataType: 'Binary.raw', BinaryValue: bytes }, note: { DataType: 'String', StringValue: 'ünï' } },
      }),
    );
    const { Messages } = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }),
    );
    assert.deepEqual(Messages!.map((m) => m.Body), ['derp', 'grüße 🎉']);
    assert.equal(Messages![0]!.MD5OfMessageAttributes, '235c5c510d26fb653d073faed50ae77c');
    assert.deepEqual(Messages![1]!.MessageAttributes!.blob!.BinaryValue, bytes);
    assert.equal(Messages![0]!.Attributes!.ApproximateReceiveCount, '1');
    assert.equal(Messages![0]!.Attributes!.SenderId, 'AKIDTEST');
    const batch = await client.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages!.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })) }),
    );
    assert.equal(batch.Successful!.length, 2);
    const counts = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    assert.deepEqual(counts.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('sends batches with per-entry failures', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'sdk-batch' }));
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'ok', MessageBody: 'fine' },
          { Id: 'bad', MessageBody: 'x', MessageAttributes: { 'AWS.reserved': { DataType: 'String', StringValue: 'v' } } },
        ],
      }),
    );
    assert.deepEqual(out.Successful!.map((s) => s.Id), ['ok']);
    assert.deepEqual(out.Failed!.map((f) => [f.Id, f.Code, f.SenderFault]), [['bad', 'InvalidParameterValue', true]]);
    await sdkError(client.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })), 'EmptyBatchRequest');
    await sdkError(
      client.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] })),
      'BatchEntryIdsNotDistinct',
    );
  });

  it('answers a 20-second long poll within moments of a send', { timeout: 15_000 }, async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'sdk-long-poll' }));
    const started = performance.now();
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    // Give the poll time to reach the server and park; if it has not, it finds the message at once anyway.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sentAt = performance.now();
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'ping' }));
    const { Messages } = await polling;
    const answeredAt = performance.now();
    assert.equal(Messages?.[0]?.Body, 'ping');
    assert.ok(answeredAt - sentAt < 1000, `answered ${Math.round(answeredAt - sentAt)} ms after the send`);
    assert.ok(answeredAt - started < 5000);
  });

  it('purges a queue, once per minute', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'sdk-purge' }));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }));
    await client.send(new PurgeQueueCommand({ QueueUrl }));
    assert.equal((await client.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined);
    await sdkError(client.send(new PurgeQueueCommand({ QueueUrl })), 'PurgeQueueInProgress');
  });

  it('rejects bad input with SQS error codes, as the SDK raises them', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'sdk-bad', Attributes: { MaximumMessageSize: '1024' } }));
    await sdkError(client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1025) })), 'InvalidParameterValue', /shorter than 1024 bytes/);
    await sdkError(
      client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageAttributes: { 'bad name': { DataType: 'String', StringValue: 'v' } } })),
      'InvalidParameterValue',
    );
    await sdkError(
      client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: 'NaN' } } })),
      'InvalidParameterValue',
    );
    await sdkError(client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'nul \u0000' })), 'InvalidMessageContents');
    await sdkError(client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '43201' } })), 'InvalidAttributeValue');
    await sdkError(client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Bogus' as never] })), 'InvalidAttributeName');
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const [m] = (await client.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }))).Messages!;
    await sdkError(client.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: m!.ReceiptHandle, VisibilityTimeout: 43_201 })), 'InvalidParameterValue');
    await client.send(new ReceiveMessageCommand({ QueueUrl }));
    await sdkError(client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m!.ReceiptHandle })), 'ReceiptHandleIsInvalid');
    await client.send(new DeleteQueueCommand({ QueueUrl }));
    await sdkError(client.send(new ReceiveMessageCommand({ QueueUrl })), 'QueueDoesNotExist');
  });

  it('writes errors on the wire with the com.amazonaws.sqs# type and x-amzn-query-error', async () => {
    const missing = `http://${host}/000000000000/no-such-queue`;
    await wireError('ReceiveMessage', { QueueUrl: missing }, 400, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue');
    await wireError('CreateQueue', { QueueName: 'w', Attributes: { DelaySeconds: '901' } }, 400, 'InvalidAttributeValue', 'InvalidAttributeValue');
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'wire' }));
    await wireError('CreateQueue', { QueueName: 'wire', Attributes: { DelaySeconds: '5' } }, 400, 'QueueNameExists', 'QueueAlreadyExists');
    await wireError('DeleteMessage', { QueueUrl, ReceiptHandle: 'stale' }, 404, 'ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid');
    await wireError('SendMessageBatch', { QueueUrl, Entries: [] }, 400, 'EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest');
    await wireError('SendMessage', { QueueUrl }, 400, 'MissingParameter', 'MissingParameter');
    await wireError('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 11 }, 400, 'InvalidParameterValue', 'InvalidParameterValue');
  });
});
