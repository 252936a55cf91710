/**
 * Smithy RPC v2 CBOR: `POST {prefix}/service/<ServiceName>/operation/<Operation>` with `smithy-protocol:
 * rpc-v2-cbor` and a CBOR map as the body. It is what boto3 and the newer SDKs speak to CloudWatch.
 *
 * The operations are the same functions the awsJson adapter calls, so the input is brought to awsJson's
 * conventions before the call (timestamps, CBOR tag 1, become epoch seconds; byte strings become base64) and the
 * output's Dates go out as tag 1 epoch seconds. Errors are a CBOR map with `__type` (the absolute shape id) and
 * `message`; a query-compatible service (CloudWatch) adds `x-amzn-query-error`, from which current SDKs take the
 * code. Operations without output (Smithy's Unit) answer with an empty body and no Content-Type, as the spec asks;
 * Mailroom's operations return `{}` for those.
 */
import { Decoder, Encoder } from 'cbor-x';
import { ServiceError } from '../errors.js';
import { queryErrorHeader, requestContext, wireError, type Logger } from './service-call.js';
import type { SignatureVerifier } from './sigv4.js';
import { header, type ProtocolAdapter, type ServiceOperations, type WireRequest, type WireResponse } from './wire.js';

export interface CborService extends ServiceOperations {
  /** The service shape's name, the path's `<ServiceName>` (CloudWatch: "GraniteServiceVersion20100801"). */
  readonly serviceName: string;
  /** The service shape's namespace, for absolute error shape ids (CloudWatch: "com.amazonaws.cloudwatch"). */
  readonly namespace: string;
  readonly queryCompatible?: boolean;
}

const PROTOCOL = 'rpc-v2-cbor';
// The last four segments route (a prefix such as /v1 may come before them); the operation is a bare name.
const PATH = /\/service\/([^/?]+)\/operation\/([^/?]+)\/?(?:\?.*)?$/;

// Plain maps and arrays only: no records extension, no tagged typed arrays, Dates as tag 1 epoch seconds.
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

export class RpcV2CborAdapter implements ProtocolAdapter {
  readonly name = 'rpcv2Cbor';
  readonly #services = new Map<string, CborService>();

  constructor(
    services: CborService[],
    private readonly verifier: SignatureVerifier,
    private readonly log: Logger,
  ) {
    for (const s of services) {
      this.#services.set(s.serviceName, s);
      // The spec asks servers to accept the absolute shape id too, with '#' written as '.'.
      this.#services.set(`${s.namespace}.${s.serviceName}`, s);
    }
  }

  claims(request: WireRequest): boolean {
    return request.method === 'POST' && header(request, 'smithy-protocol')?.toLowerCase() === PROTOCOL && PATH.test(request.path);
  }

  async handle(request: WireRequest): Promise<WireResponse> {
    const [, serviceName, operationName] = PATH.exec(request.path)!;
    const service = this.#services.get(decodeURIComponent(serviceName!));
    try {
      if (!service) throw new ServiceError('UnknownOperationException', `Mailroom serves no service '${serviceName}' over rpc-v2-cbor.`);
      const operation = Object.hasOwn(service.operations, operationName!) ? service.operations[operationName!] : undefined;
      if (!operation) throw new ServiceError('UnknownOperationException', `${service.service} has no operation ${operationName}`);
      // The spec makes a request that also names an awsJson target malformed, and servers must refuse it.
      if (header(request, 'x-amz-target') !== undefined || header(request, 'x-amzn-target') !== undefined) {
        throw new ServiceError('SerializationException', 'An rpc-v2-cbor request must not carry X-Amz-Target.');
      }
      const contentType = header(request, 'content-type');
      if (request.body.length > 0 && !/^application\/cbor\b/i.test(contentType ?? '')) {
        throw new ServiceError('UnsupportedMediaTypeException', `Content-Type must be application/cbor; got '${contentType ?? ''}'.`);
      }
      const context = requestContext(request, this.verifier);
      const output = await operation(decodeInput(request.body), context);
      return success(output, request.requestId);
    } catch (err) {
      return this.#error(err, request, service);
    }
  }

  #error(err: unknown, request: WireRequest, service: CborService | undefined): WireResponse {
    const error = wireError(err, request.requestId, this.log);
    const headers = cborHeaders(request.requestId);
    if (service?.queryCompatible) headers['x-amzn-query-error'] = queryErrorHeader(error);
    const type = service ? `${service.namespace}#${error.type}` : error.type;
    return { status: error.spec.status, headers, body: encoder.encode({ __type: type, message: error.message }) };
  }
}

function cborHeaders(requestId: string): Record<string, string> {
  return { 'smithy-protocol': PROTOCOL, 'content-type': 'application/cbor', 'x-amzn-requestid': requestId };
}

function success(output: object, requestId: string): WireResponse {
  const headers = cborHeaders(requestId);
  if (Object.keys(output).length === 0) {
    delete headers['content-type'];
    return { status: 200, headers, body: Buffer.alloc(0) };
  }
  return { status: 200, headers, body: encoder.encode(withoutAbsent(output)) };
}

/** The spec forbids serialising null and CBOR `undefined`: optional members left unset are omitted instead. */
function withoutAbsent(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutAbsent);
  if (value === null || typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = withoutAbsent(v);
  return out;
}

/** The request body as the awsJson-style input object the operations take; an empty body is an empty input. */
export function decodeInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = decoder.decode(body);
  } catch (err) {
    throw new ServiceError('SerializationException', `Request body is not valid CBOR: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date || Buffer.isBuffer(value)) {
    throw new ServiceError('SerializationException', 'Request body must be a CBOR map.');
  }
  return toJsonConventions(value) as Record<string, unknown>;
}

/** Tag 1 timestamps → epoch seconds, byte strings → base64, CBOR `undefined` → absent: what awsJson would carry. */
function toJsonConventions(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonConventions);
  if (value instanceof Map) return toJsonConventions(Object.fromEntries(value));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonConventions(v);
    return out;
  }
  return value;
}

/** Encodes a value the way this adapter answers (for tests and clients that need the same CBOR). */
export function encodeCbor(value: unknown): Buffer {
  return encoder.encode(value);
}

/** Decodes CBOR as this adapter does, without converting to awsJson conventions. */
export function decodeCbor(body: Buffer): unknown {
  return decoder.decode(body);
}
