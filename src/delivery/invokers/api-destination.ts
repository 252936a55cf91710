/**
 * The invoker for API destination targets (`arn:aws:events:<region>:<account>:api-destination/<name>/<uuid>`):
 * one HTTP request per attempt, shaped as EventBridge sends it, classified as EventBridge classifies the answer.
 *
 * - Request: the destination's method and endpoint, `*` path segments filled from `HttpParameters.PathParameterValues`,
 *   headers and query parameters from the target's `HttpParameters` merged with the connection's
 *   `InvocationHttpParameters` (the connection wins on a clash, as AWS documents), the shaped input as body, and
 *   AWS's own headers. Target parameter values starting with `$.` are read from the original event (AWS's dynamic
 *   parameters). Connection `BodyParameters` are added to a JSON-object body.
 * - Auth: API_KEY header, BASIC `Authorization`, or an OAuth bearer token (see oauth-tokens.ts), refreshed once
 *   within the attempt when the target answers 401 or 407.
 * - Answer: 2xx is delivered; 429 THROTTLING and 5xx ERROR_FROM_TARGET are retryable; 1xx/3xx/other 4xx are
 *   ERROR_FROM_TARGET and not retryable; no answer in 5 s (clock time) is TIMEOUT and a network error
 *   CONNECTION_FAILURE, both retryable. `Retry-After` becomes `retryAfterMs`; a negative one stops retries, as AWS says.
 *
 * Secrets (API key value, password, client secret, secret parameters) go only into the request; error messages name
 * the configured endpoint and the status, never a header or parameter value.
 * Unlike AWS (`Connection: close`, `Accept-Encoding: gzip,deflate`), connections are kept alive and answers are not
 * asked to be compressed: the first is what sustains thousands of deliveries a second, the second keeps the kept
 * 4 KB of body readable.
 */
import type { Clock } from '../../clock.js';
import type { AuthParameters } from '../../events/connections.js';
import type { ApiDestinationRecord, ConnectionRecord } from '../../store/records.js';
import { readPath } from '../input.js';
import type { DeliveryErrorCode, Invocation, InvocationResult, Invoker } from '../invoker.js';
import { HttpClient, HttpFailure, retryAfterMs, type HttpAnswer, type HttpRequest } from './http-call.js';
import { OAuthTokens } from './oauth-tokens.js';

/** Where the invoker finds a destination and its connection (the store, usually through a cache). */
export interface ApiDestinationLookup {
  apiDestination(arn: string): Promise<Pick<ApiDestinationRecord, 'endpoint' | 'httpMethod' | 'connectionArn'> | undefined>;
  connection(arn: string): Promise<Pick<ConnectionRecord, 'authorizationType' | 'authParameters'> | undefined>;
}

export interface ApiDestinationInvokerOptions {
  lookup: ApiDestinationLookup;
  clock: Clock;
  /** Per request (the call and any token request), in clock time. AWS's is 5 s. */
  timeoutMs?: number;
  /** The HTTP client to send with (shared with other invokers); by default one of its own. */
  http?: HttpClient;
  /** Told when an OAuth token request succeeds or is refused, so the connection's state can follow. */
  onAuthorization?: (connectionArn: string, state: 'AUTHORIZED' | 'DEAUTHORIZED') => void;
}

interface TargetHttpParameters {
  PathParameterValues?: string[];
  HeaderParameters?: Record<string, string>;
  QueryStringParameters?: Record<string, string>;
}

/** What one destination + connection pair turns into, computed once and reused until either changes. */
interface Prepared {
  endpoint: string;
  method: string;
  authParameters: string;
  label: string;
  url: URL;
  /** AWS's headers, then the connection's parameters and its API key / Basic authorization. */
  headers: Record<string, string>;
  connectionHeaders: Record<string, string>;
  connectionQuery: [string, string][];
  bodyParameters: [string, string][];
  oauth?: NonNullable<AuthParameters['OAuthParameters']>;
  hasBody: boolean;
}

const ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]*:\d{12}:api-destination\//;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const AWS_HEADERS = { 'user-agent': 'Amazon/EventBridge/ApiDestinations', 'content-type': 'application/json; charset=utf-8', range: 'bytes=0-1048575' };

export class ApiDestinationInvoker implements Invoker {
  readonly #o: ApiDestinationInvokerOptions & { timeoutMs: number };
  readonly #http: HttpClient;
  readonly #tokens: OAuthTokens;
  readonly #prepared = new Map<string, Prepared>();

  constructor(options: ApiDestinationInvokerOptions) {
    this.#o = { ...options, timeoutMs: options.timeoutMs ?? 5000 };
    this.#http = options.http ?? new HttpClient(options.clock);
    this.#tokens = new OAuthTokens(this.#http, options.clock, this.#o.timeoutMs, options.onAuthorization);
  }

  handles(targetArn: string): boolean {
    return ARN.test(targetArn);
  }

  async invoke(invocation: Invocation): Promise<InvocationResult> {
    const destination = await this.#o.lookup.apiDestination(invocation.targetArn);
    if (!destination) return failure('NO_RESOURCE', `API destination ${invocation.targetArn} does not exist`);
    const connection = await this.#o.lookup.connection(destination.connectionArn);
    if (!connection) return failure('NO_RESOURCE', `Connection ${destination.connectionArn} of API destination ${invocation.targetArn} does not exist`);
    const prepared = this.#prepare(invocation.targetArn, destination, connection);
    if ('ok' in prepared) return prepared;

    let request = build(prepared, invocation);
    let token: string | undefined;
    if (prepared.oauth) {
      const got = await this.#tokens.get(destination.connectionArn, prepared.authParameters, prepared.oauth);
      if (!got.ok) return got;
      token = got.token;
      request.headers.authorization = `Bearer ${token}`;
    }
    let answer = await this.#send(request, invocation.signal);
    if (token !== undefined && !(answer instanceof HttpFailure) && (answer.status === 401 || answer.status === 407)) {
      // The token may have been revoked or expired early: one fresh token, one more try, within this attempt.
      this.#tokens.invalidate(destination.connectionArn, token);
      const got = await this.#tokens.get(destination.connectionArn, prepared.authParameters, prepared.oauth!);
      if (!got.ok) return got;
      request = { ...request, headers: { ...request.headers, authorization: `Bearer ${got.token}` } };
      answer = await this.#send(request, invocation.signal);
    }
    return classify(answer, prepared.label, this.#o.clock.now());
  }

  /** Closes the kept-alive sockets (of a shared HTTP client too). */
  close(): void {
    this.#http.close();
  }

  async #send(request: HttpRequest, signal: AbortSignal): Promise<HttpAnswer | HttpFailure> {
    try {
      return await this.#http.send(request, this.#o.timeoutMs, signal);
    } catch (err) {
      if (err instanceof HttpFailure) return err;
      throw err;
    }
  }

  /** The prepared request parts, or the failure when the endpoint or the connection's authorization is unusable. */
  #prepare(arn: string, destination: Pick<ApiDestinationRecord, 'endpoint' | 'httpMethod' | 'connectionArn'>, connection: Pick<ConnectionRecord, 'authorizationType' | 'authParameters'>): Prepared | InvocationResult {
    const cached = this.#prepared.get(arn);
    if (cached && cached.endpoint === destination.endpoint && cached.method === destination.httpMethod && cached.authParameters === connection.authParameters) return cached;
    let url: URL;
    try {
      url = new URL(destination.endpoint);
    } catch {
      return failure('INVALID_PARAMETER', `API destination ${arn} has an invalid endpoint`);
    }
    const missing = (what: string) => failure('NO_PERMISSIONS', `Connection ${destination.connectionArn} has no ${what}`);
    const auth = JSON.parse(connection.authParameters) as AuthParameters;
    const invocation = auth.InvocationHttpParameters;
    const connectionHeaders: Record<string, string> = {};
    for (const p of invocation?.HeaderParameters ?? []) if (p.Key) connectionHeaders[p.Key.toLowerCase()] = p.Value ?? '';
    switch (connection.authorizationType) {
      case 'API_KEY':
        if (!auth.ApiKeyAuthParameters) return missing('ApiKeyAuthParameters');
        connectionHeaders[auth.ApiKeyAuthParameters.ApiKeyName.toLowerCase()] = auth.ApiKeyAuthParameters.ApiKeyValue;
        break;
      case 'BASIC': {
        const basic = auth.BasicAuthParameters;
        if (!basic) return missing('BasicAuthParameters');
        connectionHeaders.authorization = `Basic ${Buffer.from(`${basic.Username}:${basic.Password}`).toString('base64')}`;
        break;
      }
      case 'OAUTH_CLIENT_CREDENTIALS':
        if (!auth.OAuthParameters) return missing('OAuthParameters');
        break;
    }
    const method = destination.httpMethod.toUpperCase();
    const prepared: Prepared = {
      endpoint: destination.endpoint,
      method: destination.httpMethod,
      authParameters: connection.authParameters,
      // For messages: no query string or user info, which might carry something secret.
      label: `${method} ${url.origin}${url.pathname}`,
      url,
      // Frozen: the same object goes with every call, and the HTTP client validates it once (requestParts).
      headers: Object.freeze({ ...AWS_HEADERS, ...connectionHeaders }),
      connectionHeaders,
      connectionQuery: pairs(invocation?.QueryStringParameters),
      bodyParameters: pairs(invocation?.BodyParameters),
      oauth: connection.authorizationType === 'OAUTH_CLIENT_CREDENTIALS' ? auth.OAuthParameters : undefined,
      hasBody: METHODS_WITH_BODY.has(method),
    };
    this.#prepared.set(arn, prepared);
    return prepared;
  }
}

function pairs(list: { Key?: string; Value?: string }[] | undefined): [string, string][] {
  return (list ?? []).filter((p) => p.Key).map((p) => [p.Key!, p.Value ?? '']);
}

/** The request for one invocation; shares the prepared URL and headers when the target adds nothing to them. */
function build(prepared: Prepared, invocation: Invocation): HttpRequest {
  const params = invocation.target.HttpParameters as TargetHttpParameters | undefined;
  let event: unknown;
  // Dynamic parameters read the original event, not the shaped input; it is parsed only if one is used.
  const value = (v: string) => {
    if (!v.startsWith('$.')) return v;
    const found = readPath(v, (event ??= JSON.parse(invocation.event)));
    return found === undefined ? '' : typeof found === 'string' ? found : JSON.stringify(found);
  };

  let url = prepared.url;
  const pathValues = params?.PathParameterValues;
  const targetQuery = params?.QueryStringParameters;
  if (pathValues?.length || targetQuery || prepared.connectionQuery.length) {
    url = new URL(url);
    if (pathValues?.length) {
      let i = 0;
      url.pathname = url.pathname
        .split('/')
        .map((segment) => (segment === '*' && i < pathValues.length ? encodeURIComponent(value(pathValues[i++]!)) : segment))
        .join('/');
    }
    for (const [k, v] of Object.entries(targetQuery ?? {})) url.searchParams.set(k, value(v));
    for (const [k, v] of prepared.connectionQuery) url.searchParams.set(k, v);
  }

  let headers: Record<string, string> = prepared.headers;
  const targetHeaders = params?.HeaderParameters;
  // OAuth adds a header per request, so it gets a copy too.
  if (targetHeaders || prepared.oauth) {
    headers = { ...AWS_HEADERS };
    for (const [k, v] of Object.entries(targetHeaders ?? {})) headers[k.toLowerCase()] = value(v);
    Object.assign(headers, prepared.connectionHeaders);
  }

  let body: string | undefined;
  if (prepared.hasBody) body = prepared.bodyParameters.length ? withBodyParameters(invocation.input, prepared.bodyParameters) : invocation.input;
  return { url, method: prepared.method, headers, body };
}

/** The connection's body parameters added to a JSON-object body (they win on a clash); other bodies go unchanged. */
function withBodyParameters(input: string, parameters: [string, string][]): string {
  let body: unknown;
  try {
    body = JSON.parse(input);
  } catch {
    return input;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return input;
  for (const [k, v] of parameters) (body as Record<string, unknown>)[k] = v;
  return JSON.stringify(body);
}

function classify(answer: HttpAnswer | HttpFailure, what: string, now: number): InvocationResult {
  if (answer instanceof HttpFailure) {
    return failure(answer.kind === 'network' ? 'CONNECTION_FAILURE' : 'TIMEOUT', `${what}: ${answer.message}`, true);
  }
  const response = { status: answer.status, body: answer.body };
  if (answer.status >= 200 && answer.status < 300) return { ok: true, response };
  const after = retryAfterMs(answer.headers['retry-after'], now);
  const retryable = (answer.status === 429 || answer.status >= 500) && !(after !== undefined && after < 0);
  return {
    ok: false,
    retryable,
    errorCode: answer.status === 429 ? 'THROTTLING' : 'ERROR_FROM_TARGET',
    errorMessage: `${what} answered HTTP ${answer.status}`,
    response,
    ...(after !== undefined && after >= 0 && { retryAfterMs: after }),
  };
}

function failure(errorCode: DeliveryErrorCode, errorMessage: string, retryable = false): InvocationResult {
  return { ok: false, retryable, errorCode, errorMessage };
}
