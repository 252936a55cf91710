/**
 * The AWS query protocol: `POST` with a form body (`Action=SendMessage&Version=2012-11-05&QueueUrl=...`), or `GET`
 * with the same parameters in the URL, answered in XML. SQS speaks it to older SDKs and Debian's awscli 2.9; SNS
 * speaks only it; CloudWatch among others. One adapter serves them all: the SigV4 credential scope's service
 * (`sqs`, `sns`, `monitoring`) says which service a request is for, or, unsigned, its `Version` parameter.
 *
 * Each service declares its operations' query shapes (`query-shape.ts`); the adapter reads the form into the
 * input object the JSON protocol would have produced, calls the very same operation, and writes its output as
 * XML. Errors use the catalogue's query code (`AWS.SimpleQueueService.NonExistentQueue`) and status.
 */
import { ServiceError } from '../errors.js';
import { readQueryInput, type QueryParams } from './query-params.js';
import type { QueryStructure } from './query-shape.js';
import { errorXml, responseXml } from './query-xml.js';
import { caller, wireError, type Logger } from './service-call.js';
import type { Credential, SignatureVerifier } from './sigv4.js';
import { header, type Operation, type ProtocolAdapter, type WireRequest, type WireResponse } from './wire.js';

export interface QueryOperation {
  readonly run: Operation;
  readonly input: QueryStructure;
  /** Absent for operations that answer with nothing but the request id (DeleteQueue). */
  readonly output?: QueryStructure;
}

export interface QueryService {
  /** Service name for messages, e.g. "SQS". */
  readonly service: string;
  /** The SigV4 signing name, as the credential scope carries it: "sqs", "sns", "monitoring". */
  readonly signingName: string;
  /** The API version clients send as `Version`, e.g. "2012-11-05". */
  readonly version: string;
  /** The namespace of every response document, e.g. "http://queue.amazonaws.com/doc/2012-11-05/". */
  readonly xmlNamespace: string;
  /**
   * The input member a request path stands for when the parameters leave it out: SQS accepts requests POSTed
   * to the queue URL (`/000000000000/orders`), which then names the queue.
   */
  readonly pathMember?: string;
  readonly operations: Readonly<Record<string, QueryOperation>>;
}

const FORM = /^application\/x-www-form-urlencoded\b/i;

export class QueryAdapter implements ProtocolAdapter {
  readonly name = 'query';
  readonly #bySigningName = new Map<string, QueryService>();
  readonly #byVersion = new Map<string, QueryService>();

  constructor(
    services: QueryService[],
    private readonly verifier: SignatureVerifier,
    private readonly log: Logger,
  ) {
    for (const s of services) {
      this.#bySigningName.set(s.signingName, s);
      this.#byVersion.set(s.version, s);
    }
  }

  /** A form POST (even one without Action, which is answered MissingAction), or a GET carrying `?Action=`. */
  claims(request: WireRequest): boolean {
    if (request.method === 'POST') return FORM.test(header(request, 'content-type') ?? '');
    return request.method === 'GET' && splitUrl(request.path).query.has('Action');
  }

  async handle(request: WireRequest): Promise<WireResponse> {
    let service: QueryService | undefined;
    try {
      const { path, query } = splitUrl(request.path);
      const params = readParams(request, query);
      const { context, credential } = caller(request, this.verifier);
      service = this.#service(credential, params);
      const action = params.get('Action');
      if (action === undefined || action === '') throw new ServiceError('MissingAction', 'The request must contain the parameter Action.');
      const operation = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
      if (!operation) throw new ServiceError('InvalidAction', `The action ${action} is not valid for ${service.service} (version ${service.version}).`);
      const input = readQueryInput(params, operation.input);
      const member = service.pathMember;
      if (member !== undefined && path !== '/' && Object.hasOwn(operation.input.members, member) && input[member] === undefined) {
        input[member] = `${context.endpoint ?? ''}${path}`;
      }
      const value = await operation.run(input, context);
      const output = operation.output && { shape: operation.output, value };
      return { status: 200, headers: xmlHeaders(request.requestId), body: responseXml(action, service.xmlNamespace, request.requestId, output) };
    } catch (err) {
      const error = wireError(err, request.requestId, this.log);
      const body = errorXml({ fault: error.spec.fault, code: error.queryCode, message: error.message }, request.requestId, service?.xmlNamespace);
      return { status: error.spec.status, headers: xmlHeaders(request.requestId), body };
    }
  }

  /** The signature's service decides; an unsigned request is routed by its API version. */
  #service(credential: Credential | undefined, params: QueryParams): QueryService {
    const served = [...this.#bySigningName.values()].map((s) => `${s.service} (${s.signingName}, Version ${s.version})`).join(', ');
    if (credential) {
      const service = this.#bySigningName.get(credential.service);
      if (!service) throw new ServiceError('InvalidAction', `The request is signed for service '${credential.service}', which Mailroom does not serve over the query protocol; it serves ${served}.`);
      return service;
    }
    const version = params.get('Version');
    if (version === undefined) throw new ServiceError('MissingParameter', `The request must contain the parameter Version, or be SigV4-signed, to name its service; Mailroom serves ${served}.`);
    const service = this.#byVersion.get(version);
    if (!service) throw new ServiceError('InvalidParameterValue', `Value ${version} for parameter Version is invalid. Reason: Mailroom serves ${served}.`);
    return service;
  }
}

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: new URLSearchParams() } : { path: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
}

/** The URL's parameters, then the form body's; a name given twice keeps its first value. */
function readParams(request: WireRequest, query: URLSearchParams): QueryParams {
  const params = new Map<string, string>();
  const add = (source: URLSearchParams) => {
    for (const [name, value] of source) if (!params.has(name)) params.set(name, value);
  };
  add(query);
  if (request.method === 'POST') add(new URLSearchParams(request.body.toString('utf8')));
  return params;
}

function xmlHeaders(requestId: string): Record<string, string> {
  return { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
}
