/**
 * CloudWatch through boto3 (Python) against a real server process under --time-scale 600, twice: as boto3 comes
 * (botocore 1.43 ranks awsJson 1.0 above rpc-v2-cbor for CloudWatch, so that is what it sends) and with botocore's
 * ranking put rpc-v2-cbor first, so its CBOR code path meets the server too. The script checks the request it
 * sends and asserts every step; this test checks that each step reported success.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT, removeDir, startServerProcess } from '../helpers/server-process.js';

const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : 'boto3 is not installed for python3 on this machine (pip install boto3 to run this test)';

it('drives metrics, alarms and errors with boto3 over awsJson 1.0 and rpc-v2-cbor', { skip, timeout: 90_000 }, async () => {
  const server = await startServerProcess({ timeScale: 600 });
  try {
    for (const mode of ['default', 'cbor']) await runScript(server.url, mode, mode === 'cbor' ? 'rpc-v2-cbor' : 'json');
  } finally {
    await server.kill();
    removeDir(server.dataDir);
  }
});

async function runScript(url: string, mode: string, protocol: string): Promise<void> {
  const script = join(REPO_ROOT, 'test/e2e/python/cloudwatch_boto3.py');
  // Asynchronously: the server runs in this test's child process and must keep being served.
  const child = spawn('python3', [script, url, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(status, 0, `boto3 script (${mode}) failed:\n${stdout}\n${stderr}`);
  for (const step of [`protocol ${protocol}`, 'put_metric_data get_metric_statistics percentiles', 'get_metric_data list_metrics', 'put_metric_alarm describe_alarms evaluation', 'set_alarm_state', 'bad_input delete_alarms']) {
    assert.match(stdout, new RegExp(`ok ${step}`));
  }
}
