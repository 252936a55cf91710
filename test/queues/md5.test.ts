/**
 * SQS's MD5 digests against values AWS returns (pinned by moto's and LocalStack's suites), and the properties
 * the SDKs rely on: attribute order does not matter, and Binary values are digested as bytes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { md5OfBody, md5OfMessageAttributes } from '../../src/queues/md5.js';

const number = (value: string) => ({ DataType: 'Number', StringValue: value });

it('digests bodies as MD5 of their UTF-8 bytes', () => {
  assert.equal(md5OfBody('derp'), '58fd9edd83341c29f1aebba81c31e257');
  assert.equal(md5OfBody('hello'), '5d41402abc4b2a76b9719d911017c592');
});

it('digests message attributes exactly as AWS does', () => {
  assert.equal(md5OfMessageAttributes({ timestamp: number('1493147359900') }), '235c5c510d26fb653d073faed50ae77c');
  assert.equal(md5OfMessageAttributes({ timestamp: number('1493147359901') }), '994258b45346a2cc3f9cbb611aa7af30');
  assert.equal(md5OfMessageAttributes({ 'SOME_Valid.attribute-Name': number('1493147359900') }), '36655e7e9d7c0e8479fa3f3f42247ae7');
  assert.equal(md5OfMessageAttributes({}), undefined);
});

it('sorts attributes by name and encodes Binary values as their bytes with transport type 2', () => {
  const a = { b: { DataType: 'String', StringValue: 'x' }, a: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2]).toString('base64') } };
  const reversed = { a: a.a, b: a.b };
  assert.equal(md5OfMessageAttributes(a), md5OfMessageAttributes(reversed));
  // Same bytes as a String would be digested differently: the transport byte differs.
  assert.notEqual(
    md5OfMessageAttributes({ v: { DataType: 'Binary', BinaryValue: Buffer.from('x').toString('base64') } }),
    md5OfMessageAttributes({ v: { DataType: 'String', StringValue: 'x' } }),
  );
});
