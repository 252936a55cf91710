/**
 * Scale-out on PostgreSQL against one SQLite process, in the same run: ingest and delivery throughput of 1, 2 and 3
 * `mailroom serve --store postgres://...` processes on one embedded PostgreSQL (fsync on), and of one process on its
 * SQLite data directory. Every process accepts and delivers; PutEvents (10 entries of about 500 bytes) go to all of
 * them at once, a rule sends each event to an API destination, a sink process (bench/lib/sink.ts) counts deliveries.
 *
 *   node --import tsx bench/scale-out.ts [--seconds 10] [--concurrency 48] [--processes 1,2,3] [--pool-size 10]
 *
 * Per setup: events accepted per second over the load (summed over the processes), deliveries per second from the
 * first request until the last accepted event was delivered, and the load average before and after. The machine's
 * cores are shared by the load generator, the sink, PostgreSQL and every Mailroom process, and often by other work:
 * read the figures with the load average beside them. docs/scaling.md has the figures and how to read them.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runOnce, startEmbeddedPostgres } from '../test/helpers/embedded-postgres.js';
import { removeDir, startServerProcess, type ServerProcess } from '../test/helpers/server-process.js';
import { runLoad } from './lib/load.js';
import { startSinkProcess, type SinkProcess } from './lib/sink.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '48' },
    processes: { type: 'string', default: '1,2,3' },
    'pool-size': { type: 'string', default: '10' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
/**
 * The API destination's rate limit, far above what the machine delivers: the default (300/s, AWS's) is kept per
 * process, so with it the bench measures the limit times the number of processes (see docs/scaling.md, Limits).
 */
const RATE_LIMIT = 1_000_000;
const HEADERS = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' };

async function call(url: string, target: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: 'POST', headers: { ...HEADERS, 'x-amz-target': target }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${target} failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A request of 10 entries, each about 500 bytes as AWS sizes them. */
function requestBody(i: number): string {
  const entries = Array.from({ length: 10 }, (_, k) => ({
    Source: 'bench.orders',
    DetailType: 'Order Placed',
    Detail: JSON.stringify({ orderId: `o-${i}-${k}`, customer: { id: `c-${i % 5000}`, tier: k % 3 ? 'gold' : 'basic' }, note: 'x'.repeat(380) }),
  }));
  return JSON.stringify({ Entries: entries });
}

/** The rule and its API destination, made through the first process; the others read them at start. */
async function configure(url: string, sink: SinkProcess): Promise<void> {
  const conn = (await call(url, 'AWSEvents.CreateConnection', { Name: 'sink', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } })) as { ConnectionArn: string };
  const dest = (await call(url, 'AWSEvents.CreateApiDestination', { Name: 'sink', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${sink.url}/orders`, HttpMethod: 'POST', InvocationRateLimitPerSecond: RATE_LIMIT })) as { ApiDestinationArn: string };
  await call(url, 'AWSEvents.PutRule', { Name: 'orders', EventPattern: JSON.stringify({ source: ['bench.orders'] }) });
  await call(url, 'AWSEvents.PutTargets', { Rule: 'orders', Targets: [{ Id: 'sink', Arn: dest.ApiDestinationArn }] });
}

interface Figures {
  setup: string;
  acceptedPerSecond: number;
  deliveredPerSecond: number;
  errors: number;
  loadBefore: number;
  loadAfter: number;
}

async function measure(setup: string, start: (i: number) => Promise<ServerProcess>, processes: number): Promise<Figures> {
  const sink = await startSinkProcess();
  const servers: ServerProcess[] = [];
  try {
    servers.push(await start(0));
    await configure(servers[0]!.url, sink);
    for (let i = 1; i < processes; i++) servers.push(await start(i));
    // Warm-up: every process's JIT, the pools, the caches; then wait for its deliveries to drain.
    await Promise.all(servers.map((s) => runLoad({ url: s.url, headers: HEADERS, body: requestBody, maxRequests: 200, maxSeconds: 5, concurrency: 8 })));
    await drained(sink, 0, 120);
    const base = await sink.count();
    const loadBefore = loadavg()[0]!;
    const t0 = performance.now();
    const runs = await Promise.all(
      servers.map((s) => runLoad({ url: s.url, headers: HEADERS, body: requestBody, maxRequests: 1e7, maxSeconds: seconds, concurrency: Math.ceil(concurrency / processes) })),
    );
    const accepted = runs.reduce((n, r) => n + (r.requests - r.errors) * 10, 0);
    const loadSeconds = Math.max(...runs.map((r) => r.seconds));
    await drained(sink, base + accepted, 600);
    const deliverySeconds = (performance.now() - t0) / 1000;
    return {
      setup,
      acceptedPerSecond: accepted / loadSeconds,
      deliveredPerSecond: accepted / deliverySeconds,
      errors: runs.reduce((n, r) => n + r.errors, 0),
      loadBefore,
      loadAfter: loadavg()[0]!,
    };
  } finally {
    for (const s of servers) {
      await s.stop();
      removeDir(s.dataDir);
    }
    await sink.stop();
  }
}

/** Polls the sink's count (its own process: no event to wait on here) until it reaches `count`, or stops growing. */
async function drained(sink: SinkProcess, count: number, maxSeconds: number): Promise<void> {
  const deadline = performance.now() + maxSeconds * 1000;
  let last = -1;
  for (;;) {
    const now = await sink.count();
    if (now >= count && now === last) return;
    if (performance.now() > deadline) throw new Error(`deliveries stopped at ${now} of ${count}`);
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const figures: Figures[] = [];
const rootKey = randomBytes(32).toString('base64');
const sqlite = await measure('SQLite, 1 process', () => startServerProcess({ env: { MAILROOM_ROOT_KEY: rootKey }, args: ['--no-default-alarms'] }), 1);
figures.push(sqlite);
const pg = await startEmbeddedPostgres({ durable: true });
try {
  for (const n of values.processes.split(',').map(Number)) {
    const database = `bench_${n}_${randomBytes(4).toString('hex')}`;
    await runOnce(pg.url('postgres'), `CREATE DATABASE ${database}`);
    const store = pg.url(database);
    const start = () =>
      startServerProcess({ store, env: { MAILROOM_ROOT_KEY: rootKey }, args: ['--no-default-alarms', '--pool-size', values['pool-size']] });
    figures.push(await measure(`PostgreSQL, ${n} process${n > 1 ? 'es' : ''}`, start, n));
  }
} finally {
  await pg.stop();
}

console.log(`scale-out: ${seconds} s of PutEvents (10 entries each, ${concurrency} requests in flight in all), each event delivered to an API destination`);
console.log('setup                    accepted/s  delivered/s  errors  load avg before/after');
for (const f of figures) {
  console.log(`${f.setup.padEnd(24)} ${Math.round(f.acceptedPerSecond).toString().padStart(10)}  ${Math.round(f.deliveredPerSecond).toString().padStart(11)}  ${String(f.errors).padStart(6)}  ${f.loadBefore.toFixed(1)} / ${f.loadAfter.toFixed(1)}`);
}
