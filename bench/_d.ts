import { createMailroom } from '../src/mailroom.js';
import { startSinkProcess } from './lib/sink.js';
const sink = await startSinkProcess();
const m = await createMailroom({ dataDir: '/tmp/dd-' + Date.now(), deliver: false });
const ctx = m.context();
const conn = await m.eventBridge.connections.create({ Name: 'bench', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }, ctx);
const dest = await m.eventBridge.apiDestinations.create({ Name: 'sink', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: sink.url, HttpMethod: 'POST', InvocationRateLimitPerSecond: 1000000 }, ctx);
await m.eventBridge.rules.put({ Name: 'all', EventPattern: JSON.stringify({ source: ['bench'] }) }, ctx);
await m.eventBridge.targets.put({ Rule: 'all', Targets: [{ Id: 'sink', Arn: dest.ApiDestinationArn }] });
for (let i = 0; i < 3000; i += 10) await m.eventBridge.events.put({ Entries: Array.from({ length: 10 }, (_, j) => ({ Source: 'bench', DetailType: 'd', Detail: '{}' })) }, ctx);
const st = m.store as any;
for (const name of ['settle', 'claimDue', 'nextDueAt']) {
  const orig = st[name].bind(st); let n = 0, t = 0, max = 0;
  st[name] = async (...a: any[]) => { const t0 = performance.now(); try { return await orig(...a); } finally { const d = performance.now() - t0; n++; t += d; max = Math.max(max, d); if (n % 200 === 0) console.log(name, n, 'avg', (t / n).toFixed(2), 'max', max.toFixed(1)); } };
}
const inv = (m.delivery.dispatcher as any);
const t0 = performance.now();
m.delivery.start();
while ((await m.store.countDeliveries('done')) < 3000) await new Promise((r) => setTimeout(r, 100));
console.log('total s', (performance.now() - t0) / 1000);
await m.close(); await sink.stop();
