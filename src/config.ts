/**
 * Server configuration, resolved once: command-line flags over environment variables over a JSON config file over
 * defaults. The result is validated and frozen; an invalid value fails at start with the setting named.
 * Lambda-style functions, the SMTP server for SNS email and the public URL can only come from the config file;
 * function handler paths start at the file's directory.
 * The root key (docs/encryption.md) comes from a file (`rootKeyFile`, any source; a relative path in the config file
 * starts at the file's directory) or, as base64, from MAILROOM_ROOT_KEY only: never a flag, which other users of
 * the machine can read in the process list, nor a config file, which tends to be committed.
 * The secure defaults (default alarms, where the alerts topic sends) come from all four, like the server's own
 * settings (docs/monitoring.md, Secure defaults).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SmtpConfig } from './delivery/invokers/smtp.js';
import { FunctionSpecError, parseHandler, resolveFunctionSpec, type FunctionSpec } from './functions/spec.js';
import { isPostgresUrl } from './store/index.js';

export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** A postgres:// URL: the shared PostgreSQL store instead of the embedded one in dataDir. */
  readonly store?: string;
  /** PostgreSQL connections per process. */
  readonly poolSize: number;
  /** How often (ms of the clock) each process reads the configuration changes other processes made, at the most. */
  readonly configPollMs: number;
  readonly timeScale: number;
  /** Where scaled time starts, in wall-clock ms since the epoch (default: the process's start). */
  readonly timeOrigin?: number;
  readonly logLevel: string;
  /** The config file's `functions`, validated (see docs/functions.md). */
  readonly functions: readonly Readonly<FunctionSpec>[];
  /** Where relative handler paths start: the config file's directory, else the working directory. */
  readonly functionsBaseDir: string;
  /** The SMTP server SNS email subscriptions are delivered through (docs/topics.md). */
  readonly smtp?: Readonly<SmtpConfig>;
  /** The URL SNS subscribers reach Mailroom at, when it is not the address it listens on. */
  readonly publicUrl?: string;
  /** The root key file; without it (and without rootKey), root.key in the data directory. */
  readonly rootKeyFile?: string;
  /** The root key in base64, from MAILROOM_ROOT_KEY. */
  readonly rootKey?: string;
  /** Default alarms on dead-letter queues and failing targets, notifying the alerts topic (default true). */
  readonly defaultAlarms: boolean;
  /** An http(s) URL the alerts topic sends to (an operator-configured, pre-confirmed subscription). */
  readonly alertsWebhook?: string;
  /** An email address the alerts topic sends to (needs `smtp`). */
  readonly alertsEmail?: string;
}

/** The settings that a flag or an environment variable can give as well as the file, with a default. */
type Setting = Exclude<keyof ResolvedConfig, 'functions' | 'functionsBaseDir' | 'smtp' | 'publicUrl' | 'rootKeyFile' | 'rootKey'>;
type FileOnly = { functions?: unknown; smtp?: unknown; publicUrl?: unknown; rootKeyFile?: unknown };

export type ConfigInput = Partial<Record<Setting | 'rootKeyFile', string | number | boolean | undefined>>;

const DEFAULTS: Pick<ResolvedConfig, Setting> = { host: '127.0.0.1', port: 4010, dataDir: './.mailroom', timeScale: 1, logLevel: 'info', poolSize: 10, configPollMs: 1000, defaultAlarms: true };
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const ENV: Record<Setting, string> = {
  host: 'MAILROOM_HOST',
  port: 'MAILROOM_PORT',
  dataDir: 'MAILROOM_DATA_DIR',
  timeScale: 'MAILROOM_TIME_SCALE',
  timeOrigin: 'MAILROOM_TIME_ORIGIN',
  logLevel: 'MAILROOM_LOG_LEVEL',
  store: 'MAILROOM_DATABASE_URL',
  poolSize: 'MAILROOM_POOL_SIZE',
  configPollMs: 'MAILROOM_CONFIG_POLL_MS',
  defaultAlarms: 'MAILROOM_DEFAULT_ALARMS',
  alertsWebhook: 'MAILROOM_ALERTS_WEBHOOK',
  alertsEmail: 'MAILROOM_ALERTS_EMAIL',
};

export class ConfigError extends Error {}

export function resolveConfig(flags: ConfigInput, env: NodeJS.ProcessEnv, configFile?: string): ResolvedConfig {
  const { functions: fileFunctions, smtp: fileSmtp, publicUrl: filePublicUrl, rootKeyFile: fileRootKeyFile, ...file } = configFile ? readConfigFile(configFile) : {};
  const pick = (key: Setting) => flags[key] ?? env[ENV[key]] ?? file[key] ?? DEFAULTS[key];
  const port = Number(pick('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer from 0 to 65535, got '${pick('port')}'`);
  const timeScale = Number(pick('timeScale'));
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new ConfigError(`time scale must be a positive number, got '${pick('timeScale')}'`);
  const origin = pick('timeOrigin');
  const timeOrigin = origin === undefined ? undefined : Number(origin);
  if (timeOrigin !== undefined && (!Number.isInteger(timeOrigin) || timeOrigin < 0)) throw new ConfigError(`time origin must be milliseconds since the epoch, got '${origin}'`);
  const logLevel = String(pick('logLevel'));
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  const host = String(pick('host'));
  const dataDir = String(pick('dataDir'));
  if (!host || !dataDir) throw new ConfigError('host and data dir must not be empty');
  const store = pick('store');
  if (store !== undefined && !isPostgresUrl(String(store))) throw new ConfigError('store must be a postgres:// URL (the embedded SQLite store lives in the data dir)');
  const poolSize = Number(pick('poolSize'));
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) throw new ConfigError(`pool size must be an integer from 1 to 1000, got '${pick('poolSize')}'`);
  const configPollMs = Number(pick('configPollMs'));
  if (!Number.isInteger(configPollMs) || configPollMs < 10 || configPollMs > 3_600_000) {
    throw new ConfigError(`config poll interval must be an integer number of milliseconds from 10 to 3600000, got '${pick('configPollMs')}'`);
  }
  const functionsBaseDir = configFile ? dirname(resolve(configFile)) : process.cwd();
  const functions = Object.freeze(resolveFunctions(fileFunctions, configFile ?? '', functionsBaseDir));
  const smtp = resolveSmtp(fileSmtp, configFile ?? '');
  const publicUrl = resolvePublicUrl(filePublicUrl, configFile ?? '');
  const rootKeyFile = flags.rootKeyFile ?? env.MAILROOM_ROOT_KEY_FILE ?? (fileRootKeyFile === undefined ? undefined : resolve(functionsBaseDir, String(fileRootKeyFile)));
  const rootKey = env.MAILROOM_ROOT_KEY;
  if (rootKeyFile === '' || rootKey === '') throw new ConfigError('the root key file and MAILROOM_ROOT_KEY must not be empty when set');
  const alerts = resolveAlerts(pick('defaultAlarms'), pick('alertsWebhook'), pick('alertsEmail'), smtp !== undefined);
  return Object.freeze({
    host,
    port,
    dataDir,
    ...(store !== undefined && { store: String(store) }),
    poolSize,
    configPollMs,
    timeScale,
    ...(timeOrigin !== undefined && { timeOrigin }),
    logLevel,
    functions,
    functionsBaseDir,
    ...(smtp && { smtp }),
    ...(publicUrl && { publicUrl }),
    ...(rootKeyFile !== undefined && { rootKeyFile: String(rootKeyFile) }),
    ...(rootKey !== undefined && { rootKey }),
    ...alerts,
  });
}


/** `defaultAlarms` (true/false), `alertsWebhook` (an http(s) URL) and `alertsEmail` (an address; needs `smtp`). */
function resolveAlerts(defaultAlarms: unknown, webhook: unknown, email: unknown, smtp: boolean): Pick<ResolvedConfig, 'defaultAlarms' | 'alertsWebhook' | 'alertsEmail'> {
  const flag = typeof defaultAlarms === 'string' ? defaultAlarms.toLowerCase() : defaultAlarms;
  if (flag !== true && flag !== false && flag !== 'true' && flag !== 'false') throw new ConfigError(`default alarms must be true or false, got '${String(defaultAlarms)}'`);
  if (webhook !== undefined && (typeof webhook !== 'string' || !/^https?:\/\//.test(webhook) || !URL.canParse(webhook))) {
    throw new ConfigError(`alerts webhook must be an http:// or https:// URL, got '${String(webhook)}'`);
  }
  if (email !== undefined) {
    if (typeof email !== 'string' || !/^[^\s@<>]+@[^\s@<>]+$/.test(email)) throw new ConfigError(`alerts email must be an email address, got '${String(email)}'`);
    if (!smtp) throw new ConfigError('alerts email needs an SMTP server: set "smtp" in the config file (docs/topics.md, Email)');
  }
  return { defaultAlarms: flag === true || flag === 'true', ...(webhook !== undefined && { alertsWebhook: webhook }), ...(email !== undefined && { alertsEmail: email }) };
}

function readConfigFile(path: string): ConfigInput & FileOnly {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  const known = [...Object.keys(ENV), 'smtp', 'publicUrl', 'rootKeyFile', 'functions'];
  const unknown = Object.keys(parsed).filter((k) => !known.includes(k));
  if (unknown.length) throw new ConfigError(`config file ${path} has unknown settings: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return parsed as ConfigInput & FileOnly;
}

/** `smtp`: {"host", "port", "from", "secure"?, "username"?, "password"?}; credentials only over TLS. */
function resolveSmtp(value: unknown, path: string): Readonly<SmtpConfig> | undefined {
  if (value === undefined) return undefined;
  const where = `config file ${path}: smtp`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where} must be an object like {"host": "localhost", "port": 25, "from": "mailroom@example.com"}`);
  const { host, port, from, secure, username, password, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) throw new ConfigError(`${where} has unknown settings: ${unknown.join(', ')} (known: host, port, from, secure, username, password)`);
  if (typeof host !== 'string' || host === '') throw new ConfigError(`${where}.host must be a host name`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(`${where}.port must be an integer from 1 to 65535`);
  if (typeof from !== 'string' || !/^[^\s@<>]+@[^\s@<>]+$/.test(from)) throw new ConfigError(`${where}.from must be an email address`);
  if (secure !== undefined && typeof secure !== 'boolean') throw new ConfigError(`${where}.secure must be true or false`);
  if ((username === undefined) !== (password === undefined) || (username !== undefined && (typeof username !== 'string' || typeof password !== 'string'))) {
    throw new ConfigError(`${where}: username and password go together, as strings`);
  }
  if (username !== undefined && secure !== true) throw new ConfigError(`${where}: username and password need "secure": true (implicit TLS), so they never cross the network in the clear`);
  return Object.freeze({ host, port, from, ...(secure !== undefined && { secure }), ...(username !== undefined && { username: username as string, password: password as string }) });
}

function resolvePublicUrl(value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^https?:\/\//.test(value) || !URL.canParse(value)) throw new ConfigError(`config file ${path}: publicUrl must be an http:// or https:// URL, got ${JSON.stringify(value)}`);
  return value;
}

/** Validates the file's functions, naming the entry and the field that is wrong. */
function resolveFunctions(value: unknown, path: string, baseDir: string): Readonly<FunctionSpec>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(`config file ${path}: functions must be an array of objects like {"name": "orders", "handler": "handlers/orders.js"}`);
  const names = new Set<string>();
  return value.map((entry, i) => {
    const where = `config file ${path}: functions[${i}]`;
    let spec: Readonly<FunctionSpec>;
    try {
      spec = resolveFunctionSpec(entry);
    } catch (err) {
      if (err instanceof FunctionSpecError) throw new ConfigError(`${where}: ${err.message}`);
      throw err;
    }
    if (names.has(spec.name)) throw new ConfigError(`${where}: name '${spec.name}' is used by an earlier entry`);
    names.add(spec.name);
    // Lambda would accept a handler it cannot load and fail each invocation; at start, a typo is better caught here.
    const module = resolve(baseDir, parseHandler(spec.handler).module);
    if (!existsSync(module)) throw new ConfigError(`${where}: handler module ${module} does not exist (handler paths start at the config file's directory)`);
    return spec;
  });
}
