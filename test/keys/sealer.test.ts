/**
 * The sealer and the root key, in process on a real SQLite store: sealed records are self-describing (another
 * sealer, with cold caches, opens them), data keys are reused for their period and replaced after it or on
 * rotation, rotation keeps old records readable, a disabled key stops both sealing and opening (cache or not), and
 * a tampered record or a wrong root key fails clearly.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, beforeEach, afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { KeyError, RootKeyError } from '../../src/keys/errors.js';
import { Sealer } from '../../src/keys/sealer.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/store.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

const dir = tempDataDir('mailroom-keys-');
after(() => removeDir(dir));
let n = 0;

function keyError(reason: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof KeyError, String(err));
    assert.equal(err.reason, reason);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('Sealer', () => {
  let clock: ManualClock;
  let store: Store;
  let sealer: Sealer;
  let keyId: string;

  beforeEach(async () => {
    clock = new ManualClock();
    store = await openStore({ path: join(dir, `s${++n}.db`), clock });
    sealer = new Sealer(store.keyring, clock);
    keyId = (await store.keyring.createKey({ description: 'test' })).id;
  });
  afterEach(() => store.close());

  it('seals into a blob that names its key and opens with cold caches', () => {
    const plaintext = Buffer.from('grüße 🎉 '.repeat(50));
    const sealed = sealer.seal(keyId, plaintext);
    assert.equal(sealed.keyId, keyId);
    assert.ok(!sealed.blob.includes(plaintext.subarray(0, 20)));
    assert.ok(sealed.blob.includes(Buffer.from(keyId)), 'the blob names its KMS key');
    assert.deepEqual(sealer.open(sealed.blob), plaintext);
    assert.deepEqual(new Sealer(store.keyring, clock).open(sealed.blob), plaintext, 'a fresh sealer unseals the data key itself');
    assert.deepEqual(sealer.open(sealer.seal(keyId, Buffer.alloc(0)).blob), Buffer.alloc(0));
  });

  it('reuses a data key for its reuse period, then makes a new one', () => {
    const head = (blob: Buffer) => blob.subarray(0, 102).toString('hex');
    const a = sealer.seal(keyId, Buffer.from('a'), 60).blob;
    clock.advance(59_999);
    const b = sealer.seal(keyId, Buffer.from('b'), 60).blob;
    assert.equal(head(a), head(b), 'same data key within the period');
    assert.notDeepEqual(a.subarray(102), b.subarray(102), 'a fresh IV each time');
    clock.advance(1);
    const c = sealer.seal(keyId, Buffer.from('c'), 60).blob;
    assert.notEqual(head(c), head(b), 'a new data key after the period');
    for (const [blob, text] of [[a, 'a'], [b, 'b'], [c, 'c']] as const) assert.equal(sealer.open(blob).toString(), text);
  });

  it('seals with the newest material after a rotation and still opens the old records', async () => {
    const before = sealer.seal(keyId, Buffer.from('before')).blob;
    await store.keyring.rotateNow(keyId);
    const afterRotation = sealer.seal(keyId, Buffer.from('after')).blob;
    const version = (blob: Buffer) => blob.readUInt32BE(2 + blob[1]!);
    assert.equal(version(before), 1);
    assert.equal(version(afterRotation), 2, 'the data key in use was replaced at once');
    const cold = new Sealer(store.keyring, clock);
    assert.equal(cold.open(before).toString(), 'before');
    assert.equal(cold.open(afterRotation).toString(), 'after');
  });

  it('refuses to seal or open while the key is disabled, cached data key or not', async () => {
    const sealed = sealer.seal(keyId, Buffer.from('kept')).blob;
    sealer.open(sealed);
    await store.keyring.disable(keyId);
    assert.throws(() => sealer.open(sealed), keyError('disabled', /is disabled/));
    assert.throws(() => sealer.seal(keyId, Buffer.from('x')), keyError('disabled'));
    await store.keyring.enable(keyId);
    assert.equal(sealer.open(sealed).toString(), 'kept');
    await store.keyring.scheduleDeletion(keyId, 7);
    assert.throws(() => sealer.open(sealed), keyError('invalid-state', /pending deletion/));
  });

  it('finds keys by id, ARN, alias and alias ARN, and reports unknown ones', async () => {
    await store.keyring.createAlias('alias/app', keyId);
    const arn = store.keyring.resolve(keyId).arn;
    for (const ref of [keyId, arn, 'alias/app', arn.replace(`key/${keyId}`, 'alias/app')]) assert.equal(sealer.seal(ref, Buffer.from('x')).keyId, keyId, ref);
    assert.throws(() => sealer.seal('alias/nope', Buffer.from('x')), keyError('not-found', /alias\/nope is not found/));
    assert.throws(() => sealer.seal('arn:aws:s3:::bucket', Buffer.from('x')), keyError('not-found'));
  });

  it('detects a tampered or foreign record', () => {
    const sealed = sealer.seal(keyId, Buffer.from('integrity')).blob;
    for (const at of [sealed.length - 1, 50, 110]) {
      const tampered = Buffer.from(sealed);
      tampered[at]! ^= 1;
      assert.throws(() => new Sealer(store.keyring, clock).open(tampered), keyError('invalid-ciphertext'), `byte ${at}`);
    }
    assert.throws(() => sealer.open(Buffer.from('{"plain":"json"}')), keyError('invalid-ciphertext'));
    assert.throws(() => sealer.open(sealed.subarray(0, 40)), keyError('invalid-ciphertext'));
  });

  it('deletes a key when its deletion date passes, and rotates keys on their schedule', async () => {
    await store.keyring.setRotation(keyId, 90);
    const doomed = (await store.keyring.createKey({})).id;
    await store.keyring.scheduleDeletion(doomed, 7);
    clock.advance(7 * 86_400_000);
    await store.keyring.maintain();
    assert.throws(() => store.keyring.resolve(doomed), keyError('not-found'));
    assert.deepEqual(store.keyring.rotations(keyId), []);
    clock.advance(83 * 86_400_000);
    await store.keyring.maintain();
    assert.deepEqual(store.keyring.rotations(keyId).map((r) => [r.version, r.rotationType]), [[2, 'AUTOMATIC']]);
    assert.equal(store.keyring.resolve(keyId).nextRotationAt, clock.now() + 90 * 86_400_000);
    // All of it survives a restart: the keyring is re-read from the store.
    await store.keyring.reload();
    assert.throws(() => store.keyring.resolve(doomed), keyError('not-found'));
    assert.equal(store.keyring.rotations(keyId).length, 1);
  });
});

describe('root key', () => {
  it('is generated 0600 beside a new store, refused when wrong, and taken from base64', async () => {
    const storeDir = tempDataDir('mailroom-root-');
    const warnings: string[] = [];
    const logger = { warn: (_details: object, message: string) => void warnings.push(message) };
    try {
      const store = await openStore({ dataDir: storeDir, logger });
      await store.close();
      assert.equal(statSync(join(storeDir, 'root.key')).mode & 0o777, 0o600);
      assert.match(warnings.join('\n'), /GENERATED A NEW ROOT KEY/);
      await assert.rejects(openStore({ dataDir: storeDir, rootKey: { base64: randomBytes(32).toString('base64') } }), (err: unknown) => {
        assert.ok(err instanceof RootKeyError);
        assert.match(err.message, /the root key does not match this data directory/);
        return true;
      });
      await assert.rejects(openStore({ dataDir: storeDir, rootKey: { file: join(storeDir, 'missing.key') } }), /this data directory is encrypted and no root key was found/);
      await assert.rejects(openStore({ dataDir: storeDir, rootKey: { base64: 'c2hvcnQ=' } }), /MAILROOM_ROOT_KEY must hold a 32-byte root key/);
      // Reopened with its key, the store warns that the key lives next to the data.
      warnings.length = 0;
      await (await openStore({ dataDir: storeDir, logger })).close();
      assert.match(warnings.join('\n'), /next to the data it protects/);
    } finally {
      removeDir(storeDir);
    }
  });
});
