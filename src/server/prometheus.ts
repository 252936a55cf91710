/**
 * GET /metrics: Prometheus's scrape endpoint (text exposition 0.0.4), at the path Prometheus looks by default.
 * The event-loop delay is sampled from when the server starts; each scrape reports and resets it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { exposition } from '../monitoring/prometheus.js';
import type { Store } from '../store/store.js';

export function registerPrometheus(app: FastifyInstance, sources: { store: Store; clock: Clock }): void {
  const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  eventLoopDelay.enable();
  app.addHook('onClose', async () => eventLoopDelay.disable());
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await exposition({ ...sources, eventLoopDelay })));
}
