/**
 * Operation output → query-protocol XML, checked on the document text (element layout as botocore parses it)
 * and by parsing it back: flattened lists and maps, batch results with failures, messages with system and
 * message attributes, escaping, and the error document.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { errorXml, responseXml } from '../../src/protocols/query-xml.js';
import { qDouble, qList, qMap, qString, qStruct, qTimestamp, type QueryStructure } from '../../src/protocols/query-shape.js';
import { SQS_QUERY_SHAPES, SQS_XML_NAMESPACE } from '../../src/queues/query-shapes.js';

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, trimValues: false, htmlEntities: true });
const shapes: Record<string, { input: QueryStructure; output?: QueryStructure }> = SQS_QUERY_SHAPES;
const xml = (operation: keyof typeof SQS_QUERY_SHAPES, value: object) => responseXml(operation, SQS_XML_NAMESPACE, 'req-1', { shape: shapes[operation]!.output!, value });

describe('output → query XML', () => {
  it('wraps the result and the request id in <XResponse xmlns=...>', () => {
    const text = xml('CreateQueue', { QueueUrl: 'http://h/000000000000/q' });
    assert.equal(
      text,
      '<?xml version="1.0"?><CreateQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><CreateQueueResult><QueueUrl>http://h/000000000000/q</QueueUrl></CreateQueueResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateQueueResponse>',
    );
    assert.equal(
      responseXml('DeleteQueue', SQS_XML_NAMESPACE, 'req-2'),
      '<?xml version="1.0"?><DeleteQueueResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata></DeleteQueueResponse>',
    );
  });

  it('repeats flattened list elements and map entries in place', () => {
    assert.match(xml('ListQueues', { QueueUrls: ['u1', 'u2'] }), /<ListQueuesResult><QueueUrl>u1<\/QueueUrl><QueueUrl>u2<\/QueueUrl><\/ListQueuesResult>/);
    assert.match(xml('ListDeadLetterSourceQueues', { queueUrls: ['s1'], NextToken: 't' }), /<ListDeadLetterSourceQueuesResult><QueueUrl>s1<\/QueueUrl><NextToken>t<\/NextToken>/);
    assert.match(
      xml('GetQueueAttributes', { Attributes: { VisibilityTimeout: '30', QueueArn: 'arn' } }),
      /<GetQueueAttributesResult><Attribute><Name>VisibilityTimeout<\/Name><Value>30<\/Value><\/Attribute><Attribute><Name>QueueArn<\/Name><Value>arn<\/Value><\/Attribute><\/GetQueueAttributesResult>/,
    );
    assert.match(xml('ListQueueTags', { Tags: { team: 'shop' } }), /<Tag><Key>team<\/Key><Value>shop<\/Value><\/Tag>/);
    assert.match(xml('ReceiveMessage', {}), /<ReceiveMessageResult><\/ReceiveMessageResult>/);
  });

  it('writes batch results with successes and failures, booleans as true/false', () => {
    const text = xml('SendMessageBatch', {
      Successful: [{ Id: 'a', MessageId: 'm1', MD5OfMessageBody: 'd1' }],
      Failed: [{ Id: 'b', SenderFault: true, Code: 'InvalidParameterValue', Message: 'too big' }],
    });
    assert.match(text, /<SendMessageBatchResultEntry><Id>a<\/Id><MessageId>m1<\/MessageId><MD5OfMessageBody>d1<\/MD5OfMessageBody><\/SendMessageBatchResultEntry>/);
    assert.match(text, /<BatchResultErrorEntry><Id>b<\/Id><SenderFault>true<\/SenderFault><Code>InvalidParameterValue<\/Code><Message>too big<\/Message><\/BatchResultErrorEntry>/);
    assert.match(xml('DeleteMessageBatch', { Successful: [{ Id: 'x' }], Failed: [] }), /<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>x<\/Id><\/DeleteMessageBatchResultEntry><\/DeleteMessageBatchResult>/);
  });

  it('writes messages with their system attributes and nested message attributes, binary as base64', () => {
    const text = xml('ReceiveMessage', {
      Messages: [
        {
          MessageId: 'm1',
          ReceiptHandle: 'h1',
          MD5OfBody: 'd',
          Body: 'a < b & "c"\r\nline two',
          Attributes: { ApproximateReceiveCount: '2' },
          MD5OfMessageAttributes: 'e',
          MessageAttributes: { color: { DataType: 'String', StringValue: 'red' }, raw: { DataType: 'Binary', BinaryValue: 'AAEC' } },
        },
      ],
    });
    assert.match(text, /<Message><MessageId>m1<\/MessageId><ReceiptHandle>h1<\/ReceiptHandle>/);
    assert.match(text, /<Attribute><Name>ApproximateReceiveCount<\/Name><Value>2<\/Value><\/Attribute>/);
    assert.match(text, /<MessageAttribute><Name>color<\/Name><Value><StringValue>red<\/StringValue><DataType>String<\/DataType><\/Value><\/MessageAttribute>/);
    assert.match(text, /<MessageAttribute><Name>raw<\/Name><Value><BinaryValue>AAEC<\/BinaryValue><DataType>Binary<\/DataType><\/Value><\/MessageAttribute>/);
    // Escaped, and the carriage return survives a parser's line-end normalisation as a character reference.
    assert.match(text, /<Body>a &lt; b &amp; &quot;c&quot;&#xD;\nline two<\/Body>/);
    const parsed = parser.parse(text) as { ReceiveMessageResponse: { ReceiveMessageResult: { Message: { Body: string } } } };
    assert.equal(parsed.ReceiveMessageResponse.ReceiveMessageResult.Message.Body, 'a < b & "c"\r\nline two');
  });

  it('writes the wrapped forms: <member> lists and <entry><key/><value/></entry> maps', () => {
    const shape = qStruct({ Topics: qList(qStruct({ TopicArn: qString })), Attributes: qMap(qString) });
    const text = responseXml('ListTopics', 'http://sns.amazonaws.com/doc/2010-03-31/', 'r', { shape, value: { Topics: [{ TopicArn: 'a' }], Attributes: { k: 'v' } } });
    assert.match(text, /<ListTopicsResult><Topics><member><TopicArn>a<\/TopicArn><\/member><\/Topics><Attributes><entry><key>k<\/key><value>v<\/value><\/entry><\/Attributes><\/ListTopicsResult>/);
  });

  it('writes errors as <ErrorResponse>, replacing characters XML cannot carry', () => {
    const text = errorXml({ fault: 'Sender', code: 'AWS.SimpleQueueService.NonExistentQueue', message: 'no <queue> \u0001here' }, 'req-3', SQS_XML_NAMESPACE);
    assert.equal(
      text,
      '<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>no &lt;queue&gt; \uFFFDhere</Message><Detail></Detail></Error><RequestId>req-3</RequestId></ErrorResponse>',
    );
    assert.doesNotMatch(errorXml({ fault: 'Receiver', code: 'X', message: 'm' }, 'r'), /xmlns/);
  });

  it('writes timestamps as ISO 8601 with milliseconds and doubles as decimal text', () => {
    const shape = qStruct({ At: qTimestamp, Times: qList(qTimestamp), Value: qDouble, Values: qList(qDouble), Percentiles: qMap(qDouble) });
    const value = {
      At: new Date(Date.UTC(2026, 10, 25, 10, 0, 0)),
      Times: [new Date(Date.UTC(2026, 10, 25, 10, 0, 0, 250))],
      Value: 35,
      Values: [2.5, -0.125, 1e-7, 1.5e300],
      Percentiles: { p99: 0.1 },
    };
    const text = responseXml('Get', 'ns', 'r', { shape, value });
    assert.match(
      text,
      /<GetResult><At>2026-11-25T10:00:00.000Z<\/At><Times><member>2026-11-25T10:00:00.250Z<\/member><\/Times><Value>35<\/Value><Values><member>2.5<\/member><member>-0.125<\/member><member>1e-7<\/member><member>1.5e\+300<\/member><\/Values><Percentiles><entry><key>p99<\/key><value>0.1<\/value><\/entry><\/Percentiles><\/GetResult>/,
    );
  });
});
