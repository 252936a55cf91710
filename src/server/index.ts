/**
 * Starting a Mailroom server: the library's services behind the protocol adapters on one HTTP port.
 */
import type { Logger } from 'pino';
import { ScaledClock, SystemClock, type Clock } from '../clock.js';
import type { SmtpConfig } from '../delivery/invokers/smtp.js';
import { createMailroom, type Mailroom } from '../mailroom.js';
import { AwsJsonAdapter } from '../protocols/aws-json.js';
import { QueryAdapter } from '../protocols/query.js';
import { RpcV2CborAdapter } from '../protocols/rpc-v2-cbor.js';
import { acceptAnySignature } from '../protocols/sigv4.js';
import { VERSION } from '../version.js';
import { startHttpServer } from './http-server.js';
import { SnsLinkAdapter } from './sns-links.js';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  /** A postgres:// URL: the shared PostgreSQL store instead of the embedded one in dataDir. */
  store?: string;
  /** PostgreSQL connections per process. */
  poolSize?: number;
  /** How often (ms of the clock) to read configuration changes made through other processes (default 1000). */
  configPollMs?: number;
  /** Simulated seconds per real second; 1 is real time. */
  timeScale: number;
  /** Where scaled time starts (wall-clock ms; default: now): the same for every process sharing a database. */
  timeOrigin?: number;
  logger: Logger;
  /** Lambda-style functions to register at start (the config file's). */
  functions?: readonly unknown[];
  /** Where relative function handler paths start. */
  functionsBaseDir?: string;
  /** Deliver matched events (default true); false makes an accept-only process that leaves delivery to others. */
  deliver?: boolean;
  /** The SMTP server for SNS email subscriptions. */
  smtp?: SmtpConfig;
  /** The URL SNS subscribers reach this server at; default: the address it listens on. */
  publicUrl?: string;
  /** Replaces the clock `timeScale` would make (tests pass a ManualClock). */
  clock?: Clock;
  /** The root key file (docs/encryption.md); default root.key in the data directory. */
  rootKeyFile?: string;
  /** The root key in base64; takes precedence over the file. */
  rootKey?: string;
  /** The secure defaults' alarms (docs/monitoring.md); `mailroom serve` resolves this to true unless turned off. */
  defaultAlarms?: boolean;
  /** Where the alerts topic sends: an http(s) URL, an email address. */
  alertsWebhook?: string;
  alertsEmail?: string;
}

export interface MailroomServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly mailroom: Mailroom;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<MailroomServer> {
  const clock = options.clock ?? (options.timeScale === 1 ? new SystemClock() : new ScaledClock(options.timeScale, options.timeOrigin));
  const { dataDir, store, poolSize, configPollMs, logger, functions, functionsBaseDir, deliver, smtp, publicUrl, defaultAlarms } = options;
  const rootKey = { file: options.rootKeyFile, base64: options.rootKey };
  const alerts = { webhook: options.alertsWebhook, email: options.alertsEmail };
  // Delivery starts once the server listens: SNS messages carry links to it, which must be right and answer.
  const mailroom = await createMailroom({ dataDir, store, poolSize, configPollMs, clock, logger, functions, functionsBaseDir, deliver: false, smtp, publicUrl, rootKey, defaultAlarms, alerts });
  // rpc-v2-cbor first: it must see (and refuse) a CBOR request that also carries X-Amz-Target. awsJson claims
  // requests with X-Amz-Target, query form posts and `?Action=` GETs: no request is claimed twice. The SNS links
  // (SubscribeURL, UnsubscribeURL: unsigned `?Action=` GETs without a Version) come before the query adapter.
  const adapters = [
    new SnsLinkAdapter(mailroom.sns, logger),
    new RpcV2CborAdapter([mailroom.cloudWatch.cborService()], acceptAnySignature, logger),
    new AwsJsonAdapter([mailroom.eventBridge.jsonService(), mailroom.sqs.jsonService(), mailroom.kms.jsonService(), mailroom.cloudWatch.jsonService()], acceptAnySignature, logger),
    new QueryAdapter([mailroom.sqs.queryService(), mailroom.sns.queryService(), mailroom.cloudWatch.queryService()], acceptAnySignature, logger),
  ];
  try {
    const http = await startHttpServer({
      host: options.host,
      port: options.port,
      adapters,
      logger: options.logger,
      admin: { version: VERSION, clock, timeScale: options.timeScale, store: mailroom.store, functions: mailroom.functions, redrive: mailroom.redrive },
    });
    mailroom.sns.links.serverListening(http.url);
    if (deliver !== false) mailroom.delivery.start();
    let closing: Promise<void> | undefined;
    // Stop taking requests first, so nothing is accepted after the store is closed.
    const close = () => {
      // SQS long polls answer now: the HTTP server's close waits for in-flight requests, up to 20 s for a poll.
      mailroom.sqs.close();
      return (closing ??= http.close().then(() => mailroom.close()));
    };
    return { url: http.url, port: http.port, mailroom, close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await mailroom.close();
    throw err;
  }
}
