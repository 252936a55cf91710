/**
 * Bad input over the wire: every malformed request gets an AWS-shaped error (`__type`, message naming the field,
 * AWS's status), the server keeps running, and events accepted before are still there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decode as decodeCbor } from 'cbor-x';
import { callJson } from '../helpers/aws-json.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe('bad input', () => {
  let server: ServerProcess;
  let acceptedId: string;

  before(async () => {
    server = await startServerProcess();
    const put = await callJson(server.url, 'AWSEvents.PutEvents', { Entries: [{ Source: 's', DetailType: 'd', Detail: '{"keep":true}' }] });
    acceptedId = (put.body.Entries as { EventId: string }[])[0]!.EventId;
  });
  after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  const expectError = async (target: string, body: unknown, status: number, type: string, message?: RegExp, headers?: Record<string, string>) => {
    const res = await callJson(server.url, target, body, headers);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.__type, type);
    if (message) assert.match(String(res.body.message), message);
    assert.ok(res.headers.get('x-amzn-requestid'));
  };

  it('malformed JSON', () => expectError('AWSEvents.ListRules', '{"EventBusName": ', 400, 'SerializationException', /not valid JSON/));
  it('a JSON body that is not an object', () => expectError('AWSEvents.ListRules', '[1]', 400, 'SerializationException'));
  it('a wrong JSON type for a member', () => expectError('AWSEvents.PutRule', { Name: 7 }, 400, 'SerializationException', /name/));
  it('the wrong Content-Type', () => expectError('AWSEvents.ListRules', '{}', 415, 'UnsupportedMediaTypeException', /Content-Type/, { 'content-type': 'text/plain' }));
  it('an unknown X-Amz-Target', () => expectError('AWSEvents.DoSomething', {}, 400, 'UnknownOperationException', /DoSomething/));
  it('an unknown service', () => expectError('NoSuchService.Op', {}, 400, 'UnknownOperationException'));
  it('a missing required member', () => expectError('AWSEvents.PutRule', {}, 400, 'ValidationException', /Value null at 'name' failed to satisfy constraint: Member must not be null/));
  it('an invalid pattern', () => expectError('AWSEvents.PutRule', { Name: 'r', EventPattern: '{"a": "not-an-array"}' }, 400, 'InvalidEventPatternException', /Event pattern is not valid/));
  it('a rule with neither pattern nor schedule', () => expectError('AWSEvents.PutRule', { Name: 'r' }, 400, 'ValidationException', /EventPattern or ScheduleExpression/));
  it('an invalid schedule', () => expectError('AWSEvents.PutRule', { Name: 'r', ScheduleExpression: 'rate(1 minutes)' }, 400, 'ValidationException', /ScheduleExpression/));
  it('an out-of-range retry policy', () =>
    expectError('AWSEvents.PutTargets', { Rule: 'r', Targets: [{ Id: 'a', Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RetryPolicy: { MaximumEventAgeInSeconds: 59 } }] }, 400, 'ValidationException', /retryPolicy\.maximumEventAgeInSeconds.*greater than or equal to 60/));
  it('targets on an unknown rule', () => expectError('AWSEvents.PutTargets', { Rule: 'nope', Targets: [{ Id: 'a', Arn: 'arn:aws:sqs:us-east-1:000000000000:q' }] }, 400, 'ResourceNotFoundException', /Rule nope does not exist on EventBus default/));
  it('an unknown bus', () => expectError('AWSEvents.ListRules', { EventBusName: 'ghost' }, 400, 'ResourceNotFoundException', /ghost/));
  it('eleven entries', () => expectError('AWSEvents.PutEvents', { Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })) }, 400, 'ValidationException', /'entries'.*less than or equal to 10/));
  it('entries over 1 MB in total', () => {
    const big = JSON.stringify({ pad: 'x'.repeat(600 * 1024) });
    return expectError('AWSEvents.PutEvents', { Entries: [{ Source: 's', DetailType: 'd', Detail: big }, { Source: 's', DetailType: 'd', Detail: big }] }, 400, 'ValidationException', /over the limit/);
  });
  it('a body over the server\'s limit', async () => {
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' }, body: 'x'.repeat(5 * 1024 * 1024) });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { __type: string }).__type, 'RequestEntityTooLargeException');
  });
  it('a malformed Authorization header', () => expectError('AWSEvents.ListRules', {}, 403, 'MissingAuthenticationTokenException', /AWS4-HMAC-SHA256/, { authorization: 'Basic abc' }));

  it('a CloudWatch rpc-v2-cbor body that is not CBOR', async () => {
    const res = await fetch(`${server.url}/service/GraniteServiceVersion20100801/operation/PutMetricAlarm`, {
      method: 'POST',
      headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor', accept: 'application/cbor' },
      body: Buffer.from('{"AlarmName": "not CBOR"}'),
    });
    assert.equal(res.status, 400);
    const error = decodeCbor(Buffer.from(await res.arrayBuffer())) as { __type: string; message: string };
    assert.match(error.__type, /SerializationException$/);
    assert.ok(error.message, 'the error says what is wrong');
  });
  it('still serves, and still has what it accepted', async () => {
    const health = await fetch(`${server.url}/_mailroom/health`);
    assert.equal(health.status, 200);
    const rules = await callJson(server.url, 'AWSEvents.ListRules', {});
    assert.equal(rules.status, 200);
    await server.stop();
    const { openStore } = await import('../../src/store/index.js');
    const store = await openStore({ dataDir: server.dataDir });
    try {
      const event = await store.getEvent(acceptedId);
      assert.deepEqual((JSON.parse(event!.payload) as { detail: unknown }).detail, { keep: true });
    } finally {
      await store.close();
    }
  });
});
