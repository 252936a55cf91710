/**
 * The root key against a real `mailroom serve` process: a first run generates root.key (0600) in the data directory
 * with a loud warning; a start with another root key, or with none when the data directory is encrypted, exits
 * non-zero with a message saying so; the key moved elsewhere (--root-key-file) or given as MAILROOM_ROOT_KEY opens
 * the same data again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { removeDir, startServerProcess, tempDataDir } from '../helpers/server-process.js';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

it('generates a root key on a first run, refuses another one, and opens the data with the moved key', { timeout: 120_000 }, async () => {
  const dataDir = tempDataDir();
  const keyDir = mkdtempSync(join(tmpdir(), 'mailroom-key-'));
  try {
    const first = await startServerProcess({ dataDir });
    const generated = join(dataDir, 'root.key');
    try {
      assert.ok(existsSync(generated), 'a first run writes root.key into the data directory');
      assert.equal(statSync(generated).mode & 0o777, 0o600);
      assert.ok(first.logs.some((line) => line.includes('"level":40') && line.includes('GENERATED A NEW ROOT KEY')), first.logs.join('\n'));
      const sqs = new SQSClient({ endpoint: first.url, region: 'us-east-1', credentials });
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'kept' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'sealed under the first root key' }));
      sqs.destroy();
    } finally {
      await first.stop();
    }

    // Another root key: refused at start, with the reason, before anything is served.
    const other = randomBytes(32).toString('base64');
    await assert.rejects(startServerProcess({ dataDir, env: { MAILROOM_ROOT_KEY: other } }), (err: Error) => {
      assert.match(err.message, /exited with 2 before listening/);
      assert.match(err.message, /the root key does not match this data directory/);
      return true;
    });

    // The key moved away from the data (as the warning asks): without it the data directory cannot be opened...
    const moved = join(keyDir, 'mailroom-root.key');
    renameSync(generated, moved);
    await assert.rejects(startServerProcess({ dataDir }), (err: Error) => {
      assert.match(err.message, /exited with 2 before listening/);
      assert.match(err.message, /this data directory is encrypted and no root key was found/);
      return true;
    });
    assert.ok(!existsSync(generated), 'no new key is generated for a data directory that has one');

    // ...and with it, from its new place or as base64 in the environment, everything is there.
    for (const options of [{ args: ['--root-key-file', moved] }, { env: { MAILROOM_ROOT_KEY: readFileSync(moved, 'latin1').trim() } }]) {
      const server = await startServerProcess({ dataDir, ...options });
      try {
        assert.ok(!server.logs.some((line) => line.includes('root key')), `no root key warning expected:\n${server.logs.join('\n')}`);
        const sqs = new SQSClient({ endpoint: server.url, region: 'us-east-1', credentials });
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'kept' }));
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
        assert.equal(Messages?.[0]?.Body, 'sealed under the first root key');
        sqs.destroy();
      } finally {
        await server.stop();
      }
    }
  } finally {
    removeDir(dataDir);
    removeDir(keyDir);
  }
});

it('refuses a malformed MAILROOM_ROOT_KEY with the variable named', { timeout: 60_000 }, async () => {
  const dataDir = tempDataDir();
  try {
    await assert.rejects(startServerProcess({ dataDir, env: { MAILROOM_ROOT_KEY: 'not-a-key' } }), (err: Error) => {
      assert.match(err.message, /exited with 2 before listening/);
      assert.match(err.message, /MAILROOM_ROOT_KEY must hold a 32-byte root key in base64/);
      return true;
    });
  } finally {
    removeDir(dataDir);
  }
});
