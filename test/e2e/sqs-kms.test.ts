/**
 * SQS server-side encryption against a real `mailroom serve` process with @aws-sdk/client-sqs and -kms: queues are
 * SSE-SQS by default, KmsMasterKeyId picks a customer key (which must exist), and a disabled key stops sends and
 * receives with SQS's KmsDisabled (query code KMS.DisabledException) while the server stays up and the messages
 * stay intact for when the key is enabled again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { callJson } from '../helpers/aws-json.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'us-east-1';

describe('SQS encryption with KMS keys', () => {
  let server: ServerProcess;
  let sqs: SQSClient;
  let kms: KMSClient;

  before(async () => {
    server = await startServerProcess();
    const config = { endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } };
    sqs = new SQSClient(config);
    kms = new KMSClient(config);
  });
  after(async () => {
    sqs.destroy();
    kms.destroy();
    await server.stop();
    removeDir(server.dataDir);
  });

  const attributes = async (QueueUrl: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes!;

  async function sdkError(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
    await assert.rejects(promise, (err: Error) => {
      assert.equal(err.name, name, err.message);
      if (message) assert.match(err.message, message);
      return true;
    });
  }

  it('encrypts by default, with a customer key on request, and in plaintext only when told', async () => {
    const byDefault = (await sqs.send(new CreateQueueCommand({ QueueName: 'sse-default' }))).QueueUrl!;
    assert.equal((await attributes(byDefault)).SqsManagedSseEnabled, 'true');
    assert.equal((await attributes(byDefault)).KmsMasterKeyId, undefined);

    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const withKey = (await sqs.send(new CreateQueueCommand({ QueueName: 'sse-kms', Attributes: { KmsMasterKeyId: key, KmsDataKeyReusePeriodSeconds: '60' } }))).QueueUrl!;
    const kmsAttributes = await attributes(withKey);
    assert.equal(kmsAttributes.KmsMasterKeyId, key);
    assert.equal(kmsAttributes.KmsDataKeyReusePeriodSeconds, '60');
    assert.equal(kmsAttributes.SqsManagedSseEnabled, 'false');
    // Removing the key falls back to SSE-SQS, not to plaintext.
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: withKey, Attributes: { KmsMasterKeyId: '' } }));
    const fallback = await attributes(withKey);
    assert.equal(fallback.SqsManagedSseEnabled, 'true');
    assert.equal(fallback.KmsMasterKeyId, undefined);
    assert.equal(fallback.KmsDataKeyReusePeriodSeconds, undefined);

    const plain = (await sqs.send(new CreateQueueCommand({ QueueName: 'sse-off', Attributes: { SqsManagedSseEnabled: 'false' } }))).QueueUrl!;
    assert.equal((await attributes(plain)).SqsManagedSseEnabled, 'false');
    await sqs.send(new SendMessageCommand({ QueueUrl: plain, MessageBody: 'in the clear' }));
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: plain }))).Messages?.[0]?.Body, 'in the clear');
  });

  it('validates the SSE attributes as SQS does', async () => {
    await sdkError(sqs.send(new CreateQueueCommand({ QueueName: 'bad-key', Attributes: { KmsMasterKeyId: 'alias/missing' } })), 'InvalidAttributeValue', /KmsMasterKeyId.*alias\/missing is not found/);
    await sdkError(sqs.send(new CreateQueueCommand({ QueueName: 'bad-reuse', Attributes: { KmsMasterKeyId: 'alias/aws/sqs', KmsDataKeyReusePeriodSeconds: '59' } })), 'InvalidAttributeValue', /KmsDataKeyReusePeriodSeconds/);
    await sdkError(sqs.send(new CreateQueueCommand({ QueueName: 'bad-reuse', Attributes: { KmsMasterKeyId: 'alias/aws/sqs', KmsDataKeyReusePeriodSeconds: '86401' } })), 'InvalidAttributeValue', /KmsDataKeyReusePeriodSeconds/);
    await sdkError(sqs.send(new CreateQueueCommand({ QueueName: 'both', Attributes: { KmsMasterKeyId: 'alias/aws/sqs', SqsManagedSseEnabled: 'true' } })), 'InvalidAttributeValue', /one kind of server-side encryption/);
    await sdkError(sqs.send(new CreateQueueCommand({ QueueName: 'bad-flag', Attributes: { SqsManagedSseEnabled: 'yes' } })), 'InvalidAttributeValue', /SqsManagedSseEnabled/);
  });

  it('stops sends and receives while the key is disabled, then serves the same messages', async () => {
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'guarded', Attributes: { KmsMasterKeyId: key } }))).QueueUrl!;
    for (const n of [1, 2]) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${n}`, MessageAttributes: { n: { DataType: 'Number', StringValue: String(n) } } }));

    await kms.send(new DisableKeyCommand({ KeyId: key }));
    await sdkError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'refused' })), 'KmsDisabled', /is disabled/);
    await sdkError(sqs.send(new ReceiveMessageCommand({ QueueUrl })), 'KmsDisabled');
    // On the wire: the JSON type and the query code older clients read.
    const wire = await callJson(server.url, 'AmazonSQS.ReceiveMessage', { QueueUrl }, { 'content-type': 'application/x-amz-json-1.0' });
    assert.equal(wire.status, 400);
    assert.equal(wire.body.__type, 'com.amazonaws.sqs#KmsDisabled');
    assert.equal(wire.headers.get('x-amzn-query-error'), 'KMS.DisabledException;Sender');
    // The server is up, and nothing was lost or claimed.
    assert.equal((await attributes(QueueUrl)).ApproximateNumberOfMessages, '2');

    await kms.send(new EnableKeyCommand({ KeyId: key }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
    assert.deepEqual(Messages?.map((m) => [m.Body, m.MessageAttributes?.n?.StringValue]).sort(), [['m1', '1'], ['m2', '2']]);
  });

  it('answers KmsInvalidState for a key pending deletion', async () => {
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'doomed', Attributes: { KmsMasterKeyId: key } }))).QueueUrl!;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
    await sdkError(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), 'KmsInvalidState', /pending deletion/);
  });
});
