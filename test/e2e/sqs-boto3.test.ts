/**
 * SQS through boto3 (Python) against a real server process under --time-scale 100. The Python script asserts;
 * this test runs it and checks every step reported success.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { boto3Skip, runPython } from '../helpers/python.js';
import { REPO_ROOT, removeDir, startServerProcess } from '../helpers/server-process.js';

it('drives queues, messages, redrive and errors with boto3', { skip: boto3Skip, timeout: 60_000 }, async () => {
  const server = await startServerProcess({ timeScale: 100 });
  try {
    const { status, stdout, stderr } = await runPython(join(REPO_ROOT, 'test/e2e/python/sqs_boto3.py'), [server.url]);
    assert.equal(status, 0, `boto3 script failed:\n${stdout}\n${stderr}`);
    for (const step of ['send_message md5', 'visibility_timeout redelivery', 'stale_receipt_handle', 'bad_input', 'redrive', 'cleanup']) {
      assert.match(stdout, new RegExp(`ok ${step}`));
    }
  } finally {
    await server.kill();
    removeDir(server.dataDir);
  }
});
