/**
 * The keyring and sealing part of the store contract (called by contract.ts), so every backend keeps KMS keys the
 * same way and seals at the same boundary: records sealed under the key they name, a disabled key refusing what it
 * seals without losing anything, rotation keeping old records readable. Seen through the Store interface only, never
 * by SQL: the at-rest test (test/e2e/at-rest.test.ts) looks at the bytes on disk.
 */
import assert from 'node:assert/strict';
import { KeyError } from '../../src/keys/errors.js';
import { KEY_UNUSABLE_RETRY_MS } from '../../src/store/deliveries.js';
import type { KmsKeyRecord } from '../../src/store/keys.js';
import type { IngestEntry, Store } from '../../src/store/store.js';
import { message, queueRecord } from './queue-contract.js';

const T0 = Date.UTC(2026, 0, 1);

/** An event on the default bus with one delivery. */
function entry(id: string): IngestEntry {
  const delivery = { ruleName: 'r', ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', targetId: 't', targetArn: 'arn:aws:sqs:us-east-1:000000000000:t', dueAt: T0 };
  return { event: { id, bus: 'default', receivedAt: T0, payload: JSON.stringify({ id, detail: { note: 'grüße 🎉' } }) }, deliveries: [delivery] };
}

type Test = (title: string, fn: () => Promise<void>) => void;

const isKeyError = (reason: string) => (err: unknown) => err instanceof KeyError && err.reason === reason;

export function keysContract(test: Test, store: () => Store): void {
  const newKey = async () => (await store().keyring.createKey({ description: 'contract' })).id;

  test('a new store has a root key check and the AWS managed keys', async () => {
    assert.ok(await store().getRootKeyCheck());
    const aliases = store().keyring.aliases().map((a) => a.name);
    assert.deepEqual(aliases, ['alias/aws/events', 'alias/aws/sns', 'alias/aws/sqs']);
    for (const alias of aliases) assert.equal(store().keyring.resolve(alias).manager, 'AWS');
    // The first check value stays.
    const check = await store().getRootKeyCheck();
    assert.equal(await store().putRootKeyCheck(Buffer.from('another'), T0), false);
    assert.deepEqual(await store().getRootKeyCheck(), check);
  });

  test('keys, material versions and aliases round-trip through the KeyStore methods', async () => {
    const key: KmsKeyRecord = { id: 'k-1', arn: 'arn:aws:kms:us-east-1:000000000000:key/k-1', description: 'd', state: 'Enabled', manager: 'CUSTOMER', createdAt: T0 };
    await store().createKmsKey(key, { keyId: 'k-1', version: 1, sealed: Buffer.from([1, 2, 3]), createdAt: T0 }, { name: 'alias/one', keyId: 'k-1', createdAt: T0, lastUpdatedAt: T0 });
    const updated: KmsKeyRecord = { ...key, state: 'PendingDeletion', deletionDate: T0 + 7, pendingWindowDays: 7 };
    await store().updateKmsKey(updated);
    const rotated: KmsKeyRecord = { ...updated, rotationPeriodDays: 90, nextRotationAt: T0 + 90 };
    await store().addKeyMaterial({ keyId: 'k-1', version: 2, sealed: Buffer.from([4]), createdAt: T0 + 1, rotationType: 'ON_DEMAND' }, rotated);
    assert.equal(await store().createKmsAlias({ name: 'alias/one', keyId: 'k-1', createdAt: T0, lastUpdatedAt: T0 }), false);
    assert.equal(await store().createKmsAlias({ name: 'alias/two', keyId: 'k-1', createdAt: T0, lastUpdatedAt: T0 }), true);
    assert.equal(await store().updateKmsAlias({ name: 'alias/two', keyId: 'k-1', createdAt: T0, lastUpdatedAt: T0 + 5 }), true);
    assert.equal(await store().updateKmsAlias({ name: 'alias/none', keyId: 'k-1', createdAt: T0, lastUpdatedAt: T0 }), false);
    assert.equal(await store().deleteKmsAlias('alias/one'), true);
    assert.equal(await store().deleteKmsAlias('alias/one'), false);

    let contents = await store().loadKeyring();
    assert.deepEqual(contents.keys.find((k) => k.id === 'k-1'), rotated);
    assert.deepEqual(contents.materials.filter((m) => m.keyId === 'k-1'), [
      { keyId: 'k-1', version: 1, sealed: Buffer.from([1, 2, 3]), createdAt: T0 },
      { keyId: 'k-1', version: 2, sealed: Buffer.from([4]), createdAt: T0 + 1, rotationType: 'ON_DEMAND' },
    ]);
    assert.deepEqual(contents.aliases.filter((a) => a.keyId === 'k-1'), [{ name: 'alias/two', keyId: 'k-1', createdAt: T0, lastUpdatedAt: T0 + 5 }]);

    // Deleting a key takes its material and aliases with it.
    await store().deleteKmsKey('k-1');
    contents = await store().loadKeyring();
    assert.equal(contents.keys.some((k) => k.id === 'k-1'), false);
    assert.equal(contents.materials.some((m) => m.keyId === 'k-1'), false);
    assert.equal(contents.aliases.some((a) => a.keyId === 'k-1'), false);
  });

  test('messages round-trip sealed under their key, under alias/aws/sqs by default, or in plaintext', async () => {
    const key = await newKey();
    await store().createQueue(queueRecord('q'), {});
    const attributes = { note: { DataType: 'String', StringValue: 'grüße' }, raw: { DataType: 'Binary', BinaryValue: 'AAEC' } };
    const sent = [
      message('q', 'kms', { keyRef: key, dataKeyReuseSeconds: 60, attributes, md5OfMessageAttributes: 'md5a' }),
      message('q', 'sqs-managed', { attributes }),
      message('q', 'plaintext', { keyRef: null, attributes, md5OfMessageAttributes: 'md5b' }),
    ];
    assert.equal(await store().sendMessages(sent), true);
    const got = await store().receiveMessages({ queue: 'q', now: T0, max: 10, visibilityTimeoutMs: 30_000 });
    assert.deepEqual(
      got.map((m) => [m.messageId, m.body, m.attributes, m.md5OfBody, m.md5OfMessageAttributes]),
      sent.map((m) => [m.messageId, m.body, m.attributes, m.md5OfBody, m.md5OfMessageAttributes]),
    );
  });

  test('a disabled key refuses to seal or open messages, and loses none', async () => {
    const key = await newKey();
    await store().createQueue(queueRecord('q'), {});
    await store().sendMessages([message('q', 'm1', { keyRef: key })]);
    await store().keyring.disable(key);
    await assert.rejects(store().sendMessages([message('q', 'm2', { keyRef: key })]), isKeyError('disabled'));
    await assert.rejects(store().receiveMessages({ queue: 'q', now: T0, max: 10, visibilityTimeoutMs: 30_000 }), isKeyError('disabled'));
    assert.deepEqual(await store().queueCounts('q', T0), { visible: 1, inFlight: 0, delayed: 0 }, 'not claimed by the failed receive');
    await store().keyring.enable(key);
    const [got] = await store().receiveMessages({ queue: 'q', now: T0, max: 10, visibilityTimeoutMs: 30_000 });
    assert.equal(got?.messageId, 'm1');
    assert.equal(got?.receiveCount, 1);
  });

  test('ingest seals each event under its bus key; a disabled key refuses that caller alone', async () => {
    const key = await newKey();
    await store().ingest([{ ...entry('sealed'), keyRef: key }]);
    await store().keyring.disable(key);
    await assert.rejects(store().ingest([{ ...entry('refused'), keyRef: key }]), isKeyError('disabled'));
    await store().ingest([entry('default-key')]);
    await assert.rejects(store().getEvent('sealed'), isKeyError('disabled'));
    assert.equal(await store().countEvents(), 2);
    await store().keyring.enable(key);
    assert.deepEqual(await store().getEvent('sealed'), entry('sealed').event);
    assert.deepEqual(await store().getEvent('default-key'), entry('default-key').event);
  });

  test('records sealed before a rotation still open after it', async () => {
    const key = await newKey();
    await store().createQueue(queueRecord('q'), {});
    await store().sendMessages([message('q', 'before', { keyRef: key })]);
    await store().ingest([{ ...entry('before'), keyRef: key }]);
    await store().keyring.rotateNow(key);
    await store().sendMessages([message('q', 'after', { keyRef: key })]);
    const got = await store().receiveMessages({ queue: 'q', now: T0, max: 10, visibilityTimeoutMs: 30_000 });
    assert.deepEqual(got.map((m) => m.body), [message('q', 'before').body, message('q', 'after').body]);
    assert.deepEqual(await store().getEvent('before'), entry('before').event);
  });

  test('claimDue puts off a delivery whose event cannot be opened, and claims it once the key is enabled', async () => {
    const key = await newKey();
    await store().ingest([{ ...entry('e1'), keyRef: key }]);
    await store().keyring.disable(key);
    const claim = (now: number) => store().claimDue({ now, owner: 'w', leaseUntil: now + 60_000, limit: 10, skipTargets: [] });
    assert.deepEqual(await claim(T0), []);
    const [waiting] = await store().listDeliveries({ eventId: 'e1', limit: 1 });
    assert.equal(waiting?.status, 'pending');
    assert.equal(waiting?.dueAt, T0 + KEY_UNUSABLE_RETRY_MS);
    assert.match(waiting!.lastError!, /is disabled/);
    await store().keyring.enable(key);
    const [claimed] = await claim(T0 + KEY_UNUSABLE_RETRY_MS);
    assert.equal(claimed?.event, entry('e1').event.payload);
  });
}
