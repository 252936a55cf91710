/**
 * Per-target isolation, against a server whose slow target is already saturated: a backlog of 400 events for an API
 * that holds every request for 10 s (its 32 calls held, claimed deliveries waiting for a slot, more due in the
 * store). Then:
 *
 * 1. Two events, one after the other, for a target that fails each event's first call with 503: each retry comes
 *    0.5–1 s (the first backoff) after the failed call. The saturated slow target may not delay other targets'
 *    retries.
 * 2. 200 events for a rule with three targets — the slow API, one that always answers 500, one healthy. The healthy
 *    target gets all 200 quickly: p99 from the PutEvents acknowledgement to arrival under 2.5 s, every one under
 *    the 5 s a call to the slow API takes to time out, and all before a call to the slow API made when they were
 *    sent would have been answered (10 s). Neither the hanging nor the failing target may delay it.
 *
 * Time: the server runs at --time-scale 1 and the slow API holds requests for 10 s of real time. Mailroom's 5 s
 * API destination timeout therefore cuts each slow call after 5 s (TIMEOUT, retried), so the slow API never gets
 * to answer (its 10 s is the bound for "before the slow API answered"). Scale 1 keeps that 5 s timeout far above
 * any scheduling hiccup on a loaded machine, so the test measures isolation, not load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { callJson } from '../helpers/aws-json.js';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { percentile, untilRequests, within } from './delivery-helpers.js';

const EVENTS = 200;
const HOLD_MS = 10_000;
const TIMEOUT_MS = 5_000;
const BACKLOG = 400;
/** The engine's default concurrency per target. */
const SLOW_CONCURRENCY = 32;

describe('per-target isolation', { timeout: 90_000 }, () => {
  const held = new Set<NodeJS.Timeout>();
  const arrivedAt = new Map<string, number>();
  const flakyCalls = new Map<string, number[]>();
  let slow: HttpSink;
  let failing: HttpSink;
  let healthy: HttpSink;
  let flaky: HttpSink;
  let server: ServerProcess;
  const arns = new Map<string, string>();

  const rule = async (name: string, source: string, targets: string[]) => {
    assert.equal((await callJson(server.url, 'AWSEvents.PutRule', { Name: name, EventPattern: JSON.stringify({ source: [source] }) })).status, 200);
    const put = await callJson(server.url, 'AWSEvents.PutTargets', { Rule: name, Targets: targets.map((t) => ({ Id: t, Arn: arns.get(t) })) });
    assert.equal(put.body.FailedEntryCount, 0, JSON.stringify(put.body));
  };
  const putEvents = async (source: string, count: number) => {
    const entries = Array.from({ length: count }, (_, n) => ({ Source: source, DetailType: 't', Detail: JSON.stringify({ n }) }));
    const res = await callJson(server.url, 'AWSEvents.PutEvents', { Entries: entries });
    assert.equal(res.body.FailedEntryCount, 0, JSON.stringify(res.body));
    return (res.body.Entries as { EventId: string }[]).map((e) => e.EventId);
  };

  before(async () => {
    slow = await startSink((_req, res) => {
      const t = setTimeout(() => {
        held.delete(t);
        res.end('{}');
      }, HOLD_MS);
      held.add(t);
    });
    failing = await startSink((_req, res) => {
      res.statusCode = 500;
      res.end('{"error":"down"}');
    });
    healthy = await startSink((req, res) => {
      const { id, source } = JSON.parse(req.body) as { id: string; source: string };
      if (source === 'iso' && !arrivedAt.has(id)) arrivedAt.set(id, Date.now());
      res.end('{}');
    });
    flaky = await startSink((req, res) => {
      const { id } = JSON.parse(req.body) as { id: string };
      const calls = flakyCalls.get(id) ?? [];
      calls.push(Date.now());
      flakyCalls.set(id, calls);
      res.statusCode = calls.length === 1 ? 503 : 200;
      res.end('{}');
    });
    server = await startServerProcess({ timeScale: 1 });
    const conn = await callJson(server.url, 'AWSEvents.CreateConnection', { Name: 'c', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } });
    assert.equal(conn.status, 200, JSON.stringify(conn.body));
    for (const [name, sink] of [['slow', slow], ['failing', failing], ['healthy', healthy], ['flaky', flaky]] as const) {
      const dest = await callJson(server.url, 'AWSEvents.CreateApiDestination', { Name: name, ConnectionArn: conn.body.ConnectionArn, InvocationEndpoint: `${sink.url}/${name}`, HttpMethod: 'POST' });
      assert.equal(dest.status, 200, JSON.stringify(dest.body));
      arns.set(name, dest.body.ApiDestinationArn as string);
    }
    await rule('fan-out', 'iso', ['slow', 'failing', 'healthy']);
    await rule('retry', 'retry', ['flaky']);
    await rule('warm-up', 'warm', ['healthy']);
    await rule('backlog', 'backlog', ['slow']);

    // Warm-up (the first requests of a fresh process are slow): one event through the healthy target alone.
    await putEvents('warm', 1);
    await untilRequests(healthy, () => healthy.requests.length > 0, 10_000, () => 'the warm-up event');
    // The slow target's backlog: at its concurrency limit, with claimed deliveries waiting and more due in the store.
    await Promise.all(Array.from({ length: BACKLOG / 10 }, () => putEvents('backlog', 10)));
    await untilRequests(slow, () => slow.requests.length >= SLOW_CONCURRENCY, 10_000, () => `the slow API to hold ${SLOW_CONCURRENCY} calls (has ${slow.requests.length})`);
  });

  after(async () => {
    for (const t of held) clearTimeout(t);
    // The slow API goes first (its calls fail at once), so the graceful stop has nothing left to wait for.
    await slow?.close();
    if (server) await within(server.stop(), 20_000, 'a graceful stop').catch(() => server.kill());
    await server?.kill();
    await failing?.close();
    await flaky?.close();
    await healthy?.close();
    if (server) removeDir(server.dataDir);
  });

  it("retries another target on its own schedule while the slow target's calls hang", async () => {
    // One event at a time, so nothing else wakes the dispatcher for its retry (this runs first: the failing target
    // of the next test would keep waking it with its own retries). The first round is quiet: the retry's due time
    // is only known once the failed call's outcome is committed. In the second, one unrelated delivery is made after
    // the failed call has been settled and before its retry is due (0.5–1 s later): it claims and re-arms the
    // dispatcher's timer while the slow target's due deliveries are skipped, and the retry must keep its schedule
    // through that. (The 250 ms are not a wait for an outcome; if settling takes longer, the round checks less.)
    const gaps: number[] = [];
    for (const interfere of [false, true]) {
      const [id] = await putEvents('retry', 1);
      await untilRequests(flaky, () => flakyCalls.has(id!), 10_000, () => 'the flaky API to be called');
      if (interfere) {
        await delay(250);
        const before = healthy.requests.length;
        await putEvents('warm', 1);
        await untilRequests(healthy, () => healthy.requests.length > before, 10_000, () => 'the unrelated delivery');
      }
      await untilRequests(flaky, () => flakyCalls.get(id!)!.length >= 2, 15_000, () => `the flaky API to be called again (interfere: ${interfere})`);
      const [first, second] = flakyCalls.get(id!)!;
      gaps.push(second! - first!);
    }
    console.log(`flaky: retry gaps ${JSON.stringify(gaps)} ms`);
    // The first retry is due 0.5–1 s after the failed call; it may not wait for the slow API's calls to time out.
    assert.ok(Math.max(...gaps) < 2_000, `flaky retry gaps ${JSON.stringify(gaps)} ms (quiet, then with an unrelated delivery)`);
  });

  it('delivers to a healthy target at once while a hanging and a failing target share its rule', async () => {
    // 20 PutEvents of 10, all at once. An event's latency counts from its acknowledgement (it is durable and its
    // deliveries are due from then on), so a slow ingest on a loaded machine does not count against delivery.
    const ackedAt = new Map<string, number>();
    const startedAt = Date.now();
    await Promise.all(
      Array.from({ length: EVENTS / 10 }, async () => {
        const ids = await putEvents('iso', 10);
        for (const id of ids) ackedAt.set(id, Date.now());
      }),
    );

    await untilRequests(healthy, () => arrivedAt.size >= EVENTS, 20_000, () => `the healthy API to get all ${EVENTS} events (got ${arrivedAt.size})`);
    const healthyDoneAt = Math.max(...arrivedAt.values());
    assert.deepEqual([...arrivedAt.keys()].sort(), [...ackedAt.keys()].sort());
    // The failing API was called for the same events at the same time.
    await untilRequests(failing, () => failing.requests.length >= EVENTS, 20_000, () => `the failing API to get every event once (got ${failing.requests.length})`);

    // Delivered before its acknowledgement came back counts as 0.
    const latencies = [...arrivedAt].map(([id, at]) => Math.max(0, at - ackedAt.get(id)!));
    const p99 = percentile(latencies, 99);
    const max = Math.max(...latencies);
    console.log(`healthy: p50 ${percentile(latencies, 50)} ms, p99 ${p99} ms, max ${max} ms after the ack; all done ${healthyDoneAt - startedAt} ms after the first PutEvents; failing calls ${failing.requests.length}, slow calls ${slow.requests.length}`);
    assert.ok(p99 < 2_500, `healthy p99 ${p99} ms`);
    // Had a healthy delivery waited behind a slow call, it would have waited for that call's 5 s timeout.
    assert.ok(max < TIMEOUT_MS, `healthy max ${max} ms`);
    // Everything reached the healthy API before a call to the slow API made when the events were sent was answered.
    assert.ok(healthyDoneAt - startedAt < HOLD_MS, `healthy done ${healthyDoneAt - startedAt} ms after the first PutEvents`);
    assert.ok(slow.requests.length < BACKLOG, 'the slow API is limited to its own concurrency, so most of its calls are still waiting');
  });
});
