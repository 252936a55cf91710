/**
 * Ingest throughput of the stores: many concurrent callers each ingesting batches of events (as PutEvents
 * would, with one delivery per matched target) and awaiting the durable acknowledgement. SQLite first, then
 * PostgreSQL in the same run: an embedded server (fsync on, a data directory on the same disk), or the server of
 * MAILROOM_BENCH_DATABASE_URL (a database the benchmark may fill).
 *
 *   node --import tsx bench/store-ingest.ts [--backend sqlite|postgres|both] [--callers 200] [--batch 10]
 *                                           [--deliveries 1] [--seconds 5] [--ids v7|v4]
 *
 * Prints events/s, deliveries/s, commits/s and the p50/p99 latency from ingest() to acknowledgement; for
 * PostgreSQL also the round trips per event (each group commit is one statement, so commits / events).
 * Also the CPU time per event (all threads) and the main thread's busy time per event: on a machine shared with
 * other work the rates mostly measure the scheduler, the CPU times much less so.
 * The commits run on the store's writer thread (src/store/sqlite/writer.ts). In this closed loop every caller waits
 * for the same group, so a group is never accumulating while another commits: it measures the writer, not the
 * pipelining (bench/ingest.ts, over HTTP, does).
 *
 * Results on the 2-core dev VM (ext4 on virtio, Node 20.20, better-sqlite3 12.11 / SQLite 3.53, synchronous=FULL),
 * two runs each, alternating, while other sessions shared the machine (so treat them as a floor):
 *                                          commit on the event loop        writer thread
 *   defaults (200 callers x 10 events)    37k events/s  p99 101-132 ms    47k events/s  p99 67-79 ms
 *   --callers 20                          31-37k        p99 18-21 ms      30-32k        p99 20-24 ms
 * (with 20 callers the thread's message round trip is not hidden behind anything). The writer spends about 20-25 us
 * of CPU per event + delivery (inserts into 6 B-trees, then the WAL write and fsync), of which the WAL checkpoints
 * that SQLite runs inside every ~8th commit take about a tenth, and stretch those commits to 15-30 ms. Binding the
 * payload as text into CAST(? AS BLOB) instead of a Buffer saved 2.5 us; a partial due index, dropping
 * deliveries_by_event, or foreign_keys=OFF on the writer saved about 1 us each (4%), not worth a migration or a
 * laxer connection. Multi-row INSERTs and larger pages measured no better within the noise.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/index.js';
import type { IngestEntry, Store } from '../src/store/index.js';
import { timeOrderedUuid } from '../src/store/ids.js';
import { runOnce, startEmbeddedPostgres } from '../test/helpers/embedded-postgres.js';

const { values } = parseArgs({
  options: {
    callers: { type: 'string', default: '200' },
    batch: { type: 'string', default: '10' },
    deliveries: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    // v7: time-ordered event ids (what the services should mint); v4: random ones, to see what they cost.
    ids: { type: 'string', default: 'v7' },
    backend: { type: 'string', default: 'both' },
  },
});
const callers = Number(values.callers);
const batchSize = Number(values.batch);
const deliveriesPerEvent = Number(values.deliveries);
const seconds = Number(values.seconds);
const eventId = values.ids === 'v4' ? () => randomUUID() : () => timeOrderedUuid(Date.now());

const BUS = 'default';
const RULE_ARN = 'arn:aws:events:us-east-1:000000000000:rule/orders';

function batch(): IngestEntry[] {
  const now = Date.now();
  const entries: IngestEntry[] = [];
  for (let i = 0; i < batchSize; i++) {
    const id = eventId();
    const payload = `{"version":"0","id":"${id}","detail-type":"OrderPlaced","source":"shop.orders","account":"000000000000","time":"${new Date(now).toISOString()}","region":"us-east-1","resources":[],"detail":{"orderId":"o-${i}","amount":4200,"currency":"EUR","customer":{"id":"c-17","tier":"gold"}}}`;
    const deliveries = [];
    for (let d = 0; d < deliveriesPerEvent; d++) {
      deliveries.push({ ruleName: 'orders', ruleArn: RULE_ARN, targetId: `t${d}`, targetArn: `arn:aws:sqs:us-east-1:000000000000:q${d}`, dueAt: now });
    }
    entries.push({ event: { id, bus: BUS, receivedAt: now, payload }, deliveries });
  }
  return entries;
}

async function measure(label: string, store: Store, roundTrips: boolean): Promise<void> {
  let measuring = false;
  let stop = false;
  let events = 0;
  const latencies: number[] = [];

  async function caller(): Promise<void> {
    while (!stop) {
      const entries = batch();
      const started = performance.now();
      await store.ingest(entries);
      if (measuring) {
        latencies.push(performance.now() - started);
        events += entries.length;
      }
    }
  }

  const running = Array.from({ length: callers }, caller);
  // One second of warm-up (JIT, page cache, WAL growth) before measuring.
  await new Promise((r) => setTimeout(r, 1000));
  const commitsBefore = store.stats().commits;
  measuring = true;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const loopBefore = performance.eventLoopUtilization();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const loop = performance.eventLoopUtilization(loopBefore);
  const commits = store.stats().commits - commitsBefore;
  stop = true;
  await Promise.all(running);

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(2);
  console.log(
    `${label}: callers=${callers} batch=${batchSize} deliveries/event=${deliveriesPerEvent} seconds=${seconds} ids=${values.ids}\n` +
      `events/s: ${Math.round(events / elapsed)}  deliveries/s: ${Math.round((events * deliveriesPerEvent) / elapsed)}  ` +
      `commits/s: ${Math.round(commits / elapsed)}  events/commit: ${Math.round(events / commits)}\n` +
      `ack latency ms: p50 ${pct(50)}  p99 ${pct(99)}\n` +
      `CPU per event: ${((cpu.user + cpu.system) / events).toFixed(1)} us (all threads)  main thread busy per event: ${((loop.active * 1000) / events).toFixed(1)} us` +
      (roundTrips ? `\nround trips per event: ${(commits / events).toFixed(4)} (one statement per commit)` : ''),
  );
}

if (values.backend !== 'postgres') {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const store = await openStore({ dataDir: dir });
  await measure('sqlite', store, false);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

if (values.backend !== 'sqlite') {
  const external = process.env.MAILROOM_BENCH_DATABASE_URL;
  const server = external ? undefined : await startEmbeddedPostgres({ durable: true });
  try {
    let url = external;
    if (server) {
      await runOnce(server.url('postgres'), 'CREATE DATABASE bench');
      url = server.url('bench');
    }
    const store = await openStore({ path: url! });
    await measure('postgres', store, true);
    await store.close();
  } finally {
    await server?.stop();
  }
}
