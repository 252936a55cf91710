/**
 * Starting a Mailroom server: the library's services behind the protocol adapters on one HTTP port.
 */
import type { Logger } from 'pino';
import { ScaledClock, SystemClock } from '../clock.js';
import { createMailroom, type Mailroom } from '../mailroom.js';
import { AwsJsonAdapter } from '../protocols/aws-json.js';
import { QueryAdapter } from '../protocols/query.js';
import { RpcV2CborAdapter } from '../protocols/rpc-v2-cbor.js';
import { acceptAnySignature } from '../protocols/sigv4.js';
import { VERSION } from '../version.js';
import { startHttpServer } from './http-server.js';

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
  logger: Logger;
  /** Lambda-style functions to register at start (the config file's). */
  functions?: readonly unknown[];
  /** Where relative function handler paths start. */
  functionsBaseDir?: string;
  /** Deliver matched events (default true); false makes an accept-only process that leaves delivery to others. */
  deliver?: boolean;
}

export interface MailroomServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly mailroom: Mailroom;
  close(): Promise<void>;
}

export async function startServer(options: ServeOptions): Promise<MailroomServer> {
  const clock = options.timeScale === 1 ? new SystemClock() : new ScaledClock(options.timeScale);
  const mailroom = await createMailroom({ dataDir: options.dataDir, store: options.store, poolSize: options.poolSize, configPollMs: options.configPollMs, clock, logger: options.logger, functions: options.functions, functionsBaseDir: options.functionsBaseDir, deliver: options.deliver });
  // rpc-v2-cbor first: it must see (and refuse) a CBOR request that also carries X-Amz-Target. awsJson claims
  // requests with X-Amz-Target, query form posts and `?Action=` GETs: no request is claimed twice.
  const adapters = [
    new RpcV2CborAdapter([mailroom.cloudWatch.cborService()], acceptAnySignature, options.logger),
    new AwsJsonAdapter([mailroom.eventBridge.jsonService(), mailroom.sqs.jsonService(), mailroom.cloudWatch.jsonService()], acceptAnySignature, options.logger),
    new QueryAdapter([mailroom.sqs.queryService()], acceptAnySignature, options.logger),
  ];
  try {
    const http = await startHttpServer({
      host: options.host,
      port: options.port,
      adapters,
      logger: options.logger,
      admin: { version: VERSION, clock, timeScale: options.timeScale, store: mailroom.store, functions: mailroom.functions, redrive: mailroom.redrive },
    });
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
