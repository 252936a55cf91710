/**
 * awsJson 1.0 / 1.1: `POST /` with `X-Amz-Target: <Prefix>.<Operation>` and a JSON body. EventBridge and KMS speak
 * 1.1, SQS and CloudWatch's JSON variant 1.0. Errors are `{"__type": code, "message": ...}` with AWS's status; a
 * service marked query-compatible (SQS) also gets the `x-amzn-query-error` header its SDKs read the code from.
 */
import { ServiceError } from '../errors.js';
import { queryErrorHeader, requestContext, wireError, type Logger } from './service-call.js';
import type { SignatureVerifier } from './sigv4.js';
import { header, type ProtocolAdapter, type ServiceOperations, type WireRequest, type WireResponse } from './wire.js';

export type { Logger } from './service-call.js';

export interface JsonService extends ServiceOperations {
  /** The X-Amz-Target prefix, e.g. "AWSEvents". */
  readonly targetPrefix: string;
  readonly jsonVersion: '1.0' | '1.1';
  /** The `__type` namespace some services put before the code (SQS: "com.amazonaws.sqs#"). */
  readonly errorTypePrefix?: string;
  readonly queryCompatible?: boolean;
  /** No operation's output holds a Date, so none needs the epoch-seconds replacer (SQS: its timestamps are numbers). */
  readonly datelessOutputs?: boolean;
}

export class AwsJsonAdapter implements ProtocolAdapter {
  readonly name = 'awsJson';
  readonly #services = new Map<string, JsonService>();

  constructor(
    services: JsonService[],
    private readonly verifier: SignatureVerifier,
    private readonly log: Logger,
  ) {
    for (const s of services) this.#services.set(s.targetPrefix, s);
  }

  claims(request: WireRequest): boolean {
    return request.method === 'POST' && header(request, 'x-amz-target') !== undefined;
  }

  async handle(request: WireRequest): Promise<WireResponse> {
    const target = header(request, 'x-amz-target')!;
    const dot = target.lastIndexOf('.');
    const service = this.#services.get(target.slice(0, dot));
    // Without a known service we cannot know its JSON version; 1.1 is what most clients accept.
    const version = service?.jsonVersion ?? '1.1';
    try {
      if (!service) throw new ServiceError('UnknownOperationException', `Unknown service in X-Amz-Target: ${target}`);
      const name = target.slice(dot + 1);
      // Own entries only: "constructor" or "toString" must not reach Object.prototype's functions.
      const operation = Object.hasOwn(service.operations, name) ? service.operations[name] : undefined;
      if (!operation) throw new ServiceError('UnknownOperationException', `${service.service} has no operation ${name}`);
      const contentType = header(request, 'content-type') ?? '';
      if (!/^application\/(x-amz-json-1\.[01]|json)\b/i.test(contentType)) {
        throw new ServiceError('UnsupportedMediaTypeException', `Content-Type must be application/x-amz-json-${version}; got '${contentType}'.`);
      }
      const context = requestContext(request, this.verifier);
      const output = await operation(parseBody(request.body), context);
      // A replacer takes JSON.stringify off V8's fast path and calls back into JS for every key: a 10-message
      // ReceiveMessage answer took 21 µs with it, 15 µs without. Looking for a Date first cost more than it saved.
      const body = service.datelessOutputs ? JSON.stringify(output) : JSON.stringify(output, epochSecondsReplacer);
      return { status: 200, headers: jsonHeaders(version, request.requestId), body };
    } catch (err) {
      return this.#error(err, request, version, service);
    }
  }

  #error(err: unknown, request: WireRequest, version: string, service: JsonService | undefined): WireResponse {
    const error = wireError(err, request.requestId, this.log);
    const headers = jsonHeaders(version, request.requestId);
    if (service?.queryCompatible) headers['x-amzn-query-error'] = queryErrorHeader(error);
    const type = (service?.errorTypePrefix ?? '') + error.type;
    return { status: error.spec.status, headers, body: JSON.stringify({ __type: type, message: error.message }) };
  }
}

/**
 * Services return timestamps as Dates so each protocol can write its own form; awsJson's is epoch seconds.
 * `this[key]` is the value before Date's toJSON turned it into an ISO string.
 */
function epochSecondsReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

function parseBody(body: Buffer): Record<string, unknown> {
  // AWS treats an empty body as an empty input object.
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ServiceError('SerializationException', `Request body is not valid JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ServiceError('SerializationException', 'Request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

function jsonHeaders(version: string, requestId: string): Record<string, string> {
  return { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': requestId };
}
