/**
 * A bus sealed with a customer KMS key, in process on a ManualClock: while the key is disabled PutEvents fails
 * those entries alone with KMS's DisabledException, and events already stored are not lost — their deliveries wait
 * (pending, with the reason as their last error) and go out once the key is enabled again. A dead-letter queue
 * whose key is disabled does not lose the dead letter either: it is kept in the fallback store.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { KEY_UNUSABLE_RETRY_MS } from '../../src/store/deliveries.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

describe('a disabled KMS key on the event path', () => {
  let dir: string;
  let clock: ManualClock;
  let mailroom: Mailroom;
  let key: string;

  beforeEach(async () => {
    dir = tempDataDir('mailroom-disabled-');
    clock = new ManualClock();
    mailroom = await createMailroom({ dataDir: dir, clock, deliver: false });
    key = ((await mailroom.kms.keys.create({}, mailroom.context())) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
  });
  afterEach(async () => {
    await mailroom.close();
    removeDir(dir);
  });

  async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await done())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
      await nextTurn();
    }
  }

  async function queue(name: string, attributes: Record<string, string> = {}) {
    const { QueueUrl } = await mailroom.sqs.queues.create({ QueueName: name, Attributes: attributes }, mailroom.context());
    const arn = (await mailroom.sqs.queues.getAttributes({ QueueUrl, AttributeNames: ['QueueArn'] })).Attributes!.QueueArn!;
    const receive = async () => (await mailroom.sqs.receiver.receive({ QueueUrl, MaxNumberOfMessages: 10 })).Messages ?? [];
    return { arn, receive };
  }

  async function put(bus: string, n: number) {
    return (await mailroom.eventBridge.events.put({ Entries: [{ Source: 'shop', DetailType: 'order', Detail: JSON.stringify({ n }), EventBusName: bus }] }, mailroom.context())) as {
      FailedEntryCount: number;
      Entries: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[];
    };
  }

  it('fails new events on the bus, and delivers the stored ones once the key is enabled again', async () => {
    const ctx = mailroom.context();
    await mailroom.eventBridge.buses.create({ Name: 'orders', KmsKeyIdentifier: key }, ctx);
    const out = await queue('out');
    await mailroom.eventBridge.rules.put({ Name: 'all', EventBusName: 'orders', EventPattern: JSON.stringify({ source: ['shop'] }) }, ctx);
    await mailroom.eventBridge.targets.put({ Rule: 'all', EventBusName: 'orders', Targets: [{ Id: 'q', Arn: out.arn }] });
    const stored = await put('orders', 1);
    assert.equal(stored.FailedEntryCount, 0);

    await mailroom.kms.keys.disable({ KeyId: key });
    const refused = await put('orders', 2);
    assert.equal(refused.FailedEntryCount, 1);
    assert.equal(refused.Entries[0]?.ErrorCode, 'DisabledException');
    assert.match(refused.Entries[0]!.ErrorMessage!, /Event bus orders cannot store events: .* is disabled/);
    assert.equal((await put('default', 3)).FailedEntryCount, 0, 'other buses are unaffected');

    mailroom.delivery.start();
    const eventId = stored.Entries[0]!.EventId!;
    await until(async () => (await mailroom.store.listDeliveries({ eventId, limit: 1 }))[0]?.lastError !== undefined, 'the delivery to be put off');
    const [waiting] = await mailroom.store.listDeliveries({ eventId, limit: 1 });
    assert.equal(waiting?.status, 'pending');
    assert.match(waiting!.lastError!, /The event cannot be opened: .* is disabled/);
    assert.equal(waiting?.dueAt, clock.now() + KEY_UNUSABLE_RETRY_MS);
    assert.deepEqual(await out.receive(), []);

    await mailroom.kms.keys.enable({ KeyId: key });
    clock.advance(KEY_UNUSABLE_RETRY_MS);
    await until(async () => (await mailroom.store.listDeliveries({ eventId, limit: 1 }))[0]?.status === 'done', 'the delivery');
    const delivered = await out.receive();
    assert.equal(JSON.parse(delivered[0]!.Body).detail.n, 1);
  });

  it('keeps a dead letter whose queue\'s key is disabled in the fallback store', async () => {
    const sink = await startSinkRefusing();
    try {
      const ctx = mailroom.context();
      const dlq = await queue('dlq', { KmsMasterKeyId: key });
      const connection = (await mailroom.eventBridge.connections.create({ Name: 'c', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'k', ApiKeyValue: 'v' } } }, ctx)) as { ConnectionArn: string };
      const destination = (await mailroom.eventBridge.apiDestinations.create({ Name: 'd', ConnectionArn: connection.ConnectionArn, InvocationEndpoint: `${sink.url}/x`, HttpMethod: 'POST' }, ctx)) as { ApiDestinationArn: string };
      await mailroom.eventBridge.rules.put({ Name: 'all', EventPattern: JSON.stringify({ source: ['shop'] }) }, ctx);
      await mailroom.eventBridge.targets.put({ Rule: 'all', Targets: [{ Id: 'api', Arn: destination.ApiDestinationArn, DeadLetterConfig: { Arn: dlq.arn } }] });
      await mailroom.kms.keys.disable({ KeyId: key });
      const eventId = (await put('default', 4)).Entries[0]!.EventId!;
      mailroom.delivery.start();
      await until(async () => (await mailroom.store.listDeliveries({ eventId, limit: 1 }))[0]?.status === 'dead', 'the dead letter');
      const [fallback] = await mailroom.store.listFallbackDeadLetters(10);
      assert.match(fallback!.reason, /cannot take the message: its KMS key cannot be used .* is disabled/);
      assert.equal(JSON.parse(fallback!.body).id, eventId);
      assert.equal(fallback!.attributes.ERROR_CODE, 'ERROR_FROM_TARGET');
    } finally {
      await sink.close();
    }
  });
});

/** An API that refuses every event (400: not retried, so it goes straight to the dead-letter queue). */
function startSinkRefusing(): Promise<HttpSink> {
  return startSink((_req, res) => {
    res.statusCode = 400;
    res.end('no');
  });
}
