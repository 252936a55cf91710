/**
 * Server configuration, resolved once: command-line flags over environment variables over a JSON config file over
 * defaults. The result is validated and frozen; an invalid value fails at start with the setting named.
 */
import { readFileSync } from 'node:fs';

export interface ResolvedConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly timeScale: number;
  readonly logLevel: string;
}

export type ConfigInput = Partial<Record<keyof ResolvedConfig, string | number | undefined>>;

const DEFAULTS: ResolvedConfig = { host: '127.0.0.1', port: 4010, dataDir: './.mailroom', timeScale: 1, logLevel: 'info' };
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const ENV: Record<keyof ResolvedConfig, string> = {
  host: 'MAILROOM_HOST',
  port: 'MAILROOM_PORT',
  dataDir: 'MAILROOM_DATA_DIR',
  timeScale: 'MAILROOM_TIME_SCALE',
  logLevel: 'MAILROOM_LOG_LEVEL',
};

export class ConfigError extends Error {}

export function resolveConfig(flags: ConfigInput, env: NodeJS.ProcessEnv, configFile?: string): ResolvedConfig {
  const file = configFile ? readConfigFile(configFile) : {};
  const pick = (key: keyof ResolvedConfig) => flags[key] ?? env[ENV[key]] ?? file[key] ?? DEFAULTS[key];
  const port = Number(pick('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer from 0 to 65535, got '${pick('port')}'`);
  const timeScale = Number(pick('timeScale'));
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new ConfigError(`time scale must be a positive number, got '${pick('timeScale')}'`);
  const logLevel = String(pick('logLevel'));
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`log level must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  const host = String(pick('host'));
  const dataDir = String(pick('dataDir'));
  if (!host || !dataDir) throw new ConfigError('host and data dir must not be empty');
  return Object.freeze({ host, port, dataDir, timeScale, logLevel });
}

function readConfigFile(path: string): ConfigInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${path} must hold a JSON object`);
  const unknown = Object.keys(parsed).filter((k) => !(k in DEFAULTS));
  if (unknown.length) throw new ConfigError(`config file ${path} has unknown settings: ${unknown.join(', ')} (known: ${Object.keys(DEFAULTS).join(', ')})`);
  return parsed as ConfigInput;
}
