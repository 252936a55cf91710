/**
 * Form parameters → operation input, for the shapes SQS declares (flattened maps, lists, batch entries, nested
 * message attributes) and for the wrapped forms SNS and CloudWatch use (`member.N`, `entry.N.key`). The inputs
 * must be exactly what the JSON protocol would have handed the operation: doubles as numbers (the non-finite ones
 * as awsJson's strings), timestamps as epoch seconds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readQueryInput } from '../../src/protocols/query-params.js';
import { qDouble, qInteger, qList, qMap, qString, qStruct, qTimestamp } from '../../src/protocols/query-shape.js';
import { SQS_QUERY_SHAPES } from '../../src/queues/query-shapes.js';

const form = (text: string) => new Map(new URLSearchParams(text));
const read = (operation: keyof typeof SQS_QUERY_SHAPES, text: string) => readQueryInput(form(text), SQS_QUERY_SHAPES[operation].input);

describe('query form → input', () => {
  it('reads flattened attribute and tag maps under their wire names (Attribute, Tag → tags)', () => {
    const input = read('CreateQueue', 'Action=CreateQueue&QueueName=orders&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=45&Attribute.2.Name=DelaySeconds&Attribute.2.Value=0&Tag.1.Key=team&Tag.1.Value=shop');
    assert.deepEqual(input, { QueueName: 'orders', Attributes: { VisibilityTimeout: '45', DelaySeconds: '0' }, tags: { team: 'shop' } });
  });

  it('reads flattened lists in index order, gaps allowed, and an empty list as botocore sends it', () => {
    const input = read('ReceiveMessage', 'QueueUrl=/000000000000/q&AttributeName.2=SentTimestamp&AttributeName.1=All&MessageAttributeName.10=b&MessageAttributeName.3=a');
    assert.deepEqual(input, { QueueUrl: '/000000000000/q', AttributeNames: ['All', 'SentTimestamp'], MessageAttributeNames: ['a', 'b'] });
    assert.deepEqual(read('GetQueueAttributes', 'QueueUrl=u&AttributeNames='), { QueueUrl: 'u', AttributeNames: [] });
    assert.deepEqual(read('UntagQueue', 'QueueUrl=u&TagKey.1=team&TagKey.2=env'), { QueueUrl: 'u', TagKeys: ['team', 'env'] });
  });

  it('converts numbers, and names the parameter when one does not convert', () => {
    assert.deepEqual(read('ReceiveMessage', 'QueueUrl=u&MaxNumberOfMessages=10&WaitTimeSeconds=-1&VisibilityTimeout=%2B5'), { QueueUrl: 'u', MaxNumberOfMessages: 10, WaitTimeSeconds: -1, VisibilityTimeout: 5 });
    assert.throws(() => read('ReceiveMessage', 'QueueUrl=u&MaxNumberOfMessages=ten'), { code: 'InvalidParameterValue', message: /Value ten for parameter MaxNumberOfMessages is invalid/ });
    assert.throws(() => read('ReceiveMessage', 'QueueUrl=u&VisibilityTimeout=1.5'), { code: 'InvalidParameterValue', message: /VisibilityTimeout/ });
    assert.throws(() => read('ReceiveMessage', 'QueueUrl=u&WaitTimeSeconds=99999999999999999999'), { code: 'InvalidParameterValue' });
    assert.throws(
      () => read('SendMessageBatch', 'QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x&SendMessageBatchRequestEntry.1.DelaySeconds=soon'),
      { code: 'InvalidParameterValue', message: /parameter SendMessageBatchRequestEntry\.1\.DelaySeconds/ },
    );
  });

  it('reads message attributes with string, number and base64 binary values', () => {
    const input = read(
      'SendMessage',
      'QueueUrl=u&MessageBody=hello+world&MessageAttribute.1.Name=color&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=red' +
        '&MessageAttribute.2.Name=size&MessageAttribute.2.Value.DataType=Number&MessageAttribute.2.Value.StringValue=3' +
        '&MessageAttribute.3.Name=raw&MessageAttribute.3.Value.DataType=Binary&MessageAttribute.3.Value.BinaryValue=AAEC%2F%2B8%3D&DelaySeconds=5',
    );
    assert.deepEqual(input, {
      QueueUrl: 'u',
      MessageBody: 'hello world',
      DelaySeconds: 5,
      MessageAttributes: {
        color: { DataType: 'String', StringValue: 'red' },
        size: { DataType: 'Number', StringValue: '3' },
        raw: { DataType: 'Binary', BinaryValue: 'AAEC/+8=' },
      },
    });
  });

  it('reads batch entries with their own nested attributes', () => {
    const input = read(
      'SendMessageBatch',
      'QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one' +
        '&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=two&SendMessageBatchRequestEntry.2.DelaySeconds=3' +
        '&SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=k&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=String' +
        '&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=v&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringListValue.1=x',
    );
    assert.deepEqual(input, {
      QueueUrl: 'u',
      Entries: [
        { Id: 'a', MessageBody: 'one' },
        { Id: 'b', MessageBody: 'two', DelaySeconds: 3, MessageAttributes: { k: { DataType: 'String', StringValue: 'v', StringListValues: ['x'] } } },
      ],
    });
    const change = read('ChangeMessageVisibilityBatch', 'QueueUrl=u&ChangeMessageVisibilityBatchRequestEntry.1.Id=a&ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle=h&ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=60');
    assert.deepEqual(change, { QueueUrl: 'u', Entries: [{ Id: 'a', ReceiptHandle: 'h', VisibilityTimeout: 60 }] });
  });

  it('names the half of a map entry that is missing', () => {
    assert.throws(() => read('SetQueueAttributes', 'QueueUrl=u&Attribute.1.Value=5'), { code: 'MissingParameter', message: /Attribute\.1\.Name/ });
    assert.throws(() => read('SetQueueAttributes', 'QueueUrl=u&Attribute.1.Name=DelaySeconds'), { code: 'MissingParameter', message: /Attribute\.1\.Value/ });
    assert.throws(() => read('UntagQueue', 'QueueUrl=u&TagKey.1.x=team'), { code: 'MissingParameter', message: /TagKey\.1/ });
  });

  it('keeps a map key named __proto__ as an ordinary entry and ignores parameters the shape does not know', () => {
    const input = read('TagQueue', 'QueueUrl=u&Tag.1.Key=__proto__&Tag.1.Value=x&Bogus=1&Tag.x.Key=y');
    const tags = input.Tags as Record<string, string>;
    assert.deepEqual(Object.keys(tags), ['__proto__']);
    assert.equal(Object.getPrototypeOf(tags), Object.prototype);
    assert.equal(Object.keys(input).length, 2);
  });

  it('reads the wrapped forms: member.N lists and entry.N.key/value maps', () => {
    const shape = qStruct({
      TopicArns: qList(qString),
      Tags: qList(qStruct({ Key: qString, Value: qString })),
      Attributes: qMap(qString),
      Counts: qList(qInteger, { memberName: 'Count', name: 'CountList' }),
    });
    const input = readQueryInput(
      form('TopicArns.member.1=a&TopicArns.member.2=b&Tags.member.1.Key=k&Tags.member.1.Value=v&Attributes.entry.1.key=Policy&Attributes.entry.1.value=%7B%7D&CountList.Count.1=7'),
      shape,
    );
    assert.deepEqual(input, { TopicArns: ['a', 'b'], Tags: [{ Key: 'k', Value: 'v' }], Attributes: { Policy: '{}' }, Counts: [7] });
  });

  it('reads doubles as decimal text, and the non-finite ones as awsJson writes them', () => {
    const shape = qStruct({ Values: qList(qDouble), Threshold: qDouble });
    const values = ['2.5', '-0.125', '7', '+3', '.5', '1e-05', '1.5E+300', 'NaN', 'Infinity', '-Infinity', '+Infinity'];
    const text = values.map((v, i) => `Values.member.${i + 1}=${encodeURIComponent(v)}`).join('&');
    assert.deepEqual(readQueryInput(form(`${text}&Threshold=35.0`), shape), {
      Values: [2.5, -0.125, 7, 3, 0.5, 0.00001, 1.5e300, 'NaN', 'Infinity', '-Infinity', 'Infinity'],
      Threshold: 35,
    });
    for (const bad of ['', 'abc', '0x10', '1,5', ' 1', '1e', 'nan', 'inf']) {
      assert.throws(() => readQueryInput(form(`Threshold=${encodeURIComponent(bad)}`), shape), { code: 'InvalidParameterValue', message: new RegExp(`Value ${bad} for parameter Threshold is invalid. Reason: Must be a number.`) });
    }
  });

  it('reads ISO 8601 timestamps as botocore and other clients write them, into epoch seconds', () => {
    const shape = qStruct({ At: qTimestamp, Times: qList(qTimestamp) });
    const at = (text: string) => readQueryInput(form(`At=${encodeURIComponent(text)}`), shape).At;
    const base = Date.UTC(2026, 10, 25, 10, 0, 0) / 1000;
    assert.equal(at('2026-11-25T10:00:00Z'), base);
    assert.equal(at('2026-11-25T10:00:00.123456Z'), base + 0.123456);
    assert.equal(at('2026-11-25T10:00:00.250Z'), base + 0.25);
    assert.equal(at('2026-11-25t10:00:00z'), base);
    assert.equal(at('2026-11-25T12:30:00+02:30'), base);
    assert.equal(at('2026-11-25T07:00:00-0300'), base);
    // No zone: UTC.
    assert.equal(at('2026-11-25T10:00:00'), base);
    assert.equal(at('2024-02-29T23:59:59Z'), Date.UTC(2024, 1, 29, 23, 59, 59) / 1000);
    assert.deepEqual(readQueryInput(form('Times.member.1=2026-11-25T10:00:00Z&Times.member.2=2026-11-25T10:01:00Z'), shape), { Times: [base, base + 60] });
    for (const bad of ['1795600800', '2026-11-25', '2026-11-25 10:00:00Z', '2026-02-29T10:00:00Z', '2026-11-31T10:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T10:60:00Z', '2026-11-25T10:00:60Z', '2026-11-25T10:00:00+01:60', 'yesterday']) {
      assert.throws(() => at(bad), { code: 'InvalidParameterValue', message: /for parameter At is invalid. Reason: Must be an ISO 8601 timestamp/ }, bad);
    }
  });
});
