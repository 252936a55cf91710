/**
 * OAuth client-credentials tokens for connections of type OAUTH_CLIENT_CREDENTIALS: obtained from the connection's
 * AuthorizationEndpoint, kept until `expires_in` runs out (clock time), shared by every concurrent call through one
 * request in flight, and dropped when a target answers 401/407 so the next call fetches a fresh one.
 *
 * The token request is the client-credentials grant of RFC 6749 §4.4: the client ID and secret as HTTP Basic
 * authorization, `grant_type=client_credentials` plus the connection's OAuthHttpParameters (body parameters in the
 * form body, or in the query string for GET). Secrets travel only in that request; no message built here contains them.
 */
import type { Clock } from '../../clock.js';
import type { AuthParameters } from '../../events/connections.js';
import type { DeliveryErrorCode } from '../invoker.js';
import { HttpFailure, type HttpClient } from './http-call.js';

type OAuthParameters = NonNullable<AuthParameters['OAuthParameters']>;

export type TokenOutcome = { ok: true; token: string } | { ok: false; retryable: boolean; errorCode: DeliveryErrorCode; errorMessage: string };

interface Cached {
  /** The connection's AuthParameters text the token was obtained with; a changed connection needs a new token. */
  source: string;
  token: string;
  expiresAt: number;
}

export class OAuthTokens {
  readonly #cached = new Map<string, Cached>();
  readonly #pending = new Map<string, Promise<TokenOutcome>>();

  constructor(
    private readonly http: HttpClient,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    /** Told when a token request succeeds or is refused, so the connection's state can follow (AUTHORIZED/DEAUTHORIZED). */
    private readonly onAuthorization?: (connectionArn: string, state: 'AUTHORIZED' | 'DEAUTHORIZED') => void,
  ) {}

  /**
   * A valid token for the connection, from the cache or a new token request. The request is shared by every caller
   * waiting for it, so it takes no caller's abort signal; its own timeout bounds it.
   */
  get(connectionArn: string, source: string, oauth: OAuthParameters): Promise<TokenOutcome> {
    const cached = this.#cached.get(connectionArn);
    if (cached && cached.source === source && this.clock.now() < cached.expiresAt) return Promise.resolve({ ok: true, token: cached.token });
    let pending = this.#pending.get(connectionArn);
    if (!pending) {
      pending = this.#request(connectionArn, source, oauth).finally(() => this.#pending.delete(connectionArn));
      this.#pending.set(connectionArn, pending);
    }
    return pending;
  }

  /** Forgets the token a target refused, unless another call already replaced it. */
  invalidate(connectionArn: string, token: string): void {
    if (this.#cached.get(connectionArn)?.token === token) this.#cached.delete(connectionArn);
  }

  async #request(connectionArn: string, source: string, oauth: OAuthParameters): Promise<TokenOutcome> {
    const url = new URL(oauth.AuthorizationEndpoint);
    const extra = oauth.OAuthHttpParameters;
    for (const p of extra?.QueryStringParameters ?? []) if (p.Key) url.searchParams.set(p.Key, p.Value ?? '');
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    for (const p of extra?.BodyParameters ?? []) if (p.Key) form.set(p.Key, p.Value ?? '');
    const method = oauth.HttpMethod.toUpperCase();
    const { ClientID, ClientSecret } = oauth.ClientParameters;
    const headers: Record<string, string> = {
      'user-agent': 'Amazon/EventBridge/ApiDestinations',
      accept: 'application/json',
      authorization: `Basic ${Buffer.from(`${ClientID}:${ClientSecret}`).toString('base64')}`,
    };
    for (const p of extra?.HeaderParameters ?? []) if (p.Key) headers[p.Key.toLowerCase()] = p.Value ?? '';
    let body: string | undefined;
    if (method === 'GET') {
      for (const [k, v] of form) url.searchParams.set(k, v);
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = form.toString();
    }
    let answer;
    try {
      answer = await this.http.send({ url, method, headers, body }, this.timeoutMs);
    } catch (err) {
      if (!(err instanceof HttpFailure)) throw err;
      return { ok: false, retryable: true, errorCode: err.kind === 'network' ? 'CONNECTION_FAILURE' : 'TIMEOUT', errorMessage: `OAuth token request failed: ${err.message}` };
    }
    const where = `OAuth authorization endpoint ${oauth.AuthorizationEndpoint}`;
    if (answer.status === 429) return { ok: false, retryable: true, errorCode: 'THROTTLING', errorMessage: `${where} answered HTTP 429` };
    // The authorization server being down is a passing condition, like a network failure: retry later.
    if (answer.status >= 500) return { ok: false, retryable: true, errorCode: 'CONNECTION_FAILURE', errorMessage: `${where} answered HTTP ${answer.status}` };
    const token = answer.status >= 200 && answer.status < 300 ? accessToken(answer.body) : undefined;
    if (!token) {
      // Refused credentials will not get better by retrying; AWS marks the connection DEAUTHORIZED.
      this.onAuthorization?.(connectionArn, 'DEAUTHORIZED');
      const why = answer.status >= 300 ? `answered HTTP ${answer.status}` : 'answered without an access_token';
      return { ok: false, retryable: false, errorCode: 'NO_PERMISSIONS', errorMessage: `${where} ${why}` };
    }
    this.#cached.set(connectionArn, { source, token: token.value, expiresAt: token.expiresInMs === undefined ? Infinity : this.clock.now() + token.expiresInMs });
    this.onAuthorization?.(connectionArn, 'AUTHORIZED');
    return { ok: true, token: token.value };
  }
}

function accessToken(body: string): { value: string; expiresInMs?: number } | undefined {
  try {
    const parsed = JSON.parse(body) as { access_token?: unknown; expires_in?: unknown };
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') return undefined;
    const expiresIn = Number(parsed.expires_in);
    return { value: parsed.access_token, expiresInMs: parsed.expires_in !== undefined && Number.isFinite(expiresIn) ? expiresIn * 1000 : undefined };
  } catch {
    return undefined;
  }
}
