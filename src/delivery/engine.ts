/**
 * Builds the delivery engine from Mailroom's parts: the invokers for each target kind, the EventBridge, Lambda and
 * SNS handlers, per-target limits, and the dispatcher that drives them. One place to see what delivers what.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EventBridge, Router } from '../events/index.js';
import type { ConfigFeed } from '../events/config-feed.js';
import { parseEventsResourceArn } from '../events/arns.js';
import type { FunctionRegistry } from '../functions/registry.js';
import { FunctionRunner } from '../functions/index.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { NewQueueMessage } from '../store/queues.js';
import type { Store } from '../store/store.js';
import type { Sns } from '../topics/index.js';
import { Dispatcher } from './dispatcher.js';
import { FunctionHandler } from './function-handler.js';
import { ApiDestinationInvoker } from './invokers/api-destination.js';
import { EventBusInvoker } from './invokers/event-bus.js';
import { AsyncFunctionInvoker } from './invokers/function.js';
import { HttpClient } from './invokers/http-call.js';
import { SmtpClient, type SmtpConfig } from './invokers/smtp.js';
import { SqsInvoker } from './invokers/sqs.js';
import { EVENTS_SENDER, QueueSink } from './queue-sink.js';
import { RoutedTargetResolver } from './resolver.js';
import { SnsHandler } from './sns/handler.js';
import { SNS_SENDER } from './sns/queue.js';
import { TargetHandler } from './target-handler.js';
import { TargetLimiter } from './target-limiter.js';

const LOOKUP_CACHE_MS = 5_000;

export interface DeliveryEngineOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  router: Router;
  eventBridge: EventBridge;
  functions: FunctionRegistry;
  metrics: MetricRecorder;
  /** Told of messages the engine wrote to a queue (SQS targets, dead letters): wakes its long polls, counts them. */
  messagesSent: (messages: readonly NewQueueMessage[]) => void;
  sns: Sns;
  /** The SMTP server email subscriptions are delivered through, if one is configured. */
  smtp?: SmtpConfig;
  /** Where relative function handler paths start. */
  functionsBaseDir?: string;
  concurrencyPerTarget?: number;
  /** See DispatcherOptions.pollMs. */
  pollMs?: number;
  /** Connections and API destinations changed through any process: the lookups kept of them are dropped. */
  configFeed?: ConfigFeed;
}

export interface DeliveryEngine {
  readonly dispatcher: Dispatcher;
  start(): void;
  /** Lets in-flight deliveries finish (or gives them back) and stops the function workers. */
  stop(): Promise<void>;
}

export function createDeliveryEngine(o: DeliveryEngineOptions): DeliveryEngine {
  // EventBridge's dead letters are sends by events.amazonaws.com, which the DLQ's Policy governs. A function's
  // destination records are sent by its execution role, which AWS governs by the role's own policy; Mailroom has
  // no roles, so no policy governs them.
  const deadLetters = new QueueSink(o.store, o.clock, EVENTS_SENDER);
  const destinations = new QueueSink(o.store, o.clock);
  const forward = (bus: string, envelope: string) => o.eventBridge.events.forward(bus, envelope);
  // Destinations and connections are read on every call; keep them a few seconds (of clock time) rather than
  // reading the store each time. A change through any process empties the cache as the configuration feed brings
  // it (within a second); the time bounds what a lost change could leave.
  const cache = new Map<string, { until: number; record: Promise<unknown> }>();
  const byName = <T extends { arn: string }>(arn: string, kind: string, get: (name: string) => Promise<T | undefined>): Promise<T | undefined> => {
    const now = o.clock.now();
    const hit = cache.get(arn);
    if (hit && hit.until > now) return hit.record as Promise<T | undefined>;
    const parsed = parseEventsResourceArn(arn);
    const record = (parsed?.kind === kind ? get(parsed.name) : Promise.resolve(undefined)).then((r) => (r?.arn === arn ? r : undefined));
    if (cache.size > 10_000) cache.clear();
    cache.set(arn, { until: now + LOOKUP_CACHE_MS, record });
    return record;
  };
  // One HTTP client (and so one HTTP thread: see http-thread.ts) for API destinations and SNS's HTTP/S endpoints.
  const http = new HttpClient(o.clock);
  const apiDestinations = new ApiDestinationInvoker({
    clock: o.clock,
    http,
    lookup: {
      apiDestination: (arn) => byName(arn, 'api-destination', (n) => o.store.getApiDestination(n)),
      connection: (arn) => byName(arn, 'connection', (n) => o.store.getConnection(n)),
    },
    onAuthorization: (connectionArn, state) => o.logger.info({ connection: connectionArn, state }, 'connection authorization changed'),
  });
  const resolver = new RoutedTargetResolver(o.router, o.store, o.clock);
  const forgetLookups = () => {
    cache.clear();
    resolver.forgetRates();
  };
  const unsubscribe = o.configFeed?.subscribe({
    changed: (change) => {
      if (change.kind === 'connection' || change.kind === 'api-destination') forgetLookups();
    },
    reset: forgetLookups,
  });
  const runner = new FunctionRunner({ clock: o.clock, baseDir: o.functionsBaseDir });
  const sns = new SnsHandler({
    clock: o.clock,
    logger: o.logger,
    metrics: o.metrics,
    store: o.store,
    signer: o.sns.signer,
    links: o.sns.links,
    http,
    ...(o.smtp && { smtp: new SmtpClient(o.smtp, o.clock) }),
    functionExists: (name) => o.functions.get(name) !== undefined,
    messagesSent: o.messagesSent,
    // A subscription's dead letters are sends by sns.amazonaws.com, which the queue's Policy governs.
    deadLetters: new QueueSink(o.store, o.clock, SNS_SENDER),
  });
  const invokers = [apiDestinations, new EventBusInvoker(forward), new SqsInvoker(o.store, o.clock, o.messagesSent), new AsyncFunctionInvoker((name) => o.functions.get(name) !== undefined)];
  const dispatcher = new Dispatcher({
    store: o.store,
    clock: o.clock,
    logger: o.logger,
    limiter: new TargetLimiter(o.clock, o.concurrencyPerTarget ?? 32),
    owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    messagesSent: o.messagesSent,
    pollMs: o.pollMs,
    handlers: {
      target: new TargetHandler({ clock: o.clock, logger: o.logger, targets: resolver, invokers, deadLetters, metrics: o.metrics }),
      function: new FunctionHandler({ clock: o.clock, logger: o.logger, functions: o.functions, runner, history: (id) => o.store.attemptHistory(id), destinations, forward, publish: (topic, message) => o.sns.publish(topic, message), metrics: o.metrics }),
      sns,
    },
  });
  let stopping: Promise<void> | undefined;
  return {
    dispatcher,
    start: () => dispatcher.start(),
    stop: () => (stopping ??= dispatcher.stop().then(async () => {
      unsubscribe?.();
      await runner.close();
      http.close();
    })),
  };
}
