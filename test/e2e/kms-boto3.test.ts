/**
 * KMS through boto3 (Python) against a real server process. The Python script asserts;
 * this test runs it and checks every step reported success.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT, removeDir, startServerProcess } from '../helpers/server-process.js';

const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : 'boto3 is not installed for python3 on this machine (pip install boto3 to run this test)';

it('drives keys, aliases, encryption, rotation and errors with boto3', { skip, timeout: 60_000 }, async () => {
  const server = await startServerProcess();
  try {
    const script = join(REPO_ROOT, 'test/e2e/python/kms_boto3.py');
    // Asynchronously: the server runs in this test's child process and must keep being served.
    const child = spawn('python3', [script, server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(status, 0, `boto3 script failed:\n${stdout}\n${stderr}`);
    for (const step of ['create_key', 'encrypt decrypt', 'generate_data_key', 'rotation old_ciphertext_decrypts', 'disable enable', 'schedule_key_deletion cancel_key_deletion', 'sqs_kms_disabled', 'bad_input']) {
      assert.match(stdout, new RegExp(`ok ${step}`));
    }
  } finally {
    await server.kill();
    removeDir(server.dataDir);
  }
});
