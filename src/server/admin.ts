/**
 * Mailroom's own HTTP endpoints under /_mailroom/: health (for load balancers and tests), the clock, so a test
 * can see the server's scaled time, the functions (functions-admin.ts) and dead-letter queues (admin-dlq.ts); and
 * Prometheus's /metrics (prometheus.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { RedriveService } from '../delivery/redrive.js';
import type { FunctionRegistry } from '../functions/registry.js';
import type { Store } from '../store/store.js';
import { registerDlqAdmin } from './admin-dlq.js';
import { registerFunctionsAdmin } from './functions-admin.js';
import { registerPrometheus } from './prometheus.js';

export interface AdminInfo {
  version: string;
  clock: Clock;
  timeScale: number;
  store: Store;
  functions: FunctionRegistry;
  redrive: RedriveService;
}

export function registerAdmin(app: FastifyInstance, info: AdminInfo): void {
  app.get('/_mailroom/health', async () => ({ status: 'ok', version: info.version, store: info.store.kind }));
  app.get('/_mailroom/clock', async () => ({ now: new Date(info.clock.now()).toISOString(), timeScale: info.timeScale }));
  registerFunctionsAdmin(app, info.functions);
  registerDlqAdmin(app, info.redrive);
  registerPrometheus(app, info);
}
