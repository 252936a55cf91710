/**
 * The `mailroom` command: `serve` runs the server; `test-pattern`, `put-events`, `alarms list` and `metrics` are
 * for quick use from a shell; `dead-letters` and `dlq` (dlq.ts) look after dead letters on a running server.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import pino from 'pino';
import { ConfigError, resolveConfig } from '../config.js';
import { RootKeyError } from '../keys/errors.js';
import { InvalidEventError, InvalidEventPatternError, testEventPattern } from '../patterns/index.js';
import { startServer } from '../server/index.js';
import { VERSION } from '../version.js';
import { registerDlqCommands } from './dlq.js';
import { registerCloudWatchCommands } from './cloudwatch.js';

const program = new Command('mailroom')
  .description('A self-hosted event bus that never loses an event.\nSpeaks EventBridge\'s API on one port, so the AWS SDKs and the aws CLI work against it unchanged.')
  .version(VERSION);

program
  .command('serve')
  .description('Run the Mailroom server (all AWS-compatible APIs on one port)')
  .addOption(new Option('--port <port>', 'port to listen on [default: 4010]').env('MAILROOM_PORT'))
  .addOption(new Option('--host <host>', 'address to bind; 0.0.0.0 exposes Mailroom to your network [default: 127.0.0.1]').env('MAILROOM_HOST'))
  .addOption(new Option('--data <dir>', 'data directory for the embedded store [default: ./.mailroom]').env('MAILROOM_DATA_DIR'))
  .addOption(new Option('--store <url>', 'postgres://user:password@host:5432/db: keep everything in PostgreSQL, shared by several Mailroom processes, instead of the data directory').env('MAILROOM_DATABASE_URL'))
  .addOption(new Option('--pool-size <n>', 'PostgreSQL connections per process [default: 10]').env('MAILROOM_POOL_SIZE'))
  .addOption(new Option('--config-poll-ms <ms>', 'how often to read rule and target changes made through other processes, at the most [default: 1000]').env('MAILROOM_CONFIG_POLL_MS'))
  .addOption(new Option('--time-scale <n>', 'run time N times faster: every delay, timeout and age (600 = a minute in 0.1 s) [default: 1]').env('MAILROOM_TIME_SCALE'))
  .addOption(new Option('--time-origin <ms>', 'where scaled time starts, in ms since the epoch: give every process sharing a database the same [default: now]').env('MAILROOM_TIME_ORIGIN'))
  .addOption(new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent [default: info]').env('MAILROOM_LOG_LEVEL'))
  .addOption(new Option('--root-key-file <file>', 'the root key that unlocks the data directory (docs/encryption.md); MAILROOM_ROOT_KEY gives it as base64 instead [default: root.key in the data directory, generated on a first run]').env('MAILROOM_ROOT_KEY_FILE'))
  .option('--no-deliver', 'accept and store events without delivering them (deliveries wait in the store for a process that delivers)')
  .option('--no-default-alarms', 'do not create the default alarms on dead-letter queues and failing targets (MAILROOM_DEFAULT_ALARMS=false; see docs/monitoring.md)')
  .addOption(new Option('--alerts-webhook <url>', 'send the alerts topic (mailroom-alerts) to this http(s) URL').env('MAILROOM_ALERTS_WEBHOOK'))
  .addOption(new Option('--alerts-email <address>', 'send the alerts topic to this email address (needs smtp in the config file)').env('MAILROOM_ALERTS_EMAIL'))
  .option('--config <file>', 'JSON file with any of: host, port, dataDir, timeScale, logLevel, store, poolSize, configPollMs, rootKeyFile, defaultAlarms, alertsWebhook, alertsEmail, functions, smtp, publicUrl (see docs/functions.md)')
  .addHelpText('after', '\nExample:\n  npx mailroom serve --port 4010 --data ./.mailroom\n  aws --endpoint-url http://127.0.0.1:4010 events list-event-buses')
  .action(async (opts: { port?: string; host?: string; data?: string; store?: string; poolSize?: string; configPollMs?: string; timeScale?: string; timeOrigin?: string; logLevel?: string; rootKeyFile?: string; config?: string; deliver: boolean; defaultAlarms: boolean; alertsWebhook?: string; alertsEmail?: string }) => {
    const flags = {
      port: opts.port,
      host: opts.host,
      dataDir: opts.data,
      store: opts.store,
      poolSize: opts.poolSize,
      configPollMs: opts.configPollMs,
      timeScale: opts.timeScale,
      timeOrigin: opts.timeOrigin,
      logLevel: opts.logLevel,
      rootKeyFile: opts.rootKeyFile,
      // Commander makes the negated flag true when absent; only its presence is a setting, over env and file.
      defaultAlarms: opts.defaultAlarms ? undefined : false,
      alertsWebhook: opts.alertsWebhook,
      alertsEmail: opts.alertsEmail,
    };
    const config = resolveConfig(flags, process.env, opts.config);
    const logger = pino({ level: config.logLevel });
    const server = await startServer({ ...config, logger, deliver: opts.deliver });
    const where = config.store ? { store: withoutPassword(config.store) } : { dataDir: config.dataDir };
    logger.info({ url: server.url, ...where, timeScale: config.timeScale }, `Mailroom ${VERSION} listening on ${server.url}`);
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });

program
  .command('test-pattern')
  .description('Check whether an event pattern matches an event (as TestEventPattern does), without a server')
  .requiredOption('--pattern <json>', 'the event pattern, as JSON text or @file')
  .requiredOption('--event <json>', 'the event (with id, account, source, time, region, resources, detail-type), as JSON text or @file')
  .action((opts: { pattern: string; event: string }) => {
    try {
      const matched = testEventPattern(textOrFile(opts.pattern), textOrFile(opts.event));
      console.log(matched ? 'match' : 'no match');
      process.exitCode = matched ? 0 : 1;
    } catch (err) {
      if (!(err instanceof InvalidEventPatternError || err instanceof InvalidEventError)) throw err;
      console.error(`${err instanceof InvalidEventPatternError ? 'InvalidEventPatternException' : 'ValidationException'}: ${(err as Error).message}`);
      process.exitCode = 2;
    }
  });

program
  .command('put-events')
  .description('Send one event to a running Mailroom server (PutEvents)')
  .requiredOption('--source <source>', 'the event source, e.g. com.example.orders')
  .requiredOption('--detail-type <type>', 'the detail-type, e.g. "Order Placed"')
  .requiredOption('--detail <json>', 'the detail: a JSON object, as text or @file')
  .option('--bus <name>', 'event bus name or ARN', 'default')
  .option('--resource <arn...>', 'resource ARNs the event concerns')
  .option('--endpoint <url>', 'server URL', 'http://127.0.0.1:4010')
  .action(async (opts: { source: string; detailType: string; detail: string; bus: string; resource?: string[]; endpoint: string }) => {
    const entry = { Source: opts.source, DetailType: opts.detailType, Detail: textOrFile(opts.detail), EventBusName: opts.bus, Resources: opts.resource ?? [] };
    const response = await fetch(opts.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({ Entries: [entry] }),
    });
    const body = (await response.json()) as { Entries?: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[]; __type?: string; message?: string };
    const result = body.Entries?.[0];
    if (!response.ok || !result?.EventId) {
      console.error(`${result?.ErrorCode ?? body.__type}: ${result?.ErrorMessage ?? body.message}`);
      process.exitCode = 1;
      return;
    }
    console.log(result.EventId);
  });

program
  .command('dead-letters')
  .description('List dead letters that could not be written to their queue (kept in the fallback store, never dropped)')
  .option('--limit <n>', 'how many, newest first', '100')
  .option('--endpoint <url>', 'server URL', 'http://127.0.0.1:4010')
  .action(async (opts: { limit: string; endpoint: string }) => {
    const response = await fetch(`${opts.endpoint}/_mailroom/dead-letters/fallback?limit=${encodeURIComponent(opts.limit)}`);
    const body = (await response.json()) as { deadLetters?: { at: number; deliveryId: string; queueArn?: string; reason: string; attributes: Record<string, string> }[]; message?: string };
    if (!response.ok || !body.deadLetters) {
      console.error(`mailroom: ${body.message ?? response.statusText}`);
      process.exitCode = 1;
      return;
    }
    if (body.deadLetters.length === 0) console.log('no dead letters in the fallback store');
    for (const d of body.deadLetters) {
      console.log(`${new Date(d.at).toISOString()}  delivery ${d.deliveryId}  queue ${d.queueArn ?? '-'}\n  reason: ${d.reason}\n  error: ${d.attributes.ERROR_CODE ?? '-'} ${d.attributes.ERROR_MESSAGE ?? ''}`);
    }
  });

registerDlqCommands(program);
registerCloudWatchCommands(program);

/** A database URL fit for a log: the password replaced. */
function withoutPassword(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function textOrFile(value: string): string {
  return value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof RootKeyError) {
    console.error(`mailroom: ${err.message}`);
    process.exit(2);
  }
  // fetch failures (server not running) and the like: say what failed, not a stack trace.
  console.error(`mailroom: ${err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err)}`);
  process.exit(1);
});
