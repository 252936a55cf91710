/**
 * SQS timing end to end under `--time-scale 100` (30 simulated seconds pass in 0.3 s): visibility expiry and
 * redelivery with ApproximateReceiveCount, maxReceiveCount → dead-letter queue, retention expiry, delays. Waits
 * are long polls, which answer as soon as the simulated time is reached: no sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateQueueCommand, GetQueueAttributesCommand, ListDeadLetterSourceQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const SCALE = 100;

describe('SQS timing under --time-scale', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let client: SQSClient;

  before(async () => {
    server = await startServerProcess({ timeScale: SCALE });
    client = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  });
  after(async () => {
    client.destroy();
    await server.stop();
    removeDir(server.dataDir);
  });

  const create = async (name: string, attributes: Record<string, string> = {}) =>
    (await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  /** A long poll (20 simulated seconds = 0.2 s real) that asks for the receive count. */
  const poll = async (QueueUrl: string) =>
    (await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['All'] }))).Messages ?? [];

  it('redelivers a message after its 30 s visibility timeout with a higher ApproximateReceiveCount', async () => {
    const QueueUrl = await create('t-visibility');
    const { MessageId } = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'job' }));
    const [first] = await poll(QueueUrl);
    assert.equal(first!.Attributes!.ApproximateReceiveCount, '1');
    const sentAt = Number(first!.Attributes!.SentTimestamp);
    // Invisible now: a poll of 20 simulated seconds comes back empty, the next one gets it once 30 s have passed.
    let again = await poll(QueueUrl);
    if (again.length === 0) again = await poll(QueueUrl);
    assert.equal(again[0]!.MessageId, MessageId);
    assert.equal(again[0]!.Attributes!.ApproximateReceiveCount, '2');
    assert.equal(again[0]!.Attributes!.ApproximateFirstReceiveTimestamp, first!.Attributes!.ApproximateFirstReceiveTimestamp);
    assert.ok(Number(again[0]!.Attributes!.ApproximateFirstReceiveTimestamp) >= sentAt);
  });

  it('moves a message received more than maxReceiveCount times to the dead-letter queue', async () => {
    const dlqUrl = await create('t-dlq');
    const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:t-dlq';
    const QueueUrl = await create('t-source', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
    const { MessageId } = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    const counts: string[] = [];
    for (let polls = 0; polls < 10 && counts.length < 2; polls++) for (const m of await poll(QueueUrl)) counts.push(m.Attributes!.ApproximateReceiveCount!);
    assert.deepEqual(counts, ['1', '2']);
    // The next receive would be the third: the message goes to the DLQ instead.
    assert.deepEqual(await poll(QueueUrl), []);
    const [dead] = await poll(dlqUrl);
    assert.equal(dead!.MessageId, MessageId);
    assert.equal(dead!.Attributes!.DeadLetterQueueSourceArn, 'arn:aws:sqs:us-east-1:000000000000:t-source');
    assert.deepEqual((await client.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls, [QueueUrl]);
  });

  it('drops messages past their retention period', async () => {
    const QueueUrl = await create('t-retention', { MessageRetentionPeriod: '60' });
    const tick = await create('t-tick');
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'short-lived' }));
    assert.equal((await poll(QueueUrl)).length, 1);
    // Until the queue counts no message (each empty poll of the tick queue lets 20 simulated seconds pass).
    const total = async () => {
      const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
      return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
    };
    for (let ticks = 0; ticks < 20 && (await total()) > 0; ticks++) await poll(tick);
    assert.equal(await total(), 0);
    assert.deepEqual(await poll(QueueUrl), [], 'an expired message is never returned');
  });

  it('holds a delayed message back for its DelaySeconds', async () => {
    const QueueUrl = await create('t-delay');
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 30 }));
    const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    assert.equal(attrs.Attributes!.ApproximateNumberOfMessagesDelayed, '1');
    let got = await poll(QueueUrl);
    if (got.length === 0) got = await poll(QueueUrl);
    assert.equal(got[0]!.Body, 'later');
    assert.ok(Number(got[0]!.Attributes!.ApproximateFirstReceiveTimestamp) - Number(got[0]!.Attributes!.SentTimestamp) >= 30_000);
  });
});
