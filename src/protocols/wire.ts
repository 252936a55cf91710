/**
 * The protocol layer's view of HTTP: a request as bytes and headers in, a response out. Adapters (awsJson and
 * query XML now, rpc-v2-cbor next) implement `ProtocolAdapter`; the HTTP server only picks the adapter that claims
 * a request, so adding a protocol never touches the server.
 */
import type { RequestContext } from './context.js';

export interface WireRequest {
  method: string;
  path: string;
  /** Lower-cased header names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  requestId: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface ProtocolAdapter {
  readonly name: string;
  /** True when this adapter recognises the request (by header, path or content type). */
  claims(request: WireRequest): boolean;
  handle(request: WireRequest): Promise<WireResponse>;
}

/** One service operation: validated input in, output out; throws ServiceError for AWS-shaped failures. */
export type Operation = (input: Record<string, unknown>, context: RequestContext) => Promise<object>;

/** The operations of one AWS service, as one protocol exposes them. */
export interface ServiceOperations {
  /** Service name for docs and logs, e.g. "EventBridge". */
  readonly service: string;
  readonly operations: Readonly<Record<string, Operation>>;
}

export function header(request: WireRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
