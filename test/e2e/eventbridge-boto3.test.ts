/**
 * The same control plane and PutEvents through boto3 (Python), against a real server process. The Python script
 * asserts; this test runs it, checks it completed, and then checks the accepted event is in the store.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT, removeDir, startServerProcess } from '../helpers/server-process.js';

const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : 'boto3 is not installed for python3 on this machine (pip install boto3 to run this test)';

it('drives the control plane and PutEvents with boto3', { skip }, async () => {
  const server = await startServerProcess();
  try {
    const script = join(REPO_ROOT, 'test/e2e/python/eventbridge_boto3.py');
    const run = spawnSync('python3', [script, server.url], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, `boto3 script failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /ok cleanup/);
    const eventId = /ok put_events (\S+)/.exec(run.stdout)![1]!;
    await server.stop();
    const { openStore } = await import('../../src/store/index.js');
    const store = await openStore({ dataDir: server.dataDir });
    try {
      const event = await store.getEvent(eventId);
      assert.equal((JSON.parse(event!.payload) as { region: string }).region, 'ap-southeast-2');
    } finally {
      await store.close();
    }
  } finally {
    await server.kill();
    removeDir(server.dataDir);
  }
});
