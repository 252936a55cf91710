/**
 * The API destination invoker against real HTTP servers on 127.0.0.1: what the endpoint receives for each
 * authorization type and parameter source, OAuth token caching and refresh, and how each answer is classified.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import type { AuthParameters } from '../../src/events/connections.js';
import type { Invocation, InvocationResult } from '../../src/delivery/invoker.js';
import { ApiDestinationInvoker, type ApiDestinationLookup } from '../../src/delivery/invokers/api-destination.js';
import { closedPort, startSink, type Handler, type HttpSink } from '../helpers/http-sink.js';

const DEST = 'arn:aws:events:us-east-1:000000000000:api-destination/orders/5f1c';
const CONN = 'arn:aws:events:us-east-1:000000000000:connection/orders/9a2b';
const SECRETS = ['s3cr3t-key', 'hunter2', 'client-secret-xyz', 'very-secret-param', 'tok-1', 'tok-2'];
const EVENT = JSON.stringify({ version: '0', id: 'e-1', 'detail-type': 'Order Placed', source: 'shop', detail: { id: 'o-42', customer: 'c 7' } });

interface Setup {
  endpoint?: string;
  method?: string;
  type?: 'API_KEY' | 'BASIC' | 'OAUTH_CLIENT_CREDENTIALS';
  auth?: AuthParameters;
}

function lookupFor(sink: HttpSink, s: Setup): ApiDestinationLookup {
  const type = s.type ?? 'API_KEY';
  const auth = s.auth ?? { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 's3cr3t-key' } };
  return {
    apiDestination: async (arn) => (arn === DEST ? { endpoint: s.endpoint ?? `${sink.url}/hook`, httpMethod: s.method ?? 'POST', connectionArn: CONN } : undefined),
    connection: async (arn) => (arn === CONN ? { authorizationType: type, authParameters: JSON.stringify(auth) } : undefined),
  };
}

function invocation(target: Record<string, unknown> = {}, signal = new AbortController().signal): Invocation {
  return { targetArn: DEST, target, input: '{"hello":"world"}', event: EVENT, ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', signal };
}

function assertNoSecrets(result: InvocationResult): void {
  const text = JSON.stringify(result);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `result leaks ${secret}: ${text}`);
}

describe('ApiDestinationInvoker', () => {
  let sink: HttpSink;
  let invoker: ApiDestinationInvoker;
  let clock: ManualClock;
  let handler: Handler;

  const start = async (setup: Setup = {}, options: { onAuthorization?: (arn: string, state: string) => void } = {}) => {
    invoker = new ApiDestinationInvoker({ lookup: lookupFor(sink, setup), clock, ...options });
    return invoker;
  };

  beforeEach(async () => {
    clock = new ManualClock();
    handler = (_req, res) => res.end('ok');
    sink = await startSink((req, res) => handler(req, res));
  });
  afterEach(async () => {
    invoker?.close();
    await sink.close();
  });

  it('handles API destination ARNs only', async () => {
    await start();
    assert.ok(invoker.handles(DEST));
    assert.ok(!invoker.handles('arn:aws:events:us-east-1:000000000000:event-bus/default'));
    assert.ok(!invoker.handles('arn:aws:sqs:us-east-1:000000000000:q'));
  });

  it('sends the input with the API key header and AWS headers, and keeps the answer', async () => {
    await start();
    handler = (_req, res) => res.writeHead(201).end('created');
    const result = await invoker.invoke(invocation());
    assert.deepEqual(result, { ok: true, response: { status: 201, body: 'created' } });
    const [req] = sink.requests;
    assert.equal(req!.method, 'POST');
    assert.equal(req!.url.pathname, '/hook');
    assert.equal(req!.body, '{"hello":"world"}');
    assert.equal(req!.headers['x-api-key'], 's3cr3t-key');
    assert.equal(req!.headers['user-agent'], 'Amazon/EventBridge/ApiDestinations');
    assert.equal(req!.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(req!.headers['content-length'], String(Buffer.byteLength('{"hello":"world"}')));
    assertNoSecrets(result);
  });

  it('sends Basic authorization for a BASIC connection', async () => {
    await start({ type: 'BASIC', auth: { BasicAuthParameters: { Username: 'ops', Password: 'hunter2' } } });
    handler = (_req, res) => res.writeHead(403).end('nope');
    const result = await invoker.invoke(invocation());
    assert.equal(sink.requests[0]!.headers.authorization, `Basic ${Buffer.from('ops:hunter2').toString('base64')}`);
    assert.equal(result.ok, false);
    assertNoSecrets(result);
  });

  it('sends no body for GET, and the method the destination names', async () => {
    await start({ method: 'GET' });
    await invoker.invoke(invocation());
    assert.equal(sink.requests[0]!.method, 'GET');
    assert.equal(sink.requests[0]!.body, '');
  });

  it('fills path wildcards and merges headers, query and body parameters, the connection winning', async () => {
    await start({
      endpoint: `${sink.url}/orders/*/lines/*?fixed=1`,
      auth: {
        ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 's3cr3t-key' },
        InvocationHttpParameters: {
          HeaderParameters: [{ Key: 'X-Team', Value: 'connection' }, { Key: 'X-Secret', Value: 'very-secret-param', IsValueSecret: true }],
          QueryStringParameters: [{ Key: 'region', Value: 'eu' }],
          BodyParameters: [{ Key: 'source', Value: 'mailroom' }],
        },
      },
    });
    const result = await invoker.invoke(
      invocation({
        HttpParameters: {
          PathParameterValues: ['$.detail.id', 'a b'],
          HeaderParameters: { 'X-Team': 'target', 'X-Order': '$.detail.id', 'Content-Type': 'application/vnd.shop+json' },
          QueryStringParameters: { region: 'us', customer: '$.detail.customer' },
        },
      }),
    );
    assert.equal(result.ok, true);
    const req = sink.requests[0]!;
    assert.equal(req.url.pathname, '/orders/o-42/lines/a%20b');
    assert.deepEqual(Object.fromEntries(req.url.searchParams), { fixed: '1', region: 'eu', customer: 'c 7' });
    assert.equal(req.headers['x-team'], 'connection');
    assert.equal(req.headers['x-order'], 'o-42');
    assert.equal(req.headers['x-secret'], 'very-secret-param');
    assert.equal(req.headers['content-type'], 'application/vnd.shop+json');
    assert.deepEqual(JSON.parse(req.body), { hello: 'world', source: 'mailroom' });
    assertNoSecrets(result);
  });

  describe('OAuth client credentials', () => {
    let issued: string[];
    const oauth = (sinkUrl: string): Setup => ({
      type: 'OAUTH_CLIENT_CREDENTIALS',
      auth: {
        OAuthParameters: {
          ClientParameters: { ClientID: 'client-1', ClientSecret: 'client-secret-xyz' },
          AuthorizationEndpoint: `${sinkUrl}/token`,
          HttpMethod: 'POST',
          OAuthHttpParameters: { BodyParameters: [{ Key: 'scope', Value: 'events' }], HeaderParameters: [{ Key: 'X-Tenant', Value: 't1' }], QueryStringParameters: [{ Key: 'aud', Value: 'api' }] },
        },
      },
    });
    // The token server issues tok-1, tok-2, ... and the API accepts only the newest token.
    const oauthHandler =
      (expiresIn = 3600, tokenStatus = 200): Handler =>
      (req, res) => {
        if (req.url.pathname === '/token') {
          if (tokenStatus !== 200) return res.writeHead(tokenStatus).end('{"error":"invalid_client"}');
          issued.push(`tok-${issued.length + 1}`);
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: issued.at(-1), token_type: 'Bearer', expires_in: expiresIn }));
        }
        res.writeHead(req.headers.authorization === `Bearer ${issued.at(-1)}` ? 200 : 401).end();
      };
    beforeEach(() => {
      issued = [];
    });

    it('requests a token once for many concurrent calls, as AWS does', async () => {
      handler = oauthHandler();
      const states: string[] = [];
      await start(oauth(sink.url), { onAuthorization: (arn, state) => states.push(`${arn === CONN}:${state}`) });
      const results = await Promise.all(Array.from({ length: 20 }, () => invoker.invoke(invocation())));
      assert.ok(results.every((r) => r.ok));
      const tokenRequests = sink.requests.filter((r) => r.url.pathname === '/token');
      assert.equal(tokenRequests.length, 1);
      const t = tokenRequests[0]!;
      assert.equal(t.method, 'POST');
      assert.equal(t.headers.authorization, `Basic ${Buffer.from('client-1:client-secret-xyz').toString('base64')}`);
      assert.equal(t.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(t.headers['x-tenant'], 't1');
      assert.equal(t.url.searchParams.get('aud'), 'api');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(t.body)), { grant_type: 'client_credentials', scope: 'events' });
      assert.ok(sink.requests.filter((r) => r.url.pathname === '/hook').every((r) => r.headers.authorization === 'Bearer tok-1'));
      assert.deepEqual(states, ['true:AUTHORIZED']);
      for (const r of results) assertNoSecrets(r);
    });

    it('requests a new token once expires_in has passed on the clock', async () => {
      handler = oauthHandler(60);
      await start(oauth(sink.url));
      await invoker.invoke(invocation());
      clock.advance(59_000);
      await invoker.invoke(invocation());
      assert.equal(issued.length, 1);
      clock.advance(1_000);
      assert.equal((await invoker.invoke(invocation())).ok, true);
      assert.deepEqual(issued, ['tok-1', 'tok-2']);
    });

    it('fetches a fresh token and calls again within the attempt when the target answers 401', async () => {
      handler = oauthHandler();
      await start(oauth(sink.url));
      await invoker.invoke(invocation());
      issued.push('tok-rotated'); // the API now only accepts a token the invoker has not seen
      const result = await invoker.invoke(invocation());
      assert.equal(result.ok, true);
      const hooks = sink.requests.filter((r) => r.url.pathname === '/hook').map((r) => r.headers.authorization);
      assert.deepEqual(hooks, ['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-3']);
    });

    it('gives up without retries when the token endpoint refuses the client, and reports DEAUTHORIZED', async () => {
      handler = oauthHandler(3600, 401);
      const states: string[] = [];
      await start(oauth(sink.url), { onAuthorization: (_arn, state) => states.push(state) });
      const result = await invoker.invoke(invocation());
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.errorCode, 'NO_PERMISSIONS');
      assert.equal(!result.ok && result.retryable, false);
      assert.deepEqual(states, ['DEAUTHORIZED']);
      assert.equal(sink.requests.filter((r) => r.url.pathname === '/hook').length, 0);
      assertNoSecrets(result);
    });

    it('retries later when the token endpoint fails on its side', async () => {
      handler = oauthHandler(3600, 503);
      await start(oauth(sink.url));
      const result = await invoker.invoke(invocation());
      assert.equal(!result.ok && result.retryable, true);
      assert.equal(!result.ok && result.errorCode, 'CONNECTION_FAILURE');
    });
  });

  describe('classification', () => {
    const cases: [number, boolean, string][] = [
      [400, false, 'ERROR_FROM_TARGET'],
      [404, false, 'ERROR_FROM_TARGET'],
      [302, false, 'ERROR_FROM_TARGET'],
      [429, true, 'THROTTLING'],
      [500, true, 'ERROR_FROM_TARGET'],
      [503, true, 'ERROR_FROM_TARGET'],
    ];
    for (const [status, retryable, errorCode] of cases) {
      it(`HTTP ${status} is ${errorCode}, ${retryable ? '' : 'not '}retryable`, async () => {
        await start();
        handler = (_req, res) => res.writeHead(status).end(`status ${status}`);
        const result = await invoker.invoke(invocation());
        assert.deepEqual(result, { ok: false, retryable, errorCode, errorMessage: `POST ${sink.url}/hook answered HTTP ${status}`, response: { status, body: `status ${status}` } });
      });
    }

    it('reads Retry-After as seconds or as an HTTP date, and stops retrying on a negative one', async () => {
      await start();
      handler = (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end();
      const seconds = await invoker.invoke(invocation());
      assert.equal(!seconds.ok && seconds.retryAfterMs, 7000);
      handler = (_req, res) => res.writeHead(503, { 'retry-after': new Date(clock.now() + 30_000).toUTCString() }).end();
      const date = await invoker.invoke(invocation());
      assert.equal(!date.ok && date.retryAfterMs, 30_000);
      handler = (_req, res) => res.writeHead(503, { 'retry-after': '-1' }).end();
      const negative = await invoker.invoke(invocation());
      assert.equal(!negative.ok && negative.retryable, false);
    });

    it('keeps only the first 4 KB of a large answer', async () => {
      await start();
      handler = (_req, res) => res.writeHead(500).end('x'.repeat(100_000));
      const result = await invoker.invoke(invocation());
      assert.equal(!result.ok && result.response?.body.length, 4096);
      // The socket is still usable afterwards: the rest of the body was drained.
      handler = (_req, res) => res.end('again');
      assert.equal((await invoker.invoke(invocation())).ok, true);
    });

    it('reports a refused connection as a retryable CONNECTION_FAILURE', async () => {
      const port = await closedPort();
      await start({ endpoint: `http://127.0.0.1:${port}/hook` });
      const result = await invoker.invoke(invocation());
      assert.equal(!result.ok && result.errorCode, 'CONNECTION_FAILURE');
      assert.equal(!result.ok && result.retryable, true);
    });

    it('times out after 5 s of clock time when the endpoint never answers', async () => {
      await start();
      handler = () => {}; // never answers
      const arrived = sink.nextRequest();
      const pending = invoker.invoke(invocation());
      await arrived;
      clock.advance(4_999);
      clock.advance(1);
      const result = await pending;
      assert.equal(!result.ok && result.errorCode, 'TIMEOUT');
      assert.equal(!result.ok && result.retryable, true);
      assert.equal(clock.pendingTimers, 0);
    });

    it('stops waiting when the dispatcher aborts the invocation', async () => {
      await start();
      handler = () => {};
      const controller = new AbortController();
      const arrived = sink.nextRequest();
      const pending = invoker.invoke(invocation({}, controller.signal));
      await arrived;
      controller.abort(new Error('shutting down'));
      const result = await pending;
      assert.equal(!result.ok && result.errorCode, 'TIMEOUT');
      assert.match(!result.ok ? result.errorMessage : '', /shutting down/);
    });

    it('reports a missing destination or connection as NO_RESOURCE, not retryable', async () => {
      invoker = new ApiDestinationInvoker({
        clock,
        lookup: { apiDestination: async () => ({ endpoint: `${sink.url}/hook`, httpMethod: 'POST', connectionArn: CONN }), connection: async () => undefined },
      });
      const noConnection = await invoker.invoke(invocation());
      assert.equal(!noConnection.ok && noConnection.errorCode, 'NO_RESOURCE');
      assert.equal(!noConnection.ok && noConnection.retryable, false);
      invoker.close();
      await start();
      const noDestination = await invoker.invoke({ ...invocation(), targetArn: `${DEST}-gone` });
      assert.equal(!noDestination.ok && noDestination.errorCode, 'NO_RESOURCE');
      assert.equal(sink.requests.length, 0);
    });
  });
});
