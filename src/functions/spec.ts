/**
 * Lambda-style functions as Mailroom registers them: a name, a handler module, a timeout and the asynchronous
 * invocation settings (retries, maximum event age, destinations). `resolveFunctionSpec` validates what a user
 * wrote, names the field that is wrong, fills Lambda's defaults and freezes the result.
 */

export interface FunctionSpec {
  name: string;
  /** `path/to/module.js[#export]`, relative to the runner's base directory; the export defaults to `handler`. */
  handler: string;
  /** 1–900, default 3 (Lambda's). */
  timeoutSeconds: number;
  /** Retries after a function error, 0–2, default 2. */
  maximumRetryAttempts: number;
  /** 60–21600, default 21600 (6 hours). */
  maximumEventAgeInSeconds: number;
  /** Destination ARN (SQS queue, SNS topic, event bus or function) for the invocation record of a failed event. */
  onFailure?: string;
  /** Destination ARN for the invocation record of a successful one. */
  onSuccess?: string;
}

export class FunctionSpecError extends Error {
  override readonly name = 'FunctionSpecError';
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
// Lambda's destination kinds: a queue, a topic, an event bus or another function.
const DESTINATION = /^arn:aws[a-z-]*:(sqs:[a-z0-9-]*:\d{12}:[A-Za-z0-9_.-]+|sns:[a-z0-9-]*:\d{12}:[A-Za-z0-9_.-]+|events:[a-z0-9-]*:\d{12}:event-bus\/[A-Za-z0-9/_.-]+|lambda:[a-z0-9-]*:\d{12}:function:[A-Za-z0-9_-]+)$/;
const FIELDS = new Set(['name', 'handler', 'timeoutSeconds', 'maximumRetryAttempts', 'maximumEventAgeInSeconds', 'onFailure', 'onSuccess']);

export function resolveFunctionSpec(input: unknown): Readonly<FunctionSpec> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new FunctionSpecError('A function must be an object with at least name and handler.');
  const raw = input as Record<string, unknown>;
  const label = typeof raw.name === 'string' ? `Function '${raw.name}'` : 'Function';
  const fail = (message: string): never => {
    throw new FunctionSpecError(`${label}: ${message}`);
  };
  // A misspelt setting would otherwise be ignored silently and its default used.
  for (const key of Object.keys(raw)) if (!FIELDS.has(key)) fail(`unknown setting '${key}'; known settings are ${[...FIELDS].join(', ')}.`);
  if (typeof raw.name !== 'string' || !NAME.test(raw.name)) fail('name must be 1 to 64 letters, digits, hyphens or underscores.');
  if (typeof raw.handler !== 'string' || raw.handler.trim() === '') fail("handler must name a module, e.g. 'handlers/orders.js' or 'handlers/orders.js#onOrder'.");
  const int = (key: string, min: number, max: number, fallback: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(`${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
    return value as number;
  };
  const destination = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !DESTINATION.test(value)) fail(`${key} must be the ARN of an SQS queue, an SNS topic, an event bus or a function, got ${JSON.stringify(value)}.`);
    return value as string;
  };
  return Object.freeze({
    name: raw.name as string,
    handler: raw.handler as string,
    timeoutSeconds: int('timeoutSeconds', 1, 900, 3),
    maximumRetryAttempts: int('maximumRetryAttempts', 0, 2, 2),
    maximumEventAgeInSeconds: int('maximumEventAgeInSeconds', 60, 21600, 21600),
    ...(raw.onFailure !== undefined && { onFailure: destination('onFailure') }),
    ...(raw.onSuccess !== undefined && { onSuccess: destination('onSuccess') }),
  });
}

export function functionArn(name: string, region = 'us-east-1', account = '000000000000'): string {
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

/** The module path and export name of `module[#export]`. */
export function parseHandler(handler: string): { module: string; exportName: string } {
  const hash = handler.lastIndexOf('#');
  return hash < 0 ? { module: handler, exportName: 'handler' } : { module: handler.slice(0, hash), exportName: handler.slice(hash + 1) || 'handler' };
}
