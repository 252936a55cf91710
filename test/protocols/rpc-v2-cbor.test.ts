/**
 * The rpc-v2-cbor adapter on its own: routing by path and header, CBOR in (timestamps and blobs brought to awsJson's
 * conventions) and out (tag 1 timestamps, nulls omitted, no body for no output), and errors as a CBOR map with the
 * absolute shape id plus x-amzn-query-error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServiceError } from '../../src/errors.js';
import { decodeCbor, encodeCbor, RpcV2CborAdapter, type CborService } from '../../src/protocols/rpc-v2-cbor.js';
import { acceptAnySignature } from '../../src/protocols/sigv4.js';
import type { WireRequest } from '../../src/protocols/wire.js';

const seen: Record<string, unknown>[] = [];
const logged: object[] = [];
const service: CborService = {
  service: 'Example',
  serviceName: 'ExampleService20200101',
  namespace: 'com.example',
  queryCompatible: true,
  operations: {
    Echo: async (input, ctx) => {
      seen.push(input);
      return { Region: ctx.region, At: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 500)), Count: 3, Ratio: 0.25, Missing: undefined, Null: null, List: [{ A: 1, B: undefined }] };
    },
    Nothing: async () => ({}),
    Refuse: async () => {
      throw new ServiceError('InvalidParameterValueException', 'The value 7 for parameter Period is invalid.');
    },
    Crash: async () => {
      throw new Error('secret internals');
    },
  },
};
const adapter = new RpcV2CborAdapter([service], acceptAnySignature, { error: (details) => logged.push(details) });

function request(operation: string, body: unknown, headers: Record<string, string> = {}, prefix = ''): WireRequest {
  return {
    method: 'POST',
    path: `${prefix}/service/ExampleService20200101/operation/${operation}`,
    headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor', accept: 'application/cbor', ...headers },
    body: body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : encodeCbor(body),
    requestId: 'req-1',
  };
}

describe('rpc-v2-cbor adapter', () => {
  it('claims POST /service/<name>/operation/<op> with smithy-protocol: rpc-v2-cbor, and nothing else', () => {
    assert.ok(adapter.claims(request('Echo', {})));
    assert.ok(adapter.claims(request('Echo', {}, {}, '/v1')), 'a path prefix is allowed');
    assert.ok(!adapter.claims({ ...request('Echo', {}), method: 'GET' }));
    assert.ok(!adapter.claims({ ...request('Echo', {}), headers: { 'content-type': 'application/cbor' } }));
    assert.ok(!adapter.claims({ ...request('Echo', {}), path: '/' }));
  });

  it('decodes CBOR input to awsJson conventions and encodes the output with tag 1 timestamps', async () => {
    seen.length = 0;
    const response = await adapter.handle(
      request('Echo', { When: new Date(Date.UTC(2026, 0, 1)), Blob: Buffer.from('hi'), Nested: [{ Value: 1.5 }] }, { authorization: 'AWS4-HMAC-SHA256 Credential=AK/20260101/eu-west-1/monitoring/aws4_request, SignedHeaders=host, Signature=abc' }),
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers['smithy-protocol'], 'rpc-v2-cbor');
    assert.equal(response.headers['content-type'], 'application/cbor');
    assert.deepEqual(seen[0], { When: Date.UTC(2026, 0, 1) / 1000, Blob: 'aGk=', Nested: [{ Value: 1.5 }] });
    const body = response.body as Buffer;
    // Tag 1 (0xc1) followed by a double: 1767225600.5 epoch seconds.
    assert.ok(body.includes(Buffer.from('c1fb', 'hex')), body.toString('hex'));
    assert.deepEqual(decodeCbor(body), { Region: 'eu-west-1', At: new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 500)), Count: 3, Ratio: 0.25, List: [{ A: 1 }] });
  });

  it('answers an operation without output with an empty body and no Content-Type', async () => {
    const response = await adapter.handle(request('Nothing', undefined, { 'content-type': '' }));
    assert.equal(response.status, 200);
    assert.equal((response.body as Buffer).length, 0);
    assert.equal(response.headers['content-type'], undefined);
    assert.equal(response.headers['smithy-protocol'], 'rpc-v2-cbor');
  });

  it('accepts the absolute service shape id in the path', async () => {
    const response = await adapter.handle({ ...request('Nothing', {}), path: '/service/com.example.ExampleService20200101/operation/Nothing' });
    assert.equal(response.status, 200);
  });

  it('writes errors as a CBOR map with the absolute shape id, and the query code in x-amzn-query-error', async () => {
    const response = await adapter.handle(request('Refuse', {}));
    assert.equal(response.status, 400);
    assert.equal(response.headers['x-amzn-query-error'], 'InvalidParameterValue;Sender');
    assert.equal(response.headers['smithy-protocol'], 'rpc-v2-cbor');
    assert.deepEqual(decodeCbor(response.body as Buffer), { __type: 'com.example#InvalidParameterValueException', message: 'The value 7 for parameter Period is invalid.' });
  });

  it('never leaks an internal error, and logs it', async () => {
    logged.length = 0;
    const response = await adapter.handle(request('Crash', {}));
    assert.equal(response.status, 500);
    const body = decodeCbor(response.body as Buffer) as { __type: string; message: string };
    assert.equal(body.__type, 'com.example#InternalException');
    assert.doesNotMatch(body.message, /secret/);
    assert.equal(logged.length, 1);
  });

  it('refuses malformed requests in the protocol\'s shape', async () => {
    const cases: [WireRequest, string, number][] = [
      [request('Nope', {}), 'UnknownOperationException', 400],
      [{ ...request('Echo', {}), path: '/service/Other/operation/Echo' }, 'UnknownOperationException', 400],
      [request('Echo', {}, { 'x-amz-target': 'ExampleService20200101.Echo' }), 'SerializationException', 400],
      [request('Echo', Buffer.from('ff00', 'hex')), 'SerializationException', 400],
      [request('Echo', [1, 2]), 'SerializationException', 400],
      [request('Echo', {}, { 'content-type': 'application/json' }), 'UnsupportedMediaTypeException', 415],
    ];
    for (const [req, type, status] of cases) {
      const response = await adapter.handle(req);
      assert.equal(response.status, status, type);
      assert.match((decodeCbor(response.body as Buffer) as { __type: string }).__type, new RegExp(`${type}$`));
    }
  });
});
