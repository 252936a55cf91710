/**
 * The library entry: `createMailroom()` opens the store, builds the services and starts the delivery engine,
 * in-process, without HTTP. The server (`mailroom serve`) is this plus the protocol adapters on one port.
 *
 *   await using mailroom = await createMailroom({ dataDir: './.mailroom' });
 *   await mailroom.eventBridge.events.put({ Entries: [...] }, mailroom.context());
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { SystemClock, type Clock } from './clock.js';
import { createDeliveryEngine, type DeliveryEngine } from './delivery/engine.js';
import type { SmtpConfig } from './delivery/invokers/smtp.js';
import { RedriveService } from './delivery/redrive.js';
import { EventBridge, Router } from './events/index.js';
import { ConfigFeed } from './events/config-feed.js';
import { FunctionRegistry } from './functions/registry.js';
import { CloudWatch, topicsNotifier, type AlarmNotifier } from './monitoring/index.js';
import type { RootKeyOptions } from './keys/index.js';
import { KeyMaintenance } from './keys/maintenance.js';
import { keyProblem } from './kms/errors.js';
import { Kms } from './kms/index.js';
import { SecureDefaults } from './monitoring/defaults/secure-defaults.js';
import { MetricRecorder } from './monitoring/metric-recorder.js';
import { ACCOUNT_ID, DEFAULT_REGION, type RequestContext } from './protocols/context.js';
import { Sqs } from './queues/index.js';
import { QueueGaugeSampler } from './queues/queue-gauges.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';
import { Sns } from './topics/index.js';

export interface MailroomOptions {
  /** Where the embedded SQLite store keeps its files; created if missing. Not used with `store`. */
  dataDir?: string;
  /** A postgres:// URL: keep everything in PostgreSQL, shared with other Mailroom processes (docs/scaling.md). */
  store?: string;
  /** PostgreSQL connections in this process's pool (default 10). */
  poolSize?: number;
  /** Defaults to the system clock; tests pass a ManualClock, the server a ScaledClock. */
  clock?: Clock;
  /** Region used for in-process calls' ARNs (requests over HTTP take theirs from the signature). */
  region?: string;
  logger?: Logger;
  /** Deliver matched events to their targets (default true); false leaves deliveries pending in the store. */
  deliver?: boolean;
  /** Lambda-style functions to register at start (see docs/functions.md). */
  functions?: readonly unknown[];
  /** Where relative function handler paths start (default: the working directory). */
  functionsBaseDir?: string;
  /** Where CloudWatch alarm actions publish; default: Mailroom's own SNS topics. */
  alarmNotifier?: AlarmNotifier;
  /** Evaluate CloudWatch alarms on the clock (default true). */
  evaluateAlarms?: boolean;
  /** The SMTP server for SNS email subscriptions (see docs/topics.md); without one, they are refused. */
  smtp?: SmtpConfig;
  /** The URL SNS subscribers reach Mailroom at (SubscribeURL, UnsubscribeURL, SigningCertURL); default: the server's. */
  publicUrl?: string;
  /**
   * The root key that unlocks the data directory (docs/encryption.md); by default the file root.key in it,
   * generated on a first run with a warning to `logger`.
   */
  rootKey?: RootKeyOptions;
  /**
   * How often (clock time, default 1000 ms) to read the configuration change log when no wake-up came: the bound
   * on how long a rule or target changed through another process takes to reach this one (docs/scaling.md).
   */
  configPollMs?: number;
  /**
   * Secure defaults (docs/monitoring.md): a depth alarm on every dead-letter queue and a FailedInvocations alarm on
   * every rule with a target that retries, notifying the alerts topic `mailroom-alerts`. Off unless true here;
   * `mailroom serve` turns them on unless told not to.
   */
  defaultAlarms?: boolean;
  /** Where the alerts topic sends: an http(s) URL and an email address (needs `smtp`), subscribed pre-confirmed. */
  alerts?: { webhook?: string; email?: string };
  /** Record Mailroom's own AWS/* metrics (default true); false only to measure what recording costs. */
  metrics?: boolean;
}

export interface Mailroom extends AsyncDisposable {
  readonly clock: Clock;
  readonly store: Store;
  readonly logger: Logger;
  readonly eventBridge: EventBridge;
  readonly sqs: Sqs;
  readonly sns: Sns;
  readonly kms: Kms;
  readonly functions: FunctionRegistry;
  readonly metrics: MetricRecorder;
  /** Samples the AWS/SQS gauges of every queue each minute. */
  readonly queueGauges: QueueGaugeSampler;
  readonly cloudWatch: CloudWatch;
  readonly delivery: DeliveryEngine;
  /** Brings rule, target and destination changes made through other processes into this one. */
  readonly configFeed: ConfigFeed;
  /** Redrive of EventBridge dead letters (the admin API's /_mailroom/dlq). */
  readonly redrive: RedriveService;
  /** A request context for in-process calls. */
  context(): RequestContext;
  /** Stops delivering (in-flight attempts finish or are given back), then closes the store; idempotent. */
  close(): Promise<void>;
}

/**
 * How often (clock time) a process on a shared store looks for work other processes made, when no wake-up came:
 * wake-ups are the fast path, this the guarantee.
 */
const SHARED_STORE_POLL_MS = 1_000;

export async function createMailroom(options: MailroomOptions): Promise<Mailroom> {
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? pino({ level: 'silent' });
  const region = options.region ?? DEFAULT_REGION;
  if (options.store === undefined && options.dataDir === undefined) throw new TypeError('createMailroom needs a dataDir or a store URL');
  const store = await (options.store !== undefined ? openStore({ path: options.store, clock, poolSize: options.poolSize, rootKey: options.rootKey, logger }) : openStore({ dataDir: options.dataDir!, clock, rootKey: options.rootKey, logger }));
  // Other processes record deliveries and send messages to a shared store too: their wake-ups reach this
  // process's dispatcher and long polls, which also poll, since a wake-up can be lost.
  const pollMs = store.onWake ? SHARED_STORE_POLL_MS : undefined;
  const keyMaintenance = new KeyMaintenance(store.keyring, clock, logger);
  const kms = new Kms({ keyring: store.keyring, tags: store });
  const router = new Router(store);
  const configFeed = new ConfigFeed({ store, clock, logger, pollMs: options.configPollMs });
  configFeed.subscribe(router);
  let delivery: DeliveryEngine | undefined;
  // The services that name dead-letter queues and targets tell the secure defaults, made once CloudWatch is.
  let defaults: SecureDefaults | undefined;
  const deadLetterQueueNamed = async (queueArn: string) => defaults?.deadLetterQueueNamed(queueArn);
  const metrics = new MetricRecorder(store, clock, logger, undefined, options.metrics ?? true);
  const eventBridge = new EventBridge({ store, clock, router, metrics, onDeliveriesRecorded: () => delivery?.dispatcher.wake(), targetsPut: async (rule, targets) => defaults?.targetsPut(rule, targets), keyProblem: (ref) => keyProblem(store.keyring, ref) });
  const sqs = new Sqs({ store, clock, logger, metrics, pollMs, keyring: store.keyring, deadLetterQueueNamed });
  const sns = new Sns({ store, clock, metrics, publicUrl: options.publicUrl, emailEnabled: options.smtp !== undefined, deliveriesRecorded: () => delivery?.dispatcher.wake(), deadLetterQueueNamed });
  const queueGauges = new QueueGaugeSampler(store, clock, metrics, logger);
  const cloudWatch = new CloudWatch({ store, clock, logger, notifier: options.alarmNotifier ?? topicsNotifier(sns), flushMetrics: () => metrics.flush() });
  // Other processes sharing the store (PostgreSQL) announce new deliveries and messages; polling stays the truth.
  const unsubscribe = [store.onWake?.('deliveries', () => delivery?.dispatcher.wake()), store.onWake?.('queues', (queue) => sqs.wakeReceivers(queue))];
  let functions: FunctionRegistry;
  try {
    // Before any routes are loaded: what loads later reads the state after every change it has not seen.
    await configFeed.start();
    functions = await FunctionRegistry.open(store, clock, options.functions ?? []);
    defaults = new SecureDefaults({ store, alarms: cloudWatch.alarms, sns, logger, region, defaultAlarms: options.defaultAlarms ?? false, alerts: options.alerts });
    await defaults.start();
  } catch (err) {
    await keyMaintenance.stop();
    await configFeed.stop();
    await store.close();
    throw err;
  }
  delivery = createDeliveryEngine({ store, clock, logger, router, eventBridge, functions, metrics, messagesSent: (messages) => sqs.messagesSent(messages), sns, smtp: options.smtp, functionsBaseDir: options.functionsBaseDir, pollMs, configFeed });
  if (options.deliver !== false) delivery.start();
  queueGauges.start();
  // Move tasks run in every process: the one that accepts StartMessageMoveTask runs the task at once.
  sqs.moveTaskRunner.start();
  const redrive = new RedriveService({ store, clock, logger, router, metrics, recorded: () => delivery.dispatcher.wake() });
  if (options.evaluateAlarms !== false) cloudWatch.evaluator.start();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Long polls answer first, so none is left waiting on a closed store; move tasks give their leases back.
      for (const stop of unsubscribe) stop?.();
      await sqs.stop();
      await cloudWatch.evaluator.stop();
      await delivery.stop();
      await configFeed.stop();
      await queueGauges.stop();
      await metrics.flush();
      await keyMaintenance.stop();
      await store.close();
    })());
  return {
    clock,
    store,
    logger,
    eventBridge,
    sqs,
    sns,
    kms,
    functions,
    metrics,
    queueGauges,
    cloudWatch,
    delivery,
    configFeed,
    redrive,
    context: () => ({ region, accountId: ACCOUNT_ID, requestId: randomUUID() }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
