/**
 * A message Publish acknowledged is delivered even if the process dies right after: a child process publishes to a
 * topic (accept-only, no delivery) and is killed with SIGKILL mid-stream; a Mailroom opened on the same data dir
 * then delivers every acknowledged message to the subscribed queue. What makes it so is the transaction that
 * records the message with its deliveries before Publish answers; delivery itself is the outbox's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { createMailroom } from '../../src/mailroom.js';
import { removeDir, REPO_ROOT, tempDataDir } from '../helpers/server-process.js';
import { until } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/publish-child.ts', import.meta.url));
const ACKED = 300;

it('delivers every acknowledged publish after a kill -9', { timeout: 120_000 }, async () => {
  const dataDir = tempDataDir('mailroom-sns-crash-');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const acked = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (id) => {
        acked.add(id);
        if (acked.size === ACKED) resolve();
      });
      void exited.then(() => reject(new Error(`the child exited after ${acked.size} publishes`)));
    });
    child.kill('SIGKILL');
    await exited;

    await using mailroom = await createMailroom({ dataDir });
    const { QueueUrl } = await mailroom.sqs.queues.getUrl({ QueueName: 'crash-inbox' }, mailroom.context());
    const received = new Set<string>();
    await until(async () => {
      const { Messages = [] } = await mailroom.sqs.receiver.receive({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
      for (const m of Messages) received.add((JSON.parse(m.Body) as { MessageId: string }).MessageId);
      return [...acked].every((id) => received.has(id));
    }, () => `every acknowledged message in the queue (${received.size} of ${acked.size} so far)`);
    assert.ok(received.size >= acked.size);
  } finally {
    removeDir(dataDir);
  }
});
