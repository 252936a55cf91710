/**
 * CloudWatch's input checking: the member shapes its operations share, and its error codes. Constraint violations
 * (lengths, enums, required members of the alarm and query operations) are CloudWatch's `ValidationError` with the
 * usual "1 validation error detected: ..." message; PutMetricData and GetMetricStatistics use their own modeled
 * errors (`InvalidParameterValue`, `MissingParameter`, `InvalidParameterCombination`).
 */
import { ServiceError } from '../errors.js';
import { decodeNextToken } from '../paging.js';
import { check, int, list, str, struct, type Shape } from '../protocols/shape.js';

export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type StatisticName = (typeof STATISTICS)[number];

export const UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
  'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second',
  'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second',
  'Terabits/Second', 'Count/Second', 'None',
] as const;

export const namespace = str({ min: 1, max: 255, pattern: /^[^:].*$/ });
export const metricName = str({ min: 1, max: 255 });
export const dimension = struct({ Name: str({ min: 1, max: 255 }), Value: str({ min: 1, max: 1024 }) }, ['Name', 'Value']);
export const dimensions = list(dimension, { max: 30 });
export const unit = str({ enum: UNITS });
export const statistic = str({ enum: STATISTICS });
export const period = int({ min: 1 });
export const timestampShape: Shape = { kind: 'timestamp' };

export interface Dimension {
  Name: string;
  Value: string;
}

/** check() with CloudWatch's code for constraint violations. */
export function checkInput<T>(input: unknown, shape: Shape): T {
  try {
    return check<T>(input, shape);
  } catch (err) {
    if (err instanceof ServiceError && err.code === 'ValidationException') throw new ServiceError('ValidationError', err.message);
    throw err;
  }
}

export const invalidValue = (message: string) => new ServiceError('InvalidParameterValueException', message);
export const missingParameter = (parameter: string) => new ServiceError('MissingRequiredParameterException', `The parameter ${parameter} is required.`);
export const invalidCombination = (message: string) => new ServiceError('InvalidParameterCombinationException', message);
export const validationError = (message: string) => new ServiceError('ValidationError', message);

/** Throws MissingParameter for the first of `names` that `input` lacks (PutMetricData, GetMetricStatistics). */
export function requireParameters(input: unknown, names: readonly string[], prefix = ''): void {
  const record = (input ?? {}) as Record<string, unknown>;
  for (const name of names) if (record[name] === undefined || record[name] === null) throw missingParameter(prefix + name);
}

/** A timestamp as awsJson carries it (epoch seconds, or an ISO string from hand-written clients) in ms. */
export function toMillis(value: number | string): number {
  return typeof value === 'number' ? Math.round(value * 1000) : Date.parse(value);
}

/** Dimensions as the store keys them. */
export function dimensionMap(list: readonly Dimension[] | undefined): Record<string, string> {
  return Object.fromEntries((list ?? []).map((d) => [d.Name, d.Value]));
}

/** The store's dimensions as CloudWatch lists them, sorted by name. */
export function dimensionList(map: Record<string, string>): Dimension[] {
  return Object.keys(map)
    .sort()
    .map((Name) => ({ Name, Value: map[Name]! }));
}

/** A percentile statistic (`p99`, `p99.9`): its p in (0, 100], or undefined for anything else. */
export function percentileOf(stat: string): number | undefined {
  const m = /^p(\d{1,3}(?:\.\d{1,10})?)$/.exec(stat);
  if (!m) return undefined;
  const p = Number(m[1]);
  return p > 0 && p <= 100 ? p : undefined;
}

/** A NextToken this API issued (src/paging.ts's form), with CloudWatch's error for anything else. */
export function decodeToken(token: string | undefined): string | undefined {
  try {
    return decodeNextToken(token);
  } catch {
    throw new ServiceError('InvalidNextToken', 'The NextToken provided is invalid.');
  }
}
