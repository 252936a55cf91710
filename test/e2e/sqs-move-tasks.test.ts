/**
 * SQS message move tasks end to end with @aws-sdk/client-sqs against a server process at `--time-scale 100`: a
 * message received more than maxReceiveCount times goes to the dead-letter queue; StartMessageMoveTask brings it
 * back to its source queue as a new message (new MessageId, receive count starting again); ListMessageMoveTasks
 * shows the task COMPLETED with its counts; the SDK raises SQS's exception classes for bad input. Waits are long
 * polls, which answer as soon as a message arrives or the simulated time is up: no sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
  type ListMessageMoveTasksResultEntry,
} from '@aws-sdk/client-sqs';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const ARN = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('SQS message move tasks with the AWS SDK', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let client: SQSClient;

  before(async () => {
    server = await startServerProcess({ timeScale: 100 });
    client = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  });
  after(async () => {
    client.destroy();
    await server.stop();
    removeDir(server.dataDir);
  });

  const create = async (name: string, attributes: Record<string, string> = {}) => (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  /** A long poll of 20 simulated seconds (0.2 s real). */
  const poll = async (QueueUrl: string, extra: object = {}) =>
    (await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'], ...extra }))).Messages ?? [];

  async function sdkError(promise: Promise<unknown>, name: string, message: RegExp): Promise<void> {
    await assert.rejects(promise, (err: Error) => {
      assert.equal(err.name, name, err.message);
      assert.match(err.message, message);
      return true;
    });
  }

  it('brings a dead-lettered message back to its source queue as a new message', async () => {
    const dlqUrl = await create('mt-dlq');
    const QueueUrl = await create('mt-source', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: ARN('mt-dlq'), maxReceiveCount: 1 }) });
    const { MessageId } = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison', MessageAttributes: { kind: { DataType: 'String', StringValue: 'order' } } }));
    assert.equal((await poll(QueueUrl)).length, 1);
    // Visible again after a simulated second; the next receive would be the second: it goes to the DLQ instead.
    assert.deepEqual(await poll(QueueUrl), []);
    const [dead] = await poll(dlqUrl, { VisibilityTimeout: 0 });
    assert.equal(dead!.MessageId, MessageId);

    const { TaskHandle } = await client.send(new StartMessageMoveTaskCommand({ SourceArn: ARN('mt-dlq') }));
    assert.ok(TaskHandle);
    const [back] = await poll(QueueUrl, { MessageAttributeNames: ['All'] });
    assert.equal(back!.Body, 'poison');
    assert.notEqual(back!.MessageId, MessageId, 'a move task sends a new message');
    assert.equal(back!.Attributes!.ApproximateReceiveCount, '1');
    assert.equal(back!.Attributes!.DeadLetterQueueSourceArn, undefined);
    assert.deepEqual(back!.MessageAttributes, { kind: { DataType: 'String', StringValue: 'order' } });
    assert.equal(back!.MD5OfBody, dead!.MD5OfBody);

    // The task completes once a batch finds the DLQ empty; each empty poll of the DLQ lets 20 s pass.
    let task: ListMessageMoveTasksResultEntry | undefined;
    for (let polls = 0; polls < 20; polls++) {
      [task] = (await client.send(new ListMessageMoveTasksCommand({ SourceArn: ARN('mt-dlq') }))).Results ?? [];
      if (task?.Status !== 'RUNNING') break;
      await poll(dlqUrl);
    }
    assert.equal(task!.Status, 'COMPLETED');
    assert.equal(task!.ApproximateNumberOfMessagesMoved, 1);
    assert.equal(task!.ApproximateNumberOfMessagesToMove, 1);
    assert.equal(task!.SourceArn, ARN('mt-dlq'));
    assert.equal(task!.TaskHandle, undefined, 'a finished task has no handle to cancel');
    assert.ok(task!.StartedTimestamp! > 0);
    await sdkError(client.send(new CancelMessageMoveTaskCommand({ TaskHandle })), 'UnsupportedOperation', /RUNNING/);
  });

  it('raises SQS exception classes for bad input', async () => {
    await create('mt-plain');
    await sdkError(client.send(new StartMessageMoveTaskCommand({ SourceArn: ARN('mt-missing') })), 'ResourceNotFoundException', /SourceArn/);
    await sdkError(client.send(new StartMessageMoveTaskCommand({ SourceArn: ARN('mt-plain') })), 'InvalidParameterValue', /Dead Letter Queue/);
    await sdkError(client.send(new StartMessageMoveTaskCommand({ SourceArn: ARN('mt-dlq'), MaxNumberOfMessagesPerSecond: 501 })), 'InvalidParameterValue', /MaxNumberOfMessagesPerSecond/);
    await sdkError(client.send(new ListMessageMoveTasksCommand({ SourceArn: ARN('mt-dlq'), MaxResults: 11 })), 'InvalidParameterValue', /MaxResults/);
    await sdkError(client.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'not-a-task' })), 'ResourceNotFoundException', /Task does not exist/);
  });
});
