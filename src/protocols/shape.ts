/**
 * Declarative input shapes, checked the way AWS's request layer checks them: a wrong JSON type is a
 * SerializationException; a missing, too-long, out-of-range or malformed value is a ValidationException whose
 * message lists every violation in AWS's wording ("2 validation errors detected: Value null at 'name' failed to
 * satisfy constraint: Member must not be null; ..."), with member paths in AWS's lowerCamel form
 * (`targets.1.member.retryPolicy.maximumRetryAttempts`). Unknown members are ignored, as AWS ignores them.
 */
import { ServiceError } from '../errors.js';

export type Shape =
  | { kind: 'string'; min?: number; max?: number; pattern?: RegExp; enum?: readonly string[] }
  | { kind: 'integer'; min?: number; max?: number }
  | { kind: 'double' }
  | { kind: 'boolean' }
  | { kind: 'timestamp' }
  | { kind: 'list'; member: Shape; min?: number; max?: number }
  | { kind: 'map'; value: Shape; max?: number }
  | { kind: 'structure'; members: Record<string, Shape>; required?: readonly string[] }
  | { kind: 'any' };

export const str = (c: Omit<Extract<Shape, { kind: 'string' }>, 'kind'> = {}): Shape => ({ kind: 'string', ...c });
export const int = (c: Omit<Extract<Shape, { kind: 'integer' }>, 'kind'> = {}): Shape => ({ kind: 'integer', ...c });
export const bool: Shape = { kind: 'boolean' };
export const double: Shape = { kind: 'double' };
export const timestamp: Shape = { kind: 'timestamp' };
export const any: Shape = { kind: 'any' };
export const list = (member: Shape, c: { min?: number; max?: number } = {}): Shape => ({ kind: 'list', member, ...c });
export const map = (value: Shape, c: { max?: number } = {}): Shape => ({ kind: 'map', value, ...c });
export const struct = (members: Record<string, Shape>, required: readonly string[] = []): Shape => ({ kind: 'structure', members, required });

/** Checks `input` against `shape`; returns it typed as T (the caller's interface mirrors the shape) or throws. */
export function check<T>(input: unknown, shape: Shape): T {
  // Almost every request is valid: a pass that only answers yes or no, building no member paths, clears it. Only
  // an invalid one pays for the walk that names its violations (which then finds at least one, or throws).
  if (conforms(input, shape)) return input as T;
  const violations: string[] = [];
  walk(input, shape, '', violations);
  if (violations.length > 0) {
    const n = violations.length;
    throw new ServiceError('ValidationException', `${n} validation error${n > 1 ? 's' : ''} detected: ${violations.join('; ')}`);
  }
  return input as T;
}

function memberPath(parent: string, name: string): string {
  const lower = name.charAt(0).toLowerCase() + name.slice(1);
  return parent ? `${parent}.${lower}` : lower;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  return `'${typeof value === 'string' ? value : JSON.stringify(value)}'`;
}

function fail(violations: string[], path: string, value: unknown, constraint: string): void {
  violations.push(`Value ${show(value)} at '${path}' failed to satisfy constraint: ${constraint}`);
}

function typeError(path: string, expected: string): ServiceError {
  return new ServiceError('SerializationException', `Value at '${path || 'input'}' must be ${expected}.`);
}

function walk(value: unknown, shape: Shape, path: string, violations: string[]): void {
  switch (shape.kind) {
    case 'any':
      return;
    case 'string': {
      if (typeof value !== 'string') throw typeError(path, 'a string');
      if (shape.min !== undefined && value.length < shape.min) fail(violations, path, value, `Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) fail(violations, path, value, `Member must have length less than or equal to ${shape.max}`);
      if (shape.pattern && !shape.pattern.test(value)) fail(violations, path, value, `Member must satisfy regular expression pattern: ${shape.pattern.source.replace(/^\^|\$$/g, '')}`);
      if (shape.enum && !shape.enum.includes(value)) fail(violations, path, value, `Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      return;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(path, 'an integer');
      if (shape.min !== undefined && value < shape.min) fail(violations, path, value, `Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value > shape.max) fail(violations, path, value, `Member must have value less than or equal to ${shape.max}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError(path, 'a boolean');
      return;
    case 'double':
      // awsJson writes the non-finite doubles as the strings "NaN", "Infinity" and "-Infinity"; whether they are
      // acceptable is the service's decision.
      if (typeof value !== 'number' && value !== 'NaN' && value !== 'Infinity' && value !== '-Infinity') throw typeError(path, 'a number');
      return;
    case 'timestamp':
      // awsJson sends epoch seconds (SDKs) or, from hand-written clients, ISO strings.
      if (typeof value !== 'number' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) throw typeError(path, 'a timestamp');
      return;
    case 'list': {
      if (!Array.isArray(value)) throw typeError(path, 'a list');
      if (shape.min !== undefined && value.length < shape.min) fail(violations, path, value, `Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && value.length > shape.max) fail(violations, path, value, `Member must have length less than or equal to ${shape.max}`);
      value.forEach((item, i) => walk(item, shape.member, `${path}.${i + 1}.member`, violations));
      return;
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError(path, 'a map');
      const entries = Object.entries(value);
      if (shape.max !== undefined && entries.length > shape.max) fail(violations, path, value, `Member must have length less than or equal to ${shape.max}`);
      for (const [k, v] of entries) walk(v, shape.value, `${path}.${k}`, violations);
      return;
    }
    case 'structure': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw typeError(path, 'a structure');
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (record[name] === undefined || record[name] === null) fail(violations, memberPath(path, name), null, 'Member must not be null');
      }
      for (const [name, member] of Object.entries(shape.members)) {
        const v = record[name];
        if (v !== undefined && v !== null) walk(v, member, memberPath(path, name), violations);
      }
      return;
    }
  }
}

/** Whether `walk` would find nothing wrong with `value`: the same checks, in the same order, with no messages. */
function conforms(value: unknown, shape: Shape): boolean {
  switch (shape.kind) {
    case 'any':
      return true;
    case 'string':
      return (
        typeof value === 'string' &&
        (shape.min === undefined || value.length >= shape.min) &&
        (shape.max === undefined || value.length <= shape.max) &&
        (shape.pattern === undefined || shape.pattern.test(value)) &&
        (shape.enum === undefined || shape.enum.includes(value))
      );
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && (shape.min === undefined || value >= shape.min) && (shape.max === undefined || value <= shape.max);
    case 'boolean':
      return typeof value === 'boolean';
    case 'double':
      return typeof value === 'number' || value === 'NaN' || value === 'Infinity' || value === '-Infinity';
    case 'timestamp':
      return typeof value === 'number' || (typeof value === 'string' && !Number.isNaN(Date.parse(value)));
    case 'list': {
      if (!Array.isArray(value) || (shape.min !== undefined && value.length < shape.min) || (shape.max !== undefined && value.length > shape.max)) return false;
      for (const item of value) if (!conforms(item, shape.member)) return false;
      return true;
    }
    case 'map': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
      let size = 0;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        size++;
        if (!conforms((value as Record<string, unknown>)[key], shape.value)) return false;
      }
      return shape.max === undefined || size <= shape.max;
    }
    case 'structure': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
      const record = value as Record<string, unknown>;
      if (shape.required) for (const name of shape.required) if (record[name] === undefined || record[name] === null) return false;
      for (const name in shape.members) {
        const v = record[name];
        if (v !== undefined && v !== null && !conforms(v, shape.members[name]!)) return false;
      }
      return true;
    }
  }
}
