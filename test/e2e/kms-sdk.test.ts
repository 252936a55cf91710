/**
 * KMS end to end with @aws-sdk/client-kms v3 against a real `mailroom serve` process: keys and aliases addressed
 * every way KMS allows, Encrypt/Decrypt with an encryption context, data keys, rotation (old ciphertext still
 * decrypts), disable/enable, scheduled deletion and its cancellation, the AWS managed keys, and bad input — each
 * error as the exception class the SDK raises against AWS, with a message naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { callJson } from '../helpers/aws-json.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'eu-west-1';
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes!).toString('utf8');

describe('KMS over @aws-sdk/client-kms', () => {
  let server: ServerProcess;
  let kms: KMSClient;
  let keyId: string;

  before(async () => {
    server = await startServerProcess();
    kms = new KMSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
    const created = await kms.send(new CreateKeyCommand({ Description: 'orders', Tags: [{ TagKey: 'team', TagValue: 'shop' }] }));
    keyId = created.KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: keyId }));
  });
  after(async () => {
    kms.destroy();
    await server.stop();
    removeDir(server.dataDir);
  });

  async function sdkError(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
    await assert.rejects(promise, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, name, err.message);
      assert.equal(err.$metadata?.httpStatusCode, 400);
      if (message) assert.match(err.message, message);
      return true;
    });
  }

  it('creates a symmetric key and finds it by id, ARN, alias and alias ARN', async () => {
    const arn = `arn:aws:kms:${REGION}:000000000000:key/${keyId}`;
    for (const ref of [keyId, arn, 'alias/orders', `arn:aws:kms:${REGION}:000000000000:alias/orders`]) {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: ref }));
      assert.equal(KeyMetadata?.KeyId, keyId, ref);
      assert.equal(KeyMetadata?.Arn, arn);
      assert.equal(KeyMetadata?.KeyState, 'Enabled');
      assert.equal(KeyMetadata?.Enabled, true);
      assert.equal(KeyMetadata?.KeyManager, 'CUSTOMER');
      assert.equal(KeyMetadata?.KeySpec, 'SYMMETRIC_DEFAULT');
      assert.equal(KeyMetadata?.KeyUsage, 'ENCRYPT_DECRYPT');
      assert.equal(KeyMetadata?.Description, 'orders');
      assert.ok(KeyMetadata?.CreationDate instanceof Date);
    }
    assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags, [{ TagKey: 'team', TagValue: 'shop' }]);
  });

  it('lists keys and aliases, AWS managed ones included, page by page', async () => {
    const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasName);
    for (const name of ['alias/aws/events', 'alias/aws/sns', 'alias/aws/sqs', 'alias/orders']) assert.ok(aliases.includes(name), name);
    const mine = await kms.send(new ListAliasesCommand({ KeyId: 'alias/orders' }));
    assert.deepEqual(mine.Aliases?.map((a) => [a.AliasName, a.TargetKeyId, a.AliasArn]), [['alias/orders', keyId, `arn:aws:kms:${REGION}:000000000000:alias/orders`]]);
    const managed = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/sqs' }));
    assert.equal(managed.KeyMetadata?.KeyManager, 'AWS');

    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
      assert.ok(page.Keys!.length <= 2);
      seen.push(...page.Keys!.map((k) => k.KeyId!));
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    assert.equal(seen.length, 4, 'three AWS managed keys and ours');
    assert.ok(seen.includes(keyId));
  });

  it('encrypts and decrypts with an encryption context, and re-encrypts', async () => {
    const context = { order: 'o-1', tenant: 'acme' };
    const { CiphertextBlob, KeyId } = await kms.send(new EncryptCommand({ KeyId: 'alias/orders', Plaintext: Buffer.from('hello, world'), EncryptionContext: context }));
    assert.equal(KeyId, `arn:aws:kms:${REGION}:000000000000:key/${keyId}`);
    assert.ok(!Buffer.from(CiphertextBlob!).includes(Buffer.from('hello, world')));
    // The context's order does not matter; its contents do.
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { tenant: 'acme', order: 'o-1' } }));
    assert.equal(text(opened.Plaintext), 'hello, world');
    assert.equal(opened.KeyId, KeyId);
    await sdkError(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { order: 'o-2', tenant: 'acme' } })), 'InvalidCiphertextException');
    await sdkError(kms.send(new DecryptCommand({ CiphertextBlob })), 'InvalidCiphertextException');
    await sdkError(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: 'alias/aws/sqs' })), 'IncorrectKeyException');
    const tampered = Buffer.from(CiphertextBlob!);
    tampered[tampered.length - 1]! ^= 1;
    await sdkError(kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })), 'InvalidCiphertextException');

    const moved = await kms.send(new ReEncryptCommand({ CiphertextBlob, SourceEncryptionContext: context, DestinationKeyId: 'alias/aws/sqs' }));
    const reopened = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }));
    assert.equal(text(reopened.Plaintext), 'hello, world');
    assert.equal(reopened.KeyId, (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/sqs' }))).KeyMetadata?.Arn);
  });

  it('generates data keys, with and without the plaintext', async () => {
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    assert.equal(dataKey.Plaintext?.length, 32);
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    assert.deepEqual(Buffer.from(opened.Plaintext!), Buffer.from(dataKey.Plaintext!));
    const sealedOnly = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: 'alias/orders', NumberOfBytes: 64, EncryptionContext: { purpose: 'test' } }));
    assert.equal('Plaintext' in sealedOnly && sealedOnly.Plaintext !== undefined, false);
    assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: sealedOnly.CiphertextBlob, EncryptionContext: { purpose: 'test' } }))).Plaintext?.length, 64);
  });

  it('rotates: new material seals, old ciphertext still decrypts', async () => {
    const before = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('sealed before rotation') }));
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled, false);
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 90);
    const days = (status.NextRotationDate!.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 89 && days <= 90, `next rotation in ${days} days`);

    await kms.send(new RotateKeyOnDemandCommand({ KeyId: 'alias/orders' }));
    const rotations = await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.deepEqual(rotations.Rotations?.map((r) => r.RotationType), ['ON_DEMAND']);
    const after = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('sealed after rotation') }));
    assert.notDeepEqual(Buffer.from(after.CiphertextBlob!).subarray(0, 44), Buffer.from(before.CiphertextBlob!).subarray(0, 44), 'a new material version');
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext), 'sealed before rotation');
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }))).Plaintext), 'sealed after rotation');
    await kms.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled, false);
  });

  it('refuses a disabled key until it is enabled again', async () => {
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('kept') }));
    await kms.send(new DisableKeyCommand({ KeyId: 'alias/orders' }));
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(described.KeyMetadata?.KeyState, 'Disabled');
    assert.equal(described.KeyMetadata?.Enabled, false);
    await sdkError(kms.send(new DecryptCommand({ CiphertextBlob })), 'DisabledException', /is disabled/);
    await sdkError(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), 'DisabledException');
    await sdkError(kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })), 'DisabledException');
    await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext), 'kept');
  });

  it('schedules a deletion, which makes the key unusable, and cancels it', async () => {
    const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('doomed') }));
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 7);
    const days = (scheduled.DeletionDate!.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `deleted in ${days} days`);
    await sdkError(kms.send(new DecryptCommand({ CiphertextBlob })), 'KMSInvalidStateException', /pending deletion/);
    await sdkError(kms.send(new ScheduleKeyDeletionCommand({ KeyId: key })), 'KMSInvalidStateException');
    await sdkError(kms.send(new CreateAliasCommand({ AliasName: 'alias/doomed', TargetKeyId: key })), 'KMSInvalidStateException');
    await kms.send(new CancelKeyDeletionCommand({ KeyId: key }));
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata?.KeyState, 'Disabled');
    await kms.send(new EnableKeyCommand({ KeyId: key }));
    assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext), 'doomed');
  });

  it('keeps AWS managed keys and their aliases out of reach', async () => {
    await sdkError(kms.send(new DisableKeyCommand({ KeyId: 'alias/aws/sqs' })), 'UnsupportedOperationException', /AWS managed key/);
    await sdkError(kms.send(new ScheduleKeyDeletionCommand({ KeyId: 'alias/aws/events' })), 'UnsupportedOperationException');
    await sdkError(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: keyId })), 'NotAuthorizedException', /reserved/);
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: 'alias/aws/sqs' }))).KeyRotationEnabled, true);
  });

  it('answers bad input with KMS error codes naming the field', async () => {
    await sdkError(kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' })), 'NotFoundException', /does not exist/);
    await sdkError(kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })), 'NotFoundException', /alias\/missing is not found/);
    await sdkError(kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: keyId })), 'AlreadyExistsException');
    await sdkError(kms.send(new CreateAliasCommand({ AliasName: 'orders', TargetKeyId: keyId })), 'ValidationException', /aliasName/);
    await sdkError(kms.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY', KeySpec: 'RSA_2048' })), 'UnsupportedOperationException', /symmetric/);
    await sdkError(kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 3 })), 'ValidationException', /pendingWindowInDays.*greater than or equal to 7/);
    await sdkError(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.alloc(4097) })), 'ValidationException', /plaintext.*4096/);
    await sdkError(kms.send(new GenerateDataKeyCommand({ KeyId: keyId })), 'ValidationException', /KeySpec or NumberOfBytes/);
    await sdkError(kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 2048 })), 'ValidationException', /numberOfBytes/);
    await sdkError(kms.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 30 })), 'ValidationException', /rotationPeriodInDays/);
    await sdkError(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), 'InvalidKeyUsageException');
    await sdkError(kms.send(new ListKeysCommand({ Marker: 'bogus' })), 'InvalidMarkerException');
    // What an SDK would never send: a missing KeyId, a blob that is not base64.
    const missing = await callJson(server.url, 'TrentService.Encrypt', { Plaintext: 'eA==' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.__type, 'ValidationException');
    assert.match(String(missing.body.message), /Value null at 'keyId' failed to satisfy constraint: Member must not be null/);
    const notBase64 = await callJson(server.url, 'TrentService.Decrypt', { CiphertextBlob: '***' });
    assert.equal(notBase64.body.__type, 'SerializationException');
    assert.match(String(notBase64.body.message), /ciphertextBlob/);
  });
});
