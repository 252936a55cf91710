/**
 * Form parameters → operation input, for the shapes SQS declares (flattened maps, lists, batch entries, nested
 * message attributes) and for the wrapped forms SNS and CloudWatch use (`member.N`, `entry.N.key`). The inputs
 * must be exactly what the JSON protocol would have handed the operation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readQueryInput } from '../../src/protocols/query-params.js';
import { qInteger, qList, qMap, qString, qStruct } from '../../src/protocols/query-shape.js';
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
});
