/**
 * What every protocol adapter does around an operation call, whatever its wire format: read the caller from the
 * SigV4 header into a RequestContext, and turn whatever the operation threw into a catalogue error (logging, never
 * returning, anything that is not a ServiceError). Adapters differ only in how they decode and encode.
 */
import { ERROR_CATALOGUE, ServiceError, type ErrorSpec } from '../errors.js';
import { ACCOUNT_ID, DEFAULT_REGION, type RequestContext } from './context.js';
import { parseAuthorization, type Credential, type SignatureVerifier } from './sigv4.js';
import { header, type WireRequest } from './wire.js';

export interface Logger {
  error(details: object, message: string): void;
}

/** The caller as the services see it; throws MissingAuthenticationTokenException for a malformed signature. */
export function requestContext(request: WireRequest, verifier: SignatureVerifier): RequestContext {
  return caller(request, verifier).context;
}

/** The context and the SigV4 credential it came from (the query protocol routes by the credential's service). */
export function caller(request: WireRequest, verifier: SignatureVerifier): { context: RequestContext; credential?: Credential } {
  const credential = parseAuthorization(header(request, 'authorization'));
  if (credential) verifier.verify(credential, request);
  const host = header(request, 'host');
  const context: RequestContext = {
    region: credential?.region || DEFAULT_REGION,
    accountId: ACCOUNT_ID,
    requestId: request.requestId,
    accessKeyId: credential?.accessKeyId,
    ...(host !== undefined && { endpoint: `http://${host}` }),
  };
  return credential ? { context, credential } : { context };
}

export interface WireError {
  /** The code on the JSON and CBOR wires (`__type`, before any namespace). */
  type: string;
  /** The code query-protocol clients read (`x-amzn-query-error`, `<Code>`). */
  queryCode: string;
  spec: ErrorSpec;
  message: string;
}

/** The catalogue error for `err`; anything else is logged with the request id and answered as InternalException. */
export function wireError(err: unknown, requestId: string, log: Logger): WireError {
  if (err instanceof ServiceError) {
    return { type: err.spec.jsonCode ?? err.code, queryCode: err.spec.queryCode ?? err.code, spec: err.spec, message: err.message };
  }
  // Never leak internals to the client; log them with the request id so an operator can find them.
  log.error({ err, requestId }, 'unhandled error in operation');
  return {
    type: 'InternalException',
    queryCode: 'InternalException',
    spec: ERROR_CATALOGUE.InternalException,
    message: 'An internal error occurred; the request can be retried.',
  };
}

/** The `x-amzn-query-error` header value query-compatible services send: `<query code>;<Sender|Receiver>`. */
export function queryErrorHeader(error: WireError): string {
  return `${error.queryCode};${error.spec.fault}`;
}
