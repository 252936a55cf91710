/**
 * The seed story driven by boto3 (Python) against a server process at --time-scale 10: the Node side serves the
 * third-party API and counts the calls per order; python/seed_story_boto3.py makes every AWS call (events + sqs)
 * and checks the dead letters' attributes. A down API (500) gets 4 calls and a dead letter with
 * EXHAUSTED_RETRY_CONDITION=MaximumRetryAttempts and RETRY_ATTEMPTS=3; a 400 gets 1 call and a dead letter at once;
 * a flaky API (503 twice) gets 3 calls and no dead letter; a good call 1. After a graceful stop, the AWS/Events
 * metrics of exactly those outcomes are in the store.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { startSink } from '../helpers/http-sink.js';
import { REPO_ROOT, removeDir, startServerProcess } from '../helpers/server-process.js';
import { untilRequests, within } from './delivery-helpers.js';

const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : 'boto3 is not installed for python3 on this machine (pip install boto3 to run this test)';

it('retries, dead-letters and records metrics as the seed story says, driven by boto3', { skip, timeout: 90_000 }, async () => {
  const calls = new Map<string, number>();
  const api = await startSink((req, res) => {
    const detail = JSON.parse(req.body) as { order: string; behaviour: string };
    const n = (calls.get(detail.order) ?? 0) + 1;
    calls.set(detail.order, n);
    const status = detail.behaviour === 'down' ? 500 : detail.behaviour === 'reject' ? 400 : detail.behaviour === 'flaky' && n <= 2 ? 503 : 200;
    res.statusCode = status;
    res.end(status === 200 ? '{"registered":true}' : `{"error":"status ${status}"}`);
  });
  const server = await startServerProcess({ timeScale: 10 });
  // Not spawnSync: this process must keep answering the script's API calls while it runs.
  const script = spawn('python3', ['-u', join(REPO_ROOT, 'test/e2e/python/seed_story_boto3.py'), server.url, api.url], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => script.once('exit', (code) => resolve(code)));
  script.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const lines = createInterface({ input: script.stdout });
  const deadLettersChecked = new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      output.push(line);
      if (line === 'ok dead_letters') resolve();
    });
    void exited.then((code) => reject(new Error(`boto3 script exited with ${code} before checking the dead letters:\n${output.join('\n')}`)));
  });
  try {
    await within(deadLettersChecked, 60_000, `the boto3 script's dead-letter checks:\n${output.join('\n')}`);
    // Both dead letters are written after their last call, so those counts are final; the flaky and good orders
    // settle on their own, so wait until their 200s have been given.
    await untilRequests(api, () => (calls.get('flaky-1') ?? 0) >= 3 && (calls.get('ok-1') ?? 0) >= 1, 30_000, () => `flaky and ok calls: ${JSON.stringify([...calls])}`);
    assert.deepEqual(Object.fromEntries([...calls].sort()), { 'down-1': 4, 'flaky-1': 3, 'ok-1': 1, 'reject-1': 1 });
    script.stdin.end('go\n');
    const code = await within(exited, 30_000, 'the boto3 script to finish');
    assert.equal(code, 0, `boto3 script failed:\n${output.join('\n')}`);
    assert.ok(output.includes('ok no_more_dead_letters'), output.join('\n'));
    for (const r of api.requests) {
      assert.equal(r.headers['x-api-key'], 'k');
      assert.equal(r.headers['user-agent'], 'Amazon/EventBridge/ApiDestinations');
      assert.equal(r.url.pathname, '/register');
    }

    // Metrics are flushed on a graceful stop.
    await server.stop();
    const { openStore } = await import('../../src/store/index.js');
    const store = await openStore({ dataDir: server.dataDir });
    try {
      const total = async (name: string, dimensions: Record<string, string>) => {
        const data = await store.queryMetrics({ namespace: 'AWS/Events', name, dimensions, from: 0, to: Number.MAX_SAFE_INTEGER });
        return { sum: data.reduce((n, d) => n + d.sum, 0), count: data.reduce((n, d) => n + d.count, 0), max: Math.max(0, ...data.map((d) => d.max)) };
      };
      for (const dimensions of [{ RuleName: 'item-sold' }, { EventBusName: 'orders', RuleName: 'item-sold' }, {}] as Record<string, string>[]) {
        const what = JSON.stringify(dimensions);
        // AWS counts an invocation once it succeeded or failed for good: 4 events, 4 invocations, 2 of them failed.
        assert.equal((await total('Invocations', dimensions)).sum, 4, `Invocations ${what}`);
        assert.equal((await total('FailedInvocations', dimensions)).sum, 2, `FailedInvocations ${what}`);
        assert.equal((await total('InvocationsSentToDlq', dimensions)).sum, 2, `InvocationsSentToDlq ${what}`);
        assert.equal((await total('InvocationsFailedToBeSentToDlq', dimensions)).sum, 0, `InvocationsFailedToBeSentToDlq ${what}`);
        // 3 retries of the down order, 2 of the flaky one.
        assert.equal((await total('RetryInvocationAttempts', dimensions)).sum, 5, `RetryInvocationAttempts ${what}`);
      }
      const latency = await total('IngestionToInvocationStartLatency', {});
      assert.equal(latency.count, 4, 'one latency per event (its first attempt)');
      // Clock time at scale 20: a minute of clock time is 3 s real, far more than a first attempt can take here.
      assert.ok(latency.max >= 0 && latency.max < 60_000, `latency max ${latency.max} ms`);
    } finally {
      await store.close();
    }
  } finally {
    if (script.exitCode === null && script.signalCode === null) script.kill('SIGKILL');
    await server.kill();
    await api.close();
    removeDir(server.dataDir);
  }
});
