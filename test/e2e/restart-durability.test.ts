/**
 * Events acknowledged by PutEvents survive `kill -9` of the server: after a restart on the same data dir each is in
 * the store with one delivery per matched target. The targets are queues that do not exist, so each delivery ends
 * at once (dropped: NO_RESOURCE, no DLQ) — what matters here is that every one was recorded with its event.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { callJson } from '../helpers/aws-json.js';
import { removeDir, startServerProcess } from '../helpers/server-process.js';

it('keeps every acknowledged event and its pending deliveries across kill -9', async () => {
  const server = await startServerProcess();
  try {
    await callJson(server.url, 'AWSEvents.PutRule', { Name: 'all-orders', EventPattern: JSON.stringify({ source: ['orders'] }) });
    const targets = [1, 2].map((n) => ({ Id: `q${n}`, Arn: `arn:aws:sqs:us-east-1:000000000000:queue-${n}` }));
    assert.equal((await callJson(server.url, 'AWSEvents.PutTargets', { Rule: 'all-orders', Targets: targets })).body.FailedEntryCount, 0);

    // Many concurrent requests, so acknowledgements come from shared (group) commits; kill while more are in flight.
    const acked: string[] = [];
    const send = async (i: number) => {
      const entries = Array.from({ length: 10 }, (_, k) => ({ Source: k % 2 ? 'orders' : 'other', DetailType: 't', Detail: JSON.stringify({ i, k }) }));
      const res = await callJson(server.url, 'AWSEvents.PutEvents', { Entries: entries });
      for (const e of res.body.Entries as { EventId: string }[]) acked.push(e.EventId);
    };
    await Promise.all(Array.from({ length: 50 }, (_, i) => send(i)));
    const inFlight = Array.from({ length: 20 }, (_, i) => send(1000 + i).catch(() => undefined));
    await server.kill();
    await Promise.all(inFlight);
    assert.ok(acked.length >= 500);

    const restarted = await startServerProcess({ dataDir: server.dataDir });
    await restarted.stop();
    const { openStore } = await import('../../src/store/index.js');
    const store = await openStore({ dataDir: server.dataDir });
    try {
      for (const id of acked) {
        const event = await store.getEvent(id);
        assert.ok(event, `acknowledged event ${id} is missing after kill -9`);
        const matched = (JSON.parse(event.payload) as { source: string }).source === 'orders';
        const deliveries = await store.listDeliveries({ eventId: id, limit: 10 });
        assert.equal(deliveries.length, matched ? 2 : 0);
        assert.deepEqual(deliveries.map((d) => d.targetId).sort(), matched ? ['q1', 'q2'] : []);
      }
    } finally {
      await store.close();
    }
  } finally {
    await server.kill();
    removeDir(server.dataDir);
  }
});
