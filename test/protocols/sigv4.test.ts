import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthorization } from '../../src/protocols/sigv4.js';

describe('SigV4 Authorization parsing', () => {
  it('takes access key, region and service from the credential scope', () => {
    const c = parseAuthorization('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-central-1/events/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=abc123');
    assert.deepEqual(c, { accessKeyId: 'AKIDEXAMPLE', date: '20260101', region: 'eu-central-1', service: 'events', signedHeaders: ['host', 'x-amz-date', 'x-amz-target'], signature: 'abc123' });
  });

  it('is absent for unsigned requests', () => {
    assert.equal(parseAuthorization(undefined), undefined);
  });

  it('refuses other schemes and malformed scopes with MissingAuthenticationTokenException', () => {
    assert.throws(() => parseAuthorization('Bearer xyz'), { code: 'MissingAuthenticationTokenException' });
    assert.throws(() => parseAuthorization('AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1, SignedHeaders=host, Signature=a'), { code: 'MissingAuthenticationTokenException' });
    assert.throws(() => parseAuthorization('AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/events/aws4_request'), { code: 'MissingAuthenticationTokenException' });
  });
});
