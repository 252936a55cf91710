/**
 * SNS through boto3 (Python) against a real server process: the script runs its own HTTP subscriber, which
 * confirms through the SubscribeURL and receives a notification, then an SQS subscription with raw delivery,
 * PublishBatch and bad input. The Python script asserts; this test runs it and checks every step reported success.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { boto3Skip, runPython } from '../helpers/python.js';
import { REPO_ROOT, removeDir, startServerProcess } from '../helpers/server-process.js';

it('drives topics, subscriptions, publishing and errors with boto3', { skip: boto3Skip, timeout: 60_000 }, async () => {
  const server = await startServerProcess();
  try {
    const { status, stdout, stderr } = await runPython(join(REPO_ROOT, 'test/e2e/python/sns_boto3.py'), [server.url]);
    assert.equal(status, 0, `boto3 script failed:\n${stdout}\n${stderr}`);
    for (const step of ['create_topic', 'subscribe confirm', 'publish http', 'publish_batch sqs raw', 'bad_input', 'cleanup']) assert.match(stdout, new RegExp(`ok ${step}`));
  } finally {
    await server.kill();
    removeDir(server.dataDir);
  }
});
