/**
 * What encryption at rest costs, as CPU time (process.cpuUsage), so that the figures hold on a machine shared with
 * other work, where wall-clock rates mostly measure the scheduler.
 * (1) The sealer alone, 1 KB records: seals per CPU second (one data key reused, as within a reuse period), opens
 *     with the data key cached, and opens with a cold cache (a new Sealer per record: the data key is unsealed first).
 * (2) Queue messages through the SQLite store (sendMessages of 10 x 1 KB per call, one synced transaction each)
 *     into an SSE-SQS queue (sealed) and into a queue with SSE off (plaintext), then received 10 at a time: CPU
 *     microseconds per message, and messages per wall second (fsync-bound).
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

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/** Runs `fn` in a loop for `seconds` (after a short warm-up) and returns calls per CPU second. */
function rate(fn: () => void): number {
  const warm = performance.now() + 300;
  while (performance.now() < warm) fn();
  let calls = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
  }
  return calls / (cpuMicros(cpu) / 1e6);
}

/** Runs `fn` (which handles `per` messages) for `seconds`; CPU us per message and messages per wall second. */
async function cost(fn: () => Promise<number>): Promise<{ cpuPerMessage: number; perSecond: number }> {
  let messages = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() < start + seconds * 1000) {
    const n = await fn();
    if (n === 0) break;
    messages += n;
  }
  return { cpuPerMessage: cpuMicros(cpu) / messages, perSecond: messages / ((performance.now() - start) / 1000) };
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
for (const name of ['sealed', 'plain']) for (let i = 0; i < 50; i++) await store.sendMessages(batch(name, name === 'sealed' ? undefined : null)); // warm-up
const sends = {
  sealed: await cost(() => store.sendMessages(batch('sealed', undefined)).then(() => 10)),
  plain: await cost(() => store.sendMessages(batch('plain', null)).then(() => 10)),
};
const receive = (name: string) => cost(async () => (await store.receiveMessages({ queue: name, now: clock.now(), max: 10, visibilityTimeoutMs: 3_600_000 })).length);
const receives = { sealed: await receive('sealed'), plain: await receive('plain') };

await store.close();
rmSync(dir, { recursive: true, force: true });

const k = (x: number) => `${Math.round(x / 1000)}k`;
const us = (x: number) => `${x.toFixed(1)} us`;
console.log(`sealer, 1 KB records, per CPU second: seal ${k(sealPerSecond)}, open (data key cached) ${k(openPerSecond)}, open (cold) ${k(coldOpenPerSecond)}`);
for (const [what, r] of [['sendMessages, 10 x 1 KB per transaction', sends], ['receiveMessages, 10 per call', receives]] as const) {
  console.log(`store ${what}: CPU per message SSE on ${us(r.sealed.cpuPerMessage)}, SSE off ${us(r.plain.cpuPerMessage)}; messages/s (wall) ${Math.round(r.sealed.perSecond)} vs ${Math.round(r.plain.perSecond)}`);
}
