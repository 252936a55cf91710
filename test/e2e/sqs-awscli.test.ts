/**
 * SQS through Debian's awscli 2.9 (`/usr/bin/aws`), whose SQS model is the query protocol: form-encoded
 * `Action=...` requests, XML answers. The CLI talks to a real server process (`--time-scale 4`) through a
 * capturing proxy, which proves every request really was a form post answered in XML and tells the long-poll
 * test when the poll has reached the server. Errors are asserted as the CLI reports them: "An error occurred
 * (<query code>)". awscli 2 does not check SQS's MD5 digests itself, so the test does.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { md5OfMessageAttributes } from '../../src/queues/index.js';
import { awsCli, awsCliSkip, type AwsCli, type Json } from '../helpers/awscli.js';
import { startCapturingProxy, type CapturingProxy } from '../helpers/capturing-proxy.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const skip = awsCliSkip("SQS's query protocol");
/**
 * Simulated seconds per real second: a 20-second long poll lasts 5 s. Messages a scenario holds while it makes
 * further CLI calls are received with the longest visibility timeout, 12 simulated hours, so that however slow
 * the CLI starts on a busy machine, they stay in flight.
 */
const SCALE = 4;
const HOLD = ['--visibility-timeout', '43200'];

describe('SQS over the query protocol with awscli 2.9', { skip, timeout: 600_000 }, () => {
  let server: ServerProcess;
  let proxy: CapturingProxy;
  let cli: AwsCli;

  before(async () => {
    server = await startServerProcess({ timeScale: SCALE });
    proxy = await startCapturingProxy(server.url);
    cli = awsCli('sqs', proxy.url);
  });
  after(async () => {
    await proxy?.close();
    await server?.stop();
    if (server) removeDir(server.dataDir);
    cli?.close();
  });

  const aws = (...args: string[]): Promise<Json> => cli.ok(...args);
  const awsFails = (code: string, ...args: string[]): Promise<string> => cli.fails(code, ...args);
  const create = async (name: string, attributes?: Record<string, string>): Promise<string> =>
    (await aws('create-queue', '--queue-name', name, ...(attributes ? ['--attributes', JSON.stringify(attributes)] : []))).QueueUrl as string;
  const arnOf = async (url: string): Promise<string> => (await aws('get-queue-attributes', '--queue-url', url, '--attribute-names', 'QueueArn')).Attributes.QueueArn as string;
  const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

  // Each scenario has its own queues, so they run side by side: every CLI call costs a Python start-up.
  describe('scenarios', { concurrency: true }, () => {
    it('creates, finds, lists, configures, tags, purges and deletes queues', async () => {
      const url = (await aws('create-queue', '--queue-name', 'cli-orders', '--attributes', 'VisibilityTimeout=45,DelaySeconds=1', '--tags', 'team=shop,env=e2e')).QueueUrl;
      assert.equal(url, `${proxy.url}/000000000000/cli-orders`);
      // Same attributes: the same queue; different ones: QueueAlreadyExists.
      assert.equal((await aws('create-queue', '--queue-name', 'cli-orders', '--attributes', 'VisibilityTimeout=45,DelaySeconds=1')).QueueUrl, url);
      await awsFails('QueueAlreadyExists', 'create-queue', '--queue-name', 'cli-orders', '--attributes', 'VisibilityTimeout=46');
      assert.equal((await aws('get-queue-url', '--queue-name', 'cli-orders')).QueueUrl, url);
      await create('cli-other');
      assert.deepEqual((await aws('list-queues', '--queue-name-prefix', 'cli-o')).QueueUrls, [url, `${proxy.url}/000000000000/cli-other`]);

      const all = (await aws('get-queue-attributes', '--queue-url', url, '--attribute-names', 'All')).Attributes;
      assert.equal(all.VisibilityTimeout, '45');
      assert.equal(all.DelaySeconds, '1');
      assert.equal(all.QueueArn, 'arn:aws:sqs:us-east-1:000000000000:cli-orders');
      assert.equal(all.ApproximateNumberOfMessages, '0');
      await aws('set-queue-attributes', '--queue-url', url, '--attributes', 'VisibilityTimeout=60,DelaySeconds=0');
      assert.deepEqual((await aws('get-queue-attributes', '--queue-url', url, '--attribute-names', 'VisibilityTimeout', 'DelaySeconds')).Attributes, { VisibilityTimeout: '60', DelaySeconds: '0' });

      assert.deepEqual((await aws('list-queue-tags', '--queue-url', url)).Tags, { team: 'shop', env: 'e2e' });
      await aws('tag-queue', '--queue-url', url, '--tags', 'owner=ops');
      await aws('untag-queue', '--queue-url', url, '--tag-keys', 'env', 'team');
      assert.deepEqual((await aws('list-queue-tags', '--queue-url', url)).Tags, { owner: 'ops' });

      await aws('send-message', '--queue-url', url, '--message-body', 'to be purged');
      await aws('purge-queue', '--queue-url', url);
      assert.deepEqual(await aws('receive-message', '--queue-url', url), {});

      await aws('delete-queue', '--queue-url', url);
      await awsFails('AWS.SimpleQueueService.NonExistentQueue', 'get-queue-url', '--queue-name', 'cli-orders');
      await awsFails('AWS.SimpleQueueService.NonExistentQueue', 'receive-message', '--queue-url', url);
    });

    it('sends with message attributes and batches, and receives them with matching digests', async () => {
      const url = await create('cli-messages');
      const attributes = {
        color: { DataType: 'String', StringValue: 'red' },
        size: { DataType: 'Number', StringValue: '3.14' },
        raw: { DataType: 'Binary', BinaryValue: 'AAEC/+8=' },
      };
      const body = 'line one\r\nline <two> & "three"';
      const sent = await aws('send-message', '--queue-url', url, '--message-body', body, '--message-attributes', JSON.stringify(attributes));
      assert.equal(sent.MD5OfMessageBody, md5(body));
      assert.equal(sent.MD5OfMessageAttributes, md5OfMessageAttributes(attributes));

      const received = await aws('receive-message', '--queue-url', url, '--attribute-names', 'All', '--message-attribute-names', 'All', ...HOLD);
      const [message] = received.Messages;
      assert.equal(message.MessageId, sent.MessageId);
      assert.equal(message.Body, body);
      assert.equal(message.MD5OfBody, md5(body));
      assert.deepEqual(message.MessageAttributes, attributes);
      assert.equal(message.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
      assert.equal(message.Attributes.ApproximateReceiveCount, '1');
      assert.equal(message.Attributes.SenderId, 'AKIDAWSCLI');
      // Only the attributes asked for, and the digest of those.
      const some = await aws('send-message', '--queue-url', url, '--message-body', 'filtered', '--message-attributes', JSON.stringify(attributes));
      const [filtered] = (await aws('receive-message', '--queue-url', url, '--message-attribute-names', 'color', ...HOLD)).Messages;
      assert.equal(filtered.MessageId, some.MessageId);
      assert.deepEqual(filtered.MessageAttributes, { color: attributes.color });
      assert.equal(filtered.MD5OfMessageAttributes, md5OfMessageAttributes({ color: attributes.color }));
      assert.equal(filtered.Attributes, undefined);

      const entries = [
        { Id: 'a', MessageBody: 'first' },
        { Id: 'b', MessageBody: 'second', MessageAttributes: { kind: { DataType: 'String', StringValue: 'batch' } } },
        { Id: 'c', MessageBody: 'too late', DelaySeconds: 901 },
      ];
      const batch = await aws('send-message-batch', '--queue-url', url, '--entries', JSON.stringify(entries));
      assert.deepEqual(batch.Successful.map((e: Json) => e.Id), ['a', 'b']);
      assert.equal(batch.Successful[1].MD5OfMessageAttributes, md5OfMessageAttributes(entries[1]!.MessageAttributes!));
      assert.equal(batch.Failed.length, 1);
      assert.deepEqual([batch.Failed[0].Id, batch.Failed[0].Code, batch.Failed[0].SenderFault], ['c', 'InvalidParameterValue', true]);
      await awsFails('AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 'send-message-batch', '--queue-url', url, '--entries', JSON.stringify([entries[0], entries[0]]));

      const both = (await aws('receive-message', '--queue-url', url, '--max-number-of-messages', '10', ...HOLD)).Messages as Json[];
      assert.deepEqual(both.map((m) => m.Body).sort(), ['first', 'second']);
      const handles = both.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle }));
      const deleted = await aws('delete-message-batch', '--queue-url', url, '--entries', JSON.stringify([...handles, { Id: 'bad', ReceiptHandle: 'not-a-handle' }]));
      assert.deepEqual(deleted.Successful.map((e: Json) => e.Id).sort(), ['d0', 'd1']);
      assert.deepEqual([deleted.Failed[0].Id, deleted.Failed[0].Code], ['bad', 'ReceiptHandleIsInvalid']);
      await aws('delete-message', '--queue-url', url, '--receipt-handle', message.ReceiptHandle);
      await aws('delete-message', '--queue-url', url, '--receipt-handle', filtered.ReceiptHandle);
      const counts = (await aws('get-queue-attributes', '--queue-url', url, '--attribute-names', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible')).Attributes;
      assert.deepEqual(counts, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    });

    it('answers a 20-second long poll as soon as a message is sent', async () => {
      const url = await create('cli-long-poll');
      const parked = proxy.nextForwarded((r) => r.body.includes('Action=ReceiveMessage') && r.body.includes('cli-long-poll'));
      const polling = aws('receive-message', '--queue-url', url, '--wait-time-seconds', '20', '--attribute-names', 'All');
      await parked;
      // The send goes straight to the server as a form post to the queue URL (QueueUrl implied by the path), so
      // it lands well inside the 5-second poll whatever the CLI's start-up time.
      const response = await fetch(`${proxy.url}/000000000000/cli-long-poll`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ Action: 'SendMessage', Version: '2012-11-05', MessageBody: 'wake up' }),
      });
      assert.equal(response.status, 200, await response.text());
      const [message] = (await polling).Messages;
      assert.equal(message.Body, 'wake up');
      // Woken by the send, not by the end of the wait: received within moments (simulated) of being sent.
      const latency = Number(message.Attributes.ApproximateFirstReceiveTimestamp) - Number(message.Attributes.SentTimestamp);
      assert.ok(latency < 10_000, `received ${latency} simulated ms after the send`);
    });

    it('redelivers after the visibility timeout, changes visibility, and refuses stale receipt handles', async () => {
      const url = await create('cli-visibility', { VisibilityTimeout: '2' });
      const { MessageId } = await aws('send-message', '--queue-url', url, '--message-body', 'job');
      const receive = async (...args: string[]) => ((await aws('receive-message', '--queue-url', url, '--attribute-names', 'ApproximateReceiveCount', ...args)).Messages ?? []) as Json[];
      const [first] = await receive();
      assert.deepEqual([first!.MessageId, first!.Attributes.ApproximateReceiveCount], [MessageId, '1']);
      // Not deleted: visible again 2 simulated seconds later, one receive more. From here on each receive holds
      // the message, so the visibility changes below act on a message in flight.
      const [second] = await receive('--wait-time-seconds', '20', ...HOLD);
      assert.deepEqual([second!.MessageId, second!.Attributes.ApproximateReceiveCount], [MessageId, '2']);
      await awsFails('ReceiptHandleIsInvalid', 'delete-message', '--queue-url', url, '--receipt-handle', first!.ReceiptHandle);

      await aws('change-message-visibility', '--queue-url', url, '--receipt-handle', second!.ReceiptHandle, '--visibility-timeout', '0');
      const [third] = await receive(...HOLD);
      assert.equal(third!.Attributes.ApproximateReceiveCount, '3');
      await aws('change-message-visibility', '--queue-url', url, '--receipt-handle', third!.ReceiptHandle, '--visibility-timeout', '43200');
      assert.deepEqual(await receive(), []);
      await awsFails('InvalidParameterValue', 'change-message-visibility', '--queue-url', url, '--receipt-handle', third!.ReceiptHandle, '--visibility-timeout', '43201');
      const changed = await aws('change-message-visibility-batch', '--queue-url', url, '--entries', JSON.stringify([{ Id: 'x', ReceiptHandle: third!.ReceiptHandle, VisibilityTimeout: 0 }]));
      assert.deepEqual(changed.Successful, [{ Id: 'x' }]);
      const [fourth] = await receive(...HOLD);
      assert.equal(fourth!.Attributes.ApproximateReceiveCount, '4');
      await aws('delete-message', '--queue-url', url, '--receipt-handle', fourth!.ReceiptHandle);
      assert.deepEqual(await receive(), []);
    });

    it('moves a message to its dead-letter queue after maxReceiveCount receives', async () => {
      const dlq = await create('cli-dlq');
      const dlqArn = await arnOf(dlq);
      const source = await create('cli-source', { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }) });
      const { MessageId } = await aws('send-message', '--queue-url', source, '--message-body', 'poison');
      const poll = async (url: string) => ((await aws('receive-message', '--queue-url', url, '--wait-time-seconds', '20', '--attribute-names', 'All')).Messages ?? []) as Json[];
      const counts: string[] = [];
      for (let polls = 0; polls < 10 && counts.length < 2; polls++) for (const m of await poll(source)) counts.push(m.Attributes.ApproximateReceiveCount);
      assert.deepEqual(counts, ['1', '2']);
      // The third receive would exceed maxReceiveCount: the message moves instead.
      assert.deepEqual(await poll(source), []);
      const [dead] = await poll(dlq);
      assert.equal(dead!.MessageId, MessageId);
      assert.equal(dead!.Body, 'poison');
      assert.deepEqual((await aws('list-dead-letter-source-queues', '--queue-url', dlq)).queueUrls, [source]);
      const policy = JSON.parse((await aws('get-queue-attributes', '--queue-url', source, '--attribute-names', 'RedrivePolicy')).Attributes.RedrivePolicy as string);
      assert.deepEqual(policy, { deadLetterTargetArn: dlqArn, maxReceiveCount: 2 });
    });

    it('reports bad input with SQS query error codes', async () => {
      const url = await create('cli-bad', { MaximumMessageSize: '1024' });
      const tooBig = await awsFails('InvalidParameterValue', 'send-message', '--queue-url', url, '--message-body', 'x'.repeat(1025));
      assert.match(tooBig, /Message must be shorter than 1024 bytes/);
      await aws('send-message', '--queue-url', url, '--message-body', 'x'.repeat(1024));
      assert.match(await awsFails('InvalidAttributeName', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'NoSuchAttribute'), /NoSuchAttribute/);
      await awsFails('InvalidAttributeName', 'set-queue-attributes', '--queue-url', url, '--attributes', 'Colour=blue');
      await awsFails('InvalidAttributeValue', 'set-queue-attributes', '--queue-url', url, '--attributes', 'VisibilityTimeout=43201');
      assert.match(await awsFails('InvalidParameterValue', 'receive-message', '--queue-url', url, '--visibility-timeout', '50000'), /VisibilityTimeout/);
      await awsFails('InvalidParameterValue', 'create-queue', '--queue-name', 'bad.fifo');
      await aws('delete-queue', '--queue-url', url);
      await awsFails('AWS.SimpleQueueService.NonExistentQueue', 'receive-message', '--queue-url', url);
    });

  });

  it('spoke only the query protocol: form posts with Action, answered in XML', () => {
    assert.ok(proxy.requests.length > 40, `only ${proxy.requests.length} requests`);
    for (const r of proxy.requests) {
      assert.equal(r.method, 'POST');
      assert.match(r.contentType ?? '', /^application\/x-www-form-urlencoded/);
      assert.match(r.body, /(^|&)Action=\w+/);
      assert.match(r.responseType ?? '', /^text\/xml/, `${r.body} was answered with ${r.responseType}`);
    }
    const actions = new Set(proxy.requests.map((r) => new URLSearchParams(r.body).get('Action')));
    for (const action of ['CreateQueue', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessageBatch', 'ChangeMessageVisibilityBatch', 'ListDeadLetterSourceQueues', 'TagQueue', 'UntagQueue', 'PurgeQueue']) {
      assert.ok(actions.has(action), `no ${action} request was seen`);
    }
  });
});
