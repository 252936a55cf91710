/**
 * SQS on the query protocol (API version 2012-11-05): each operation's input and output as the form and the XML
 * lay them out, from the serialization traits of SQS's query-era service model (botocore's
 * `sqs/2012-11-05/service-2.json` with `"protocol": "query"`). Everything is flattened: queue attributes are
 * `Attribute.N.Name/Value`, tags `Tag.N.Key/Value`, batch entries `SendMessageBatchRequestEntry.N.*`, and the
 * answers repeat `<QueueUrl>`, `<Message>`, `<Attribute>`, `<BatchResultErrorEntry>` in place. The operations are
 * the JSON protocol's; only these shapes are the query wire's own.
 */
import type { QueryStructure } from '../protocols/query-shape.js';
import { qBoolean, qInteger, qList, qMap, qString, qStruct } from '../protocols/query-shape.js';

export const SQS_QUERY_VERSION = '2012-11-05';
export const SQS_XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

const queueUrl = { QueueUrl: qString };
const attributeMap = qMap(qString, { flattened: true, name: 'Attribute', keyName: 'Name', valueName: 'Value' });
const tagMap = qMap(qString, { flattened: true, name: 'Tag', keyName: 'Key', valueName: 'Value' });
const attributeValue = qStruct({
  StringValue: qString,
  BinaryValue: qString,
  StringListValues: qList(qString, { flattened: true, name: 'StringListValue' }),
  BinaryListValues: qList(qString, { flattened: true, name: 'BinaryListValue' }),
  DataType: qString,
});
const messageAttributes = qMap(attributeValue, { flattened: true, name: 'MessageAttribute', keyName: 'Name', valueName: 'Value' });
const systemAttributes = qMap(attributeValue, { flattened: true, name: 'MessageSystemAttribute', keyName: 'Name', valueName: 'Value' });
const nameList = (element: string) => qList(qString, { flattened: true, memberName: element });
const entries = (element: string, members: Parameters<typeof qStruct>[0]) => qList(qStruct(members), { flattened: true, memberName: element });
const pageInput = { NextToken: qString, MaxResults: qInteger };
const urlList = qList(qString, { flattened: true, memberName: 'QueueUrl' });
const queueUrlOutput = qStruct(queueUrl);
const batchFailures = entries('BatchResultErrorEntry', { Id: qString, SenderFault: qBoolean, Code: qString, Message: qString });
const idOnlyResult = (element: string) => qStruct({ Successful: entries(element, { Id: qString }), Failed: batchFailures });
const sendEntry = {
  MessageBody: qString,
  DelaySeconds: qInteger,
  MessageAttributes: messageAttributes,
  MessageSystemAttributes: systemAttributes,
  MessageDeduplicationId: qString,
  MessageGroupId: qString,
};
const sendResult = {
  MessageId: qString,
  MD5OfMessageBody: qString,
  MD5OfMessageAttributes: qString,
  MD5OfMessageSystemAttributes: qString,
  SequenceNumber: qString,
};
const message = qStruct({
  MessageId: qString,
  ReceiptHandle: qString,
  MD5OfBody: qString,
  Body: qString,
  Attributes: attributeMap,
  MD5OfMessageAttributes: qString,
  MessageAttributes: messageAttributes,
});

/** Per operation: its input and, where it has one, its output (the `<Action>Result` element). */
export const SQS_QUERY_SHAPES = {
  CreateQueue: { input: qStruct({ QueueName: qString, Attributes: attributeMap, tags: tagMap }), output: queueUrlOutput },
  GetQueueUrl: { input: qStruct({ QueueName: qString, QueueOwnerAWSAccountId: qString }), output: queueUrlOutput },
  ListQueues: { input: qStruct({ QueueNamePrefix: qString, ...pageInput }), output: qStruct({ QueueUrls: urlList, NextToken: qString }) },
  DeleteQueue: { input: qStruct(queueUrl) },
  GetQueueAttributes: { input: qStruct({ ...queueUrl, AttributeNames: nameList('AttributeName') }), output: qStruct({ Attributes: attributeMap }) },
  SetQueueAttributes: { input: qStruct({ ...queueUrl, Attributes: attributeMap }) },
  PurgeQueue: { input: qStruct(queueUrl) },
  ListDeadLetterSourceQueues: { input: qStruct({ ...queueUrl, ...pageInput }), output: qStruct({ queueUrls: urlList, NextToken: qString }) },
  SendMessage: { input: qStruct({ ...queueUrl, ...sendEntry }), output: qStruct(sendResult) },
  SendMessageBatch: {
    input: qStruct({ ...queueUrl, Entries: entries('SendMessageBatchRequestEntry', { Id: qString, ...sendEntry }) }),
    output: qStruct({ Successful: entries('SendMessageBatchResultEntry', { Id: qString, ...sendResult }), Failed: batchFailures }),
  },
  ReceiveMessage: {
    input: qStruct({
      ...queueUrl,
      AttributeNames: nameList('AttributeName'),
      MessageSystemAttributeNames: nameList('MessageSystemAttributeName'),
      MessageAttributeNames: nameList('MessageAttributeName'),
      MaxNumberOfMessages: qInteger,
      VisibilityTimeout: qInteger,
      WaitTimeSeconds: qInteger,
      ReceiveRequestAttemptId: qString,
    }),
    output: qStruct({ Messages: qList(message, { flattened: true, memberName: 'Message' }) }),
  },
  DeleteMessage: { input: qStruct({ ...queueUrl, ReceiptHandle: qString }) },
  DeleteMessageBatch: {
    input: qStruct({ ...queueUrl, Entries: entries('DeleteMessageBatchRequestEntry', { Id: qString, ReceiptHandle: qString }) }),
    output: idOnlyResult('DeleteMessageBatchResultEntry'),
  },
  ChangeMessageVisibility: { input: qStruct({ ...queueUrl, ReceiptHandle: qString, VisibilityTimeout: qInteger }) },
  ChangeMessageVisibilityBatch: {
    input: qStruct({ ...queueUrl, Entries: entries('ChangeMessageVisibilityBatchRequestEntry', { Id: qString, ReceiptHandle: qString, VisibilityTimeout: qInteger }) }),
    output: idOnlyResult('ChangeMessageVisibilityBatchResultEntry'),
  },
  TagQueue: { input: qStruct({ ...queueUrl, Tags: tagMap }) },
  UntagQueue: { input: qStruct({ ...queueUrl, TagKeys: nameList('TagKey') }) },
  ListQueueTags: { input: qStruct(queueUrl), output: qStruct({ Tags: tagMap }) },
  // Move tasks (June 2023) predate SQS's move to JSON by months; their query shapes follow the same traits.
  StartMessageMoveTask: {
    input: qStruct({ SourceArn: qString, DestinationArn: qString, MaxNumberOfMessagesPerSecond: qInteger }),
    output: qStruct({ TaskHandle: qString }),
  },
  CancelMessageMoveTask: { input: qStruct({ TaskHandle: qString }), output: qStruct({ ApproximateNumberOfMessagesMoved: qInteger }) },
  ListMessageMoveTasks: {
    input: qStruct({ SourceArn: qString, MaxResults: qInteger }),
    output: qStruct({
      Results: entries('ListMessageMoveTasksResultEntry', {
        TaskHandle: qString,
        Status: qString,
        SourceArn: qString,
        DestinationArn: qString,
        MaxNumberOfMessagesPerSecond: qInteger,
        ApproximateNumberOfMessagesMoved: qInteger,
        ApproximateNumberOfMessagesToMove: qInteger,
        FailureReason: qString,
        StartedTimestamp: qInteger,
      }),
    }),
  },
} satisfies Record<string, { input: QueryStructure; output?: QueryStructure }>;

export type SqsOperationName = keyof typeof SQS_QUERY_SHAPES;
