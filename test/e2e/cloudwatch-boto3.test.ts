/**
 * CloudWatch through boto3 (Python) against a real server process under --time-scale 600, on each of the three
 * protocols CloudWatch's model offers: as boto3 comes (botocore 1.43 ranks awsJson 1.0 above rpc-v2-cbor for
 * CloudWatch, so that is what it sends), and with botocore's ranking put rpc-v2-cbor first, then the query protocol
 * first, so its CBOR and query code paths meet the server too. The script checks the request it sends and asserts
 * every step; this test checks that each step reported success.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : 'boto3 is not installed for python3 on this machine (pip install boto3 to run this test)';

const MODES = [
  { mode: 'default', protocol: 'json' },
  { mode: 'cbor', protocol: 'rpc-v2-cbor' },
  { mode: 'query', protocol: 'query' },
];

describe('CloudWatch with boto3: metrics, alarms and errors', { skip, timeout: 180_000 }, () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ timeScale: 600 });
  });
  after(async () => {
    await server?.kill();
    if (server) removeDir(server.dataDir);
  });

  for (const { mode, protocol } of MODES) {
    it(`over ${protocol}`, { timeout: 90_000 }, async () => {
      const stdout = await runScript(server.url, mode);
      const steps = [
        `protocol ${protocol}`,
        'put_metric_data get_metric_statistics percentiles timestamps',
        'get_metric_data list_metrics',
        'put_metric_alarm describe_alarms evaluation describe_alarms_for_metric',
        'set_alarm_state disable_alarm_actions describe_alarm_history',
        'bad_input delete_alarms',
      ];
      for (const step of steps) assert.match(stdout, new RegExp(`^ok ${step}$`, 'm'));
    });
  }
});

/** Runs the script and returns what it printed; it exits non-zero on its first failed check. */
async function runScript(url: string, mode: string): Promise<string> {
  const script = join(REPO_ROOT, 'test/e2e/python/cloudwatch_boto3.py');
  // Asynchronously: the server runs in this test's child process and must keep being served.
  const child = spawn('python3', [script, url, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(status, 0, `boto3 script (${mode}) failed:\n${stdout}\n${stderr}`);
  return stdout;
}
