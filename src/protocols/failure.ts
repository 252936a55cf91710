/**
 * Turns whatever an operation threw into the error an adapter writes: a ServiceError as it is, anything else as
 * InternalException — logged with the request id for the operator, never shown to the client.
 */
import { ERROR_CATALOGUE, ServiceError, type ErrorSpec } from '../errors.js';

export interface Logger {
  error(details: object, message: string): void;
}

export interface Failure {
  code: string;
  spec: ErrorSpec;
  message: string;
}

export function describeFailure(err: unknown, requestId: string, log: Logger): Failure {
  if (err instanceof ServiceError) return { code: err.code, spec: err.spec, message: err.message };
  log.error({ err, requestId }, 'unhandled error in operation');
  return { code: 'InternalException', spec: ERROR_CATALOGUE.InternalException, message: 'An internal error occurred; the request can be retried.' };
}
