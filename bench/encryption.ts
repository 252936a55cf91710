/**
 * What encryption at rest costs.
 * (1) The sealer alone, 1 KB records, one core: seal/s (one data key reused, as within a reuse period), open/s
 *     with the data key cached, and open/s with a cold cache (a new Sealer per record: the data key is unsealed first).
 * (2) Queue messages stored through the SQLite store (sendMessages of 10 x 1 KB per call, one transaction each, on
 *     the main connection) into an SSE-SQS queue (sealed) and into a queue with SSE off (plaintext); then received.
 *
 *   node --import tsx bench/encryption.ts [seconds per measure, default 3]
 *
 * Event ingest with sealing is measured by bench/store-ingest.ts and bench/ingest.ts (events are always sealed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/clock.js';
import { Sealer } from '../src/keys/sealer.js';
import { openStore } from '../src/store/index.js';
import type { NewQueueMessage } from '../src/store/queues.js';

const seconds = Number(process.argv[2] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
const clock = new ManualClock(Date.now());
const store = await openStore({ dataDir: dir, clock });
const payload = Buffer.from(JSON.stringify({ order: 'o-1', note: 'x'.repeat(990) }).slice(0, 1024));

/** Runs `fn` in a loop for `seconds` (after a short warm-up) and returns calls per second. */
function rate(fn: () => void): number {
  const warm = performance.now() + 300;
  while (performance.now() < warm) fn();
  let calls = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
  }
  return calls / ((performance.now() - start) / 1000);
}

async function rateAsync(fn: () => Promise<void>): Promise<number> {
  const warm = performance.now() + 300;
  while (performance.now() < warm) await fn();
  let calls = 0;
  const start = performance.now();
  while (performance.now() < start + seconds * 1000) {
    await fn();
    calls++;
  }
  return calls / ((performance.now() - start) / 1000);
}

const sealer = new Sealer(store.keyring, clock);
const sealed = sealer.seal('alias/aws/sqs', payload).blob;
const sealPerSecond = rate(() => sealer.seal('alias/aws/sqs', payload));
const openPerSecond = rate(() => sealer.open(sealed));
const coldOpenPerSecond = rate(() => new Sealer(store.keyring, clock).open(sealed));

const body = payload.toString('utf8');
let n = 0;
function batch(queue: string, keyRef: string | null | undefined): NewQueueMessage[] {
  const now = clock.now();
  return Array.from({ length: 10 }, () => ({
    queue,
    messageId: `m-${++n}`,
    body,
    attributes: { kind: { DataType: 'String', StringValue: 'order' } },
    md5OfBody: '0cc175b9c0f1b6a831c399e269772661',
    md5OfMessageAttributes: '0cc175b9c0f1b6a831c399e269772661',
    sentAt: now,
    visibleAt: now,
    expiresAt: now + 86_400_000,
    ...(keyRef !== undefined && { keyRef }),
  }));
}
const queue = (name: string) => ({ name, arn: `arn:aws:sqs:us-east-1:000000000000:${name}`, attributes: {}, createdAt: clock.now(), lastModifiedAt: clock.now() });
await store.createQueue(queue('sealed'), {});
await store.createQueue(queue('plain'), {});
const sends = {
  sealed: (await rateAsync(() => store.sendMessages(batch('sealed', undefined)).then(() => undefined))) * 10,
  plain: (await rateAsync(() => store.sendMessages(batch('plain', null)).then(() => undefined))) * 10,
};
const receive = async (name: string) => {
  let received = 0;
  const start = performance.now();
  for (;;) {
    const got = await store.receiveMessages({ queue: name, now: clock.now(), max: 10, visibilityTimeoutMs: 3_600_000 });
    if (got.length === 0 || performance.now() - start > seconds * 1000) break;
    received += got.length;
  }
  return received / ((performance.now() - start) / 1000);
};
const receives = { sealed: await receive('sealed'), plain: await receive('plain') };

await store.close();
rmSync(dir, { recursive: true, force: true });

const k = (x: number) => `${Math.round(x / 1000)}k/s`;
console.log(`sealer, 1 KB records: seal ${k(sealPerSecond)}, open (data key cached) ${k(openPerSecond)}, open (cold) ${k(coldOpenPerSecond)}`);
console.log(`store sendMessages, 10 x 1 KB per transaction: SSE on ${k(sends.sealed)} messages, SSE off ${k(sends.plain)} (${Math.round((1 - sends.sealed / sends.plain) * 100)}% less)`);
console.log(`store receiveMessages, 10 per call: SSE on ${k(receives.sealed)} messages, SSE off ${k(receives.plain)} (${Math.round((1 - receives.sealed / receives.plain) * 100)}% less)`);
