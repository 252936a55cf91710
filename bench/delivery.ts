/**
 * Delivery engine benchmarks:
 * (a) deliveries per second to a local HTTP sink (its own process, bench/lib/sink.ts) answering at once: events
 *     ingested with delivery paused, then the dispatcher drains them; durable outcome writes are batched. The
 *     first WARM_UP deliveries are not timed (JIT, the HTTP thread's start, connections to the sink); with the rate
 *     come the CPU time per delivery of the whole process, of its main thread and of the sink, and the main thread's
 *     event-loop busy time (which also counts the time the thread waited for a core or a disk: on a loaded machine
 *     it can be twice its CPU time);
 * (b) ingestion-to-first-attempt latency at 1,000 events/s (PutEvents in-process → the sink receives the call);
 * (c) due-retry pickup: 1,000,000 pending deliveries in the store falling due at once, claimed and settled
 *     through the store as the dispatcher does, with the process's memory before and after.
 *
 *   node --import tsx bench/delivery.ts [events for (a), default 30000]
 */
import { Agent, createServer, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/clock.js';
import { Http1Client } from '../src/delivery/invokers/http1-client.js';
import { createMailroom, type Mailroom, type MailroomOptions } from '../src/mailroom.js';
import { openStore } from '../src/store/index.js';
import type { IngestEntry } from '../src/store/store.js';
import { cpuSeconds } from './lib/cpu.js';
import { percentile } from './lib/load.js';
import { startSinkProcess } from './lib/sink.js';

async function apiTarget(m: Mailroom, url: string): Promise<void> {
  const ctx = m.context();
  const conn = await m.eventBridge.connections.create({ Name: 'bench', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }, ctx);
  // AWS's default limit is 300 invocations/s per API destination; the benchmark measures the engine, not the limit.
  const dest = await m.eventBridge.apiDestinations.create({ Name: 'sink', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: url, HttpMethod: 'POST', InvocationRateLimitPerSecond: 1_000_000 }, ctx);
  await m.eventBridge.rules.put({ Name: 'all', EventPattern: JSON.stringify({ source: ['bench'] }) }, ctx);
  await m.eventBridge.targets.put({ Rule: 'all', Targets: [{ Id: 'sink', Arn: dest.ApiDestinationArn }] });
}

const detail = (i: number) => JSON.stringify({ i, note: 'x'.repeat(300) });

/** Deliveries made before (a) starts timing. */
const WARM_UP = 2_000;

export interface DeliveryRate {
  perSecond: number;
  seconds: number;
  /** CPU time per delivery: the whole process (all threads), its main thread, the sink process. */
  cpuUs: number;
  mainThreadCpuUs: number;
  sinkUs: number;
  /** The main thread's event-loop busy time per delivery. */
  mainThreadUs: number;
}

/** `options` go to createMailroom (bench/monitoring.ts turns metric recording off with them). */
export async function deliveriesPerSecond(events: number, options: Partial<MailroomOptions> = {}): Promise<DeliveryRate> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const sink = await startSinkProcess();
  const m = await createMailroom({ dataDir: dir, deliver: false, ...options });
  try {
    await apiTarget(m, sink.url);
    const ctx = m.context();
    const total = WARM_UP + events;
    for (let i = 0; i < total; i += 100) {
      await Promise.all(Array.from({ length: 10 }, (_, k) => m.eventBridge.events.put({ Entries: Array.from({ length: 10 }, (_, j) => ({ Source: 'bench', DetailType: 'd', Detail: detail(i + k * 10 + j) })) }, ctx)));
    }
    // The dispatcher's own count: a COUNT over the deliveries every 10 ms would be main-thread work measured as
    // delivery cost. Every outcome here is `done` (the sink answers 200 at once), checked at the end.
    const done = async () => m.delivery.dispatcher.settledCount;
    const tick = () => new Promise((r) => setTimeout(r, 10));
    m.delivery.start();
    while ((await done()) < WARM_UP) await tick();
    const [from, cpu, loop, sinkCpu, mainCpu] = [await done(), process.cpuUsage(), performance.eventLoopUtilization(), await sink.cpuMicros(), cpuSeconds(process.pid, process.pid)];
    const start = performance.now();
    while ((await done()) < total) await tick();
    const seconds = (performance.now() - start) / 1000;
    const timed = total - from;
    const used = process.cpuUsage(cpu);
    const result = {
      perSecond: timed / seconds,
      seconds,
      cpuUs: (used.user + used.system) / timed,
      mainThreadCpuUs: ((cpuSeconds(process.pid, process.pid) - mainCpu) * 1e6) / timed,
      sinkUs: ((await sink.cpuMicros()) - sinkCpu) / timed,
      mainThreadUs: (performance.eventLoopUtilization(loop).active * 1000) / timed,
    };
    if ((await sink.count()) < total) throw new Error('sink saw fewer requests than deliveries settled');
    if ((await m.store.countDeliveries('done')) !== total) throw new Error('not every delivery is done');
    return result;
  } finally {
    await m.close();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The transport's ceiling on this machine: a bare keep-alive request loop to the same sink process, doing nothing
 * else — with node:http's client, 64 in flight, or with the engine's own HTTP/1.1 client (http1-client.ts, on this
 * thread), 32 in flight as a target's concurrency allows. The gap to (a) is the engine's own cost.
 */
export async function bareHttpCeiling(requests: number, client: 'node:http' | 'http1'): Promise<number> {
  const sink = await startSinkProcess();
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const http1 = new Http1Client(32);
  const url = new URL(sink.url);
  const body = JSON.stringify({ detail: detail(0) });
  const headers = { 'content-type': 'application/json' };
  const viaNode = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: url.port, method: 'POST', path: '/', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  const viaHttp1 = () => new Promise<void>((resolve, reject) => http1.send({ url, method: 'POST', headers, body }, (err) => (err ? reject(err) : resolve())));
  try {
    let sent = 0;
    const [one, inFlight] = client === 'node:http' ? [viaNode, 64] : [viaHttp1, 32];
    const start = performance.now();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (sent++ < requests) await one();
    }));
    return requests / ((performance.now() - start) / 1000);
  } finally {
    agent.destroy();
    http1.close();
    await sink.stop();
  }
}

export async function ingestToAttemptLatency(rate = 1000, seconds = 10): Promise<{ p50: number; p99: number; n: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const sent = new Map<number, number>();
  const latencies: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const i = (JSON.parse(Buffer.concat(chunks).toString()) as { detail: { i: number } }).detail.i;
      latencies.push(performance.now() - sent.get(i)!);
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const m = await createMailroom({ dataDir: dir });
  try {
    await apiTarget(m, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    const ctx = m.context();
    // Warm up first (JIT, the SQLite writer thread's start, sockets to the target), then measure the steady state.
    const warmup = rate;
    for (let i = 0; i < warmup; i++) {
      sent.set(-1 - i, performance.now());
      await m.eventBridge.events.put({ Entries: [{ Source: 'bench', DetailType: 'd', Detail: detail(-1 - i) }] }, ctx);
    }
    while (latencies.length < warmup) await new Promise((r) => setTimeout(r, 20));
    latencies.length = 0;
    const total = rate * seconds;
    const start = performance.now();
    const puts: Promise<unknown>[] = [];
    // One event per PutEvents, paced: the latency of a lone event, not of a batch.
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      sent.set(i, performance.now());
      puts.push(m.eventBridge.events.put({ Entries: [{ Source: 'bench', DetailType: 'd', Detail: detail(i) }] }, ctx));
    }
    await Promise.all(puts);
    while (latencies.length < total) await new Promise((r) => setTimeout(r, 20));
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
  } finally {
    await m.close();
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function dueRetryPickup(pending = 1_000_000): Promise<{ perSecond: number; rssBeforeMb: number; rssAfterMb: number; heapAfterMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = await openStore({ dataDir: dir, clock });
  try {
    const due = clock.now() + 3_600_000;
    const perEvent = 10;
    for (let e = 0; e < pending / perEvent; e += 1000) {
      const batch: IngestEntry[] = Array.from({ length: 1000 }, (_, k) => ({
        event: { id: `00000000-0000-7000-8000-${String(e + k).padStart(12, '0')}`, bus: 'default', receivedAt: clock.now(), payload: JSON.stringify({ detail: { i: e + k } }) },
        deliveries: Array.from({ length: perEvent }, (_, t) => ({ ruleName: 'r', ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', targetId: `t${t}`, targetArn: `arn:aws:sqs:us-east-1:000000000000:q${t}`, dueAt: due })),
      }));
      await store.ingest(batch);
    }
    clock.advance(3_600_000);
    const rssBefore = process.memoryUsage().rss;
    const start = performance.now();
    let settled = 0;
    for (;;) {
      const now = clock.now();
      const claimed = await store.claimDue({ now, owner: 'bench', leaseUntil: now + 300_000, limit: 500, skipTargets: [] });
      if (claimed.length === 0) break;
      await store.settle(claimed.map((d) => ({ id: d.id, owner: 'bench', leaseUntil: d.leaseUntil, next: { status: 'done' as const }, attempts: 1 })));
      settled += claimed.length;
    }
    const seconds = (performance.now() - start) / 1000;
    if (settled !== pending) throw new Error(`settled ${settled} of ${pending}`);
    const mem = process.memoryUsage();
    return { perSecond: settled / seconds, rssBeforeMb: rssBefore / 2 ** 20, rssAfterMb: mem.rss / 2 ** 20, heapAfterMb: mem.heapUsed / 2 ** 20 };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = await deliveriesPerSecond(Number(process.argv[2] ?? 30_000));
  console.log(`(a) deliveries to a local HTTP sink: ${Math.round(a.perSecond).toLocaleString('en')}/s (${a.seconds.toFixed(1)} s)`);
  console.log(`    CPU per delivery: ${a.cpuUs.toFixed(0)} us (all threads), main thread ${a.mainThreadCpuUs.toFixed(0)} us (busy ${a.mainThreadUs.toFixed(0)} us), sink ${a.sinkUs.toFixed(0)} us`);
  const ceiling = async (client: 'node:http' | 'http1') => Math.round(await bareHttpCeiling(20_000, client)).toLocaleString('en');
  console.log(`    bare keep-alive loop to the same sink, nothing else: node:http ${await ceiling('node:http')}/s, Mailroom's HTTP/1.1 client ${await ceiling('http1')}/s`);
  const b = await ingestToAttemptLatency();
  console.log(`(b) ingestion to first attempt at 1,000 events/s: p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms (${b.n} events)`);
  const c = await dueRetryPickup(Number(process.argv[3] ?? 1_000_000));
  console.log(`(c) due-retry pickup over 1,000,000 pending: ${Math.round(c.perSecond).toLocaleString('en')}/s; RSS ${c.rssBeforeMb.toFixed(0)} → ${c.rssAfterMb.toFixed(0)} MB, heap ${c.heapAfterMb.toFixed(0)} MB`);
}
