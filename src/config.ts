/**
 * Server configuration, resolved once: command-line flags over environment variables over a JSON config file over
 * defaults. The result is validated and frozen; an invalid value fails at start with the setting named.
 * Lambda-style functions can only come from the config file; their handler paths start at the file's directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
  readonly logLevel: string;
  /** The config file's `functions`, validated (see docs/functions.md). */
  readonly functions: readonly Readonly<FunctionSpec>[];
  /** Where relative handler paths start: the config file's directory, else the working directory. */
  readonly functionsBaseDir: string;
}

/** The settings that a flag or an environment variable can give as well as the file. */
type Setting = Exclude<keyof ResolvedConfig, 'functions' | 'functionsBaseDir'>;

export type ConfigInput = Partial<Record<Setting, string | number | undefined>>;

const DEFAULTS: Pick<ResolvedConfig, Setting> = { host: '127.0.0.1', port: 4010, dataDir: './.mailroom', timeScale: 1, logLevel: 'info', poolSize: 10, configPollMs: 1000 };
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const ENV: Record<Setting, string> = {
  host: 'MAILROOM_HOST',
  port: 'MAILROOM_PORT',
  dataDir: 'MAILROOM_DATA_DIR',
  timeScale: 'MAILROOM_TIME_SCALE',
  logLevel: 'MAILROOM_LOG_LEVEL',
  store: 'MAILROOM_DATABASE_URL',
  poolSize: 'MAILROOM_POOL_SIZE',
  configPollMs: 'MAILROOM_CONFIG_POLL_MS',
};

export class ConfigError extends Error {}

export function resolveConfig(flags: ConfigInput, env: NodeJS.ProcessEnv, configFile?: string): ResolvedConfig {
  const { functions: fileFunctions, ...file } = configFile ? readConfigFile(configFile) : {};
  const pick = (key: Setting) => flags[key] ?? env[ENV[key]] ?? file[key] ?? DEFAULTS[key];
  const port = Number(pick('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer from 0 to 65535, got '${pick('port')}'`);
  const timeScale = Number(pick('timeScale'));
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new ConfigError(`time scale must be a positive number, got '${pick('timeScale')}'`);
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
  return Object.freeze({ host, port, dataDir, ...(store !== undefined && { store: String(store) }), poolSize, configPollMs, timeScale, logLevel, functions, functionsBaseDir });
}

function readConfigFile(path: string): ConfigInput & { functions?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  const known = [...Object.keys(ENV), 'functions'];
  const unknown = Object.keys(parsed).filter((k) => !known.includes(k));
  if (unknown.length) throw new ConfigError(`config file ${path} has unknown settings: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return parsed as ConfigInput & { functions?: unknown };
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
