/**
 * PutEvents ingest over HTTP with durable acknowledgement: a real `mailroom serve --no-deliver` process (SQLite,
 * synchronous=FULL, group commit on the writer thread), 10 rules with a target each on the bus, requests of 10
 * entries of about 500 bytes; every event matches one rule, so each is stored with one pending delivery.
 * (1) maximum throughput with many requests in flight; (2) acknowledgement latency at half that rate.
 *
 *   node --import tsx bench/ingest.ts [seconds]
 */
import { removeDir, startServerProcess } from '../test/helpers/server-process.js';
import { percentile, runLoad } from './lib/load.js';

const HEADERS = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' };

async function call(url: string, target: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { ...HEADERS, 'x-amz-target': target }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${target} failed: ${res.status} ${await res.text()}`);
}

/** A request of 10 entries, each about 500 bytes as AWS sizes them. */
function requestBody(i: number): string {
  const entries = Array.from({ length: 10 }, (_, k) => ({
    Source: 'bench.orders',
    DetailType: 'Order Placed',
    Detail: JSON.stringify({ orderId: `o-${i}-${k}`, region: `r${k % 10}`, amount: (i * 10 + k) % 997, customer: { id: `c-${i % 5000}`, tier: k % 3 ? 'gold' : 'basic' }, note: 'x'.repeat(330) }),
    Resources: [`arn:aws:shop:us-east-1:000000000000:order/${i}-${k}`],
  }));
  return JSON.stringify({ Entries: entries });
}

export interface IngestFigures {
  maxEventsPerSecond: number;
  halfRateEventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export async function benchIngest(seconds = 10): Promise<IngestFigures> {
  // Accept-only, as an ingest process of a split deployment runs: this measures ingest, not delivery (bench/delivery.ts).
  const server = await startServerProcess({ deliver: false });
  try {
    for (let r = 0; r < 10; r++) {
      await call(server.url, 'AWSEvents.PutRule', { Name: `region-${r}`, EventPattern: JSON.stringify({ source: ['bench.orders'], detail: { region: [`r${r}`] } }) });
      await call(server.url, 'AWSEvents.PutTargets', { Rule: `region-${r}`, Targets: [{ Id: 'q', Arn: `arn:aws:sqs:us-east-1:000000000000:region-${r}` }] });
    }
    // Warm up the server's JIT and the SQLite page cache before measuring.
    await runLoad({ url: server.url, headers: HEADERS, body: requestBody, maxRequests: 3000, maxSeconds: 5, concurrency: 32 });
    const max = await runLoad({ url: server.url, headers: HEADERS, body: requestBody, maxRequests: 1e7, maxSeconds: seconds, concurrency: 64 });
    const maxEventsPerSecond = (max.requests * 10) / max.seconds;
    const halfRate = maxEventsPerSecond / 2 / 10;
    const half = await runLoad({ url: server.url, headers: HEADERS, body: requestBody, maxRequests: Math.ceil(halfRate * seconds), maxSeconds: seconds + 5, concurrency: 64, ratePerSecond: halfRate });
    return {
      maxEventsPerSecond,
      halfRateEventsPerSecond: (half.requests * 10) / half.seconds,
      p50Ms: percentile(half.latenciesMs, 50),
      p99Ms: percentile(half.latenciesMs, 99),
      errors: max.errors + half.errors,
    };
  } finally {
    await server.stop();
    removeDir(server.dataDir);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const f = await benchIngest(Number(process.argv[2] ?? 10));
  console.log('| measure | value |\n|---|---|');
  console.log(`| max durable ingest | ${Math.round(f.maxEventsPerSecond).toLocaleString('en')} events/s |`);
  console.log(`| at half that rate | ${Math.round(f.halfRateEventsPerSecond).toLocaleString('en')} events/s: p50 ${f.p50Ms.toFixed(2)} ms, p99 ${f.p99Ms.toFixed(2)} ms |`);
  console.log(`| errors | ${f.errors} |`);
}
