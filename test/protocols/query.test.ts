/**
 * The query adapter in-process over a real Mailroom (SQLite in a temp directory): which requests it claims, how
 * it picks the service (SigV4 scope, else Version), Action routing, the queue URL path standing in for
 * QueueUrl, and errors in the XML shape with the catalogue's query codes and statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import pino from 'pino';
import { AwsJsonAdapter } from '../../src/protocols/aws-json.js';
import { QueryAdapter } from '../../src/protocols/query.js';
import { acceptAnySignature } from '../../src/protocols/sigv4.js';
import type { WireRequest } from '../../src/protocols/wire.js';
import { openFixture, type SqsFixture } from '../queues/helpers.js';

const SIGNED_SQS = 'AWS4-HMAC-SHA256 Credential=AKIDQUERY/20260301/eu-west-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';
const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, isArray: (_name, path) => /(ListQueuesResult\.QueueUrl|ReceiveMessageResult\.Message)$/.test(String(path)) });

let n = 0;
function request(body: string, options: { path?: string; method?: string; headers?: Record<string, string> } = {}): WireRequest {
  return {
    method: options.method ?? 'POST',
    path: options.path ?? '/',
    headers: { host: 'mailroom.test:4010', 'content-type': FORM, ...options.headers },
    body: Buffer.from(body),
    requestId: `req-${++n}`,
  };
}

describe('QueryAdapter', () => {
  let fixture: SqsFixture;
  let adapter: QueryAdapter;

  before(async () => {
    fixture = await openFixture();
    adapter = new QueryAdapter([fixture.mailroom.sqs.queryService()], acceptAnySignature, pino({ level: 'silent' }));
  });
  after(() => fixture.close());

  /** Sends `body` and returns the status and the parsed document. */
  const call = async (body: string, options: Parameters<typeof request>[1] = {}) => {
    const req = request(body, options);
    const res = await adapter.handle(req);
    assert.equal(res.headers['content-type'], 'text/xml');
    assert.equal(res.headers['x-amzn-requestid'], req.requestId);
    return { status: res.status, doc: parser.parse(res.body as string) as Record<string, Record<string, unknown>>, text: res.body as string };
  };
  const error = async (body: string, options: Parameters<typeof request>[1] = {}) => {
    const { status, doc } = await call(body, options);
    const e = doc.ErrorResponse as { Error: { Type: string; Code: string; Message: string }; RequestId: string };
    assert.ok(e, 'expected an ErrorResponse');
    return { status, ...e.Error, requestId: e.RequestId };
  };

  it('claims form posts and ?Action= GETs, and leaves awsJson requests alone', () => {
    assert.equal(adapter.claims(request('Action=ListQueues')), true);
    assert.equal(adapter.claims(request('', { method: 'GET', path: '/?Action=ListQueues&Version=2012-11-05' })), true);
    assert.equal(adapter.claims(request('', { method: 'GET', path: '/' })), false);
    const json = request('{}', { headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' } });
    assert.equal(adapter.claims(json), false);
    const jsonAdapter = new AwsJsonAdapter([fixture.mailroom.sqs.jsonService()], acceptAnySignature, pino({ level: 'silent' }));
    assert.equal(jsonAdapter.claims(request('Action=ListQueues')), false, 'the JSON adapter never claims a query request');
  });

  it('serves a signed request by its credential scope, with the region from it', async () => {
    const created = await call('Action=CreateQueue&QueueName=signed&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=40', { headers: { authorization: SIGNED_SQS } });
    assert.equal(created.status, 200);
    assert.equal((created.doc.CreateQueueResponse!.CreateQueueResult as { QueueUrl: string }).QueueUrl, 'http://mailroom.test:4010/000000000000/signed');
    assert.match(created.text, /xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"/);
    const attrs = await call('Action=GetQueueAttributes&QueueUrl=http://mailroom.test:4010/000000000000/signed&AttributeName.1=QueueArn&AttributeName.2=VisibilityTimeout', { headers: { authorization: SIGNED_SQS } });
    assert.match(attrs.text, /<Attribute><Name>QueueArn<\/Name><Value>arn:aws:sqs:eu-west-1:000000000000:signed<\/Value><\/Attribute>/);
    assert.match(attrs.text, /<Attribute><Name>VisibilityTimeout<\/Name><Value>40<\/Value><\/Attribute>/);
  });

  it('serves an unsigned request by its Version, also as a GET', async () => {
    await call('Action=CreateQueue&Version=2012-11-05&QueueName=unsigned');
    const listed = await call('', { method: 'GET', path: '/?Action=ListQueues&Version=2012-11-05&QueueNamePrefix=unsig' });
    assert.deepEqual((listed.doc.ListQueuesResponse!.ListQueuesResult as { QueueUrl: string[] }).QueueUrl, ['http://mailroom.test:4010/000000000000/unsigned']);
  });

  it('takes the queue from the request path when QueueUrl is absent', async () => {
    await call('Action=CreateQueue&Version=2012-11-05&QueueName=by-path');
    const sent = await call('Action=SendMessage&Version=2012-11-05&MessageBody=via+path', { path: '/000000000000/by-path' });
    assert.equal(sent.status, 200);
    const received = await call('Action=ReceiveMessage&Version=2012-11-05', { path: '/000000000000/by-path?x=1' });
    const [message] = (received.doc.ReceiveMessageResponse!.ReceiveMessageResult as { Message: { Body: string }[] }).Message;
    assert.equal(message!.Body, 'via path');
    // An explicit QueueUrl wins over the path.
    const other = await error('Action=ReceiveMessage&Version=2012-11-05&QueueUrl=/000000000000/absent', { path: '/000000000000/by-path' });
    assert.equal(other.Code, 'AWS.SimpleQueueService.NonExistentQueue');
  });

  it('answers errors as <ErrorResponse> with the query code, fault and the JSON protocol status', async () => {
    const missing = await error('Action=ReceiveMessage&Version=2012-11-05&QueueUrl=http://h/000000000000/nope');
    assert.deepEqual([missing.status, missing.Type, missing.Code, missing.Message], [400, 'Sender', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.']);
    assert.match(missing.requestId, /^req-/);
    await call('Action=CreateQueue&Version=2012-11-05&QueueName=errors');
    const handle = await error('Action=DeleteMessage&Version=2012-11-05&QueueUrl=/000000000000/errors&ReceiptHandle=garbage');
    assert.deepEqual([handle.status, handle.Code], [404, 'ReceiptHandleIsInvalid']);
    const range = await error('Action=ChangeMessageVisibility&Version=2012-11-05&QueueUrl=/000000000000/errors&ReceiptHandle=h&VisibilityTimeout=50000');
    assert.deepEqual([range.status, range.Code], [400, 'InvalidParameterValue']);
    assert.match(range.Message, /VisibilityTimeout/);
    const number = await error('Action=ReceiveMessage&Version=2012-11-05&QueueUrl=/000000000000/errors&MaxNumberOfMessages=lots');
    assert.deepEqual([number.Code, number.Message], ['InvalidParameterValue', 'Value lots for parameter MaxNumberOfMessages is invalid. Reason: Must be an integer.']);
    const name = await error('Action=GetQueueUrl&Version=2012-11-05');
    assert.deepEqual([name.Code, name.Message], ['MissingParameter', 'The request must contain the parameter QueueName.']);
    const batch = await error('Action=DeleteMessageBatch&Version=2012-11-05&QueueUrl=/000000000000/errors');
    assert.equal(batch.Code, 'AWS.SimpleQueueService.EmptyBatchRequest');
  });

  it('refuses a missing or unknown Action, and a service it cannot name', async () => {
    const none = await error('Version=2012-11-05&QueueName=x');
    assert.deepEqual([none.status, none.Code], [400, 'MissingAction']);
    const unknown = await error('Action=AddPermission&Version=2012-11-05');
    assert.deepEqual([unknown.status, unknown.Code], [400, 'InvalidAction']);
    assert.match(unknown.Message, /AddPermission/);
    assert.equal((await error('Action=constructor&Version=2012-11-05')).Code, 'InvalidAction');
    const version = await error('Action=ListQueues&Version=2099-01-01');
    assert.deepEqual([version.Code, version.Message], ['InvalidParameterValue', 'Value 2099-01-01 for parameter Version is invalid. Reason: Mailroom serves SQS (sqs, Version 2012-11-05).']);
    const unsigned = await error('Action=ListQueues');
    assert.equal(unsigned.Code, 'MissingParameter');
    assert.match(unsigned.Message, /Version/);
    const sns = await error('Action=ListTopics&Version=2010-03-31', { headers: { authorization: SIGNED_SQS.replace('/sqs/', '/sns/') } });
    assert.equal(sns.Code, 'InvalidAction');
    assert.match(sns.Message, /signed for service 'sns'/);
    const badSignature = await error('Action=ListQueues&Version=2012-11-05', { headers: { authorization: 'Bearer token' } });
    assert.deepEqual([badSignature.status, badSignature.Code], [403, 'MissingAuthenticationTokenException']);
  });
});
