/**
 * Nothing customer-shaped reaches the disk in plaintext. A real `mailroom serve` process gets a unique marker in
 * every place customer data can go: queue message bodies and attributes (SSE-SQS by default, and SSE-KMS with a
 * customer key), events on the default bus and on a bus with its own KMS key, a connection's secret, a target's
 * answer kept in the attempt history, and the dead letter the failed delivery leaves. Every file under the data
 * directory — the database, its WAL and -shm, read as raw bytes — must then be free of the marker, both after a
 * kill -9 (the WAL still holds the latest pages) and after a graceful stop (checkpointed into the database).
 *
 * A second marker goes to a queue whose SSE the user turned off, and must be found: it shows the scan sees stored
 * data at all, so the test can fail.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { CreateConnectionCommand, CreateApiDestinationCommand, CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

/** Files under `dir` whose bytes contain `marker`, with their sizes (to show what was scanned). */
function filesHolding(dir: string, marker: string): { holding: string[]; scanned: string[] } {
  const needle = Buffer.from(marker, 'utf8');
  const scanned: string[] = [];
  const holding: string[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    const bytes = readFileSync(path);
    scanned.push(`${name} (${bytes.length} bytes)`);
    if (bytes.includes(needle)) holding.push(name);
  }
  return { holding, scanned };
}

function clients(server: ServerProcess) {
  const config = { endpoint: server.url, region: REGION, credentials };
  return { sqs: new SQSClient(config), events: new EventBridgeClient(config), kms: new KMSClient(config) };
}

it('keeps every payload, message, secret and target answer sealed on disk', { timeout: 180_000 }, async () => {
  const marker = `SECRET-MARKER-${randomUUID()}`;
  const plainMarker = `PLAINTEXT-MARKER-${randomUUID()}`;
  // A target that refuses the event, echoing it: its answer lands in the attempt history, the event in the DLQ.
  const api = await startSink((req, res) => {
    res.statusCode = 400;
    res.end(JSON.stringify({ rejected: req.body }));
  });
  let server: ServerProcess | undefined = await startServerProcess();
  const dataDir = server.dataDir;
  try {
    let { sqs, events, kms } = clients(server);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'orders' }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: KeyMetadata!.KeyId }));

    // Queues: SSE-SQS by default, SSE-KMS with the customer key, and one with SSE explicitly off.
    const byDefault = (await sqs.send(new CreateQueueCommand({ QueueName: 'default-sse' }))).QueueUrl!;
    const withKey = (await sqs.send(new CreateQueueCommand({ QueueName: 'kms-sse', Attributes: { KmsMasterKeyId: 'alias/orders' } }))).QueueUrl!;
    const plain = (await sqs.send(new CreateQueueCommand({ QueueName: 'no-sse', Attributes: { SqsManagedSseEnabled: 'false' } }))).QueueUrl!;
    const eventQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'events' }))).QueueUrl!;
    const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }))).QueueUrl!;
    const arnOf = async (url: string) => (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;

    const attributes = { note: { DataType: 'String', StringValue: marker }, raw: { DataType: 'Binary', BinaryValue: Buffer.from(marker) } };
    await sqs.send(new SendMessageCommand({ QueueUrl: byDefault, MessageBody: `body ${marker}`, MessageAttributes: attributes }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: byDefault, Entries: [{ Id: 'a', MessageBody: marker }, { Id: 'b', MessageBody: 'x', MessageAttributes: attributes }] }));
    await sqs.send(new SendMessageCommand({ QueueUrl: withKey, MessageBody: `kms ${marker}`, MessageAttributes: attributes }));
    await sqs.send(new SendMessageCommand({ QueueUrl: plain, MessageBody: plainMarker }));

    // A connection whose secret is the marker, and an API destination through it.
    const connection = await events.send(new CreateConnectionCommand({ Name: 'secret', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: marker } } }));
    const destination = await events.send(new CreateApiDestinationCommand({ Name: 'refuses', ConnectionArn: connection.ConnectionArn, InvocationEndpoint: `${api.url}/orders`, HttpMethod: 'POST' }));

    // Events: on the default bus (alias/aws/events) to a queue and to the refusing API with a DLQ; on a bus with
    // the customer key to the same queue.
    await events.send(new CreateEventBusCommand({ Name: 'orders', KmsKeyIdentifier: 'alias/orders' }));
    for (const bus of ['default', 'orders']) {
      await events.send(new PutRuleCommand({ Name: 'all', EventBusName: bus, EventPattern: JSON.stringify({ source: ['shop'] }) }));
    }
    const targets = await events.send(new PutTargetsCommand({
      Rule: 'all',
      Targets: [
        { Id: 'queue', Arn: await arnOf(eventQueue) },
        { Id: 'api', Arn: destination.ApiDestinationArn, DeadLetterConfig: { Arn: await arnOf(dlq) } },
      ],
    }));
    assert.equal(targets.FailedEntryCount, 0);
    await events.send(new PutTargetsCommand({ Rule: 'all', EventBusName: 'orders', Targets: [{ Id: 'queue', Arn: await arnOf(eventQueue) }] }));
    for (const bus of ['default', 'orders']) {
      const put = await events.send(new PutEventsCommand({ Entries: [{ Source: 'shop', DetailType: 'order', Detail: JSON.stringify({ secret: marker }), EventBusName: bus }] }));
      assert.equal(put.FailedEntryCount, 0, JSON.stringify(put.Entries));
    }

    // Delivered and dead-lettered, and readable through the API: sealing is invisible to clients.
    const delivered: string[] = [];
    while (delivered.length < 2) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: eventQueue, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }));
      delivered.push(...(Messages ?? []).map((m) => m.Body!));
    }
    assert.ok(delivered.every((body) => body.includes(marker)));
    const { Messages: deadLetters } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 20, MessageAttributeNames: ['All'] }));
    assert.ok(deadLetters?.[0]?.Body?.includes(marker), 'the refused event reached the DLQ');
    assert.ok(api.requests.some((r) => r.body.includes(marker) && r.headers['x-api-key'] === marker), 'the API got the event with the secret');

    // kill -9: the WAL and -shm hold the latest writes.
    await server.kill();
    server = undefined;
    let scan = filesHolding(dataDir, marker);
    assert.ok(scan.scanned.some((f) => f.startsWith('mailroom.db-wal')), `the WAL is scanned: ${scan.scanned.join(', ')}`);
    assert.deepEqual(scan.holding, [], `the marker is on disk in plaintext (scanned ${scan.scanned.join(', ')})`);
    assert.ok(filesHolding(dataDir, plainMarker).holding.length > 0, 'the unencrypted queue\'s message is found: the scan sees stored data');

    // Restarted, everything opens again; a graceful stop checkpoints the WAL into the database, still sealed.
    server = await startServerProcess({ dataDir });
    ({ sqs, events, kms } = clients(server));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: withKey, MessageAttributeNames: ['All'] }));
    assert.equal(Messages?.[0]?.Body, `kms ${marker}`);
    assert.equal(Messages?.[0]?.MessageAttributes?.note?.StringValue, marker);
    assert.equal(Buffer.from(Messages![0]!.MessageAttributes!.raw!.BinaryValue!).toString(), marker);
    await server.stop();
    server = undefined;
    scan = filesHolding(dataDir, marker);
    assert.deepEqual(scan.holding, [], `the marker is on disk in plaintext (scanned ${scan.scanned.join(', ')})`);
    assert.ok(filesHolding(dataDir, plainMarker).holding.length > 0);
    for (const client of [sqs, events, kms]) client.destroy();
  } finally {
    await server?.kill();
    await api.close();
    removeDir(dataDir);
  }
});
