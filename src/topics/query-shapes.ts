/**
 * SNS on the query protocol (API version 2010-03-31, the only protocol SNS's SDKs speak): each operation's input
 * and output as the form and the XML lay them out, from the serialization traits of SNS's service model (botocore's
 * `sns/2010-03-31/service-2.json`). Nothing is flattened: lists are `Tags.member.N.Key` / `<Tags><member>`, maps
 * `Attributes.entry.N.key` / `<Attributes><entry><key>` — except MessageAttributes, whose entries name their key
 * `Name` and their value `Value` (`MessageAttributes.entry.N.Value.DataType`). The operations are the services'
 * own; only these shapes are the query wire's.
 */
import type { QueryStructure } from '../protocols/query-shape.js';
import { qBoolean, qList, qMap, qString, qStruct } from '../protocols/query-shape.js';

export const SNS_QUERY_VERSION = '2010-03-31';
export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';

const attributes = qMap(qString);
const tag = qStruct({ Key: qString, Value: qString });
const tags = qList(tag);
const messageAttributes = qMap(qStruct({ DataType: qString, StringValue: qString, BinaryValue: qString }), { keyName: 'Name', valueName: 'Value' });
const message = {
  Message: qString,
  Subject: qString,
  MessageStructure: qString,
  MessageAttributes: messageAttributes,
  MessageDeduplicationId: qString,
  MessageGroupId: qString,
};
const topicArn = { TopicArn: qString };
const subscriptionArn = { SubscriptionArn: qString };
const subscriptionArnOutput = qStruct(subscriptionArn);
const attributesOutput = qStruct({ Attributes: attributes });
const subscriptions = qStruct({ Subscriptions: qList(qStruct({ SubscriptionArn: qString, Owner: qString, Protocol: qString, Endpoint: qString, TopicArn: qString })), NextToken: qString });

/** Per operation: its input and, where SNS answers with more than the request id, its output. */
export const SNS_QUERY_SHAPES = {
  CreateTopic: { input: qStruct({ Name: qString, Attributes: attributes, Tags: tags, DataProtectionPolicy: qString }), output: qStruct(topicArn) },
  DeleteTopic: { input: qStruct(topicArn) },
  ListTopics: { input: qStruct({ NextToken: qString }), output: qStruct({ Topics: qList(qStruct(topicArn)), NextToken: qString }) },
  GetTopicAttributes: { input: qStruct(topicArn), output: attributesOutput },
  SetTopicAttributes: { input: qStruct({ ...topicArn, AttributeName: qString, AttributeValue: qString }) },
  Subscribe: { input: qStruct({ ...topicArn, Protocol: qString, Endpoint: qString, Attributes: attributes, ReturnSubscriptionArn: qBoolean }), output: subscriptionArnOutput },
  ConfirmSubscription: { input: qStruct({ ...topicArn, Token: qString, AuthenticateOnUnsubscribe: qString }), output: subscriptionArnOutput },
  Unsubscribe: { input: qStruct(subscriptionArn) },
  ListSubscriptions: { input: qStruct({ NextToken: qString }), output: subscriptions },
  ListSubscriptionsByTopic: { input: qStruct({ ...topicArn, NextToken: qString }), output: subscriptions },
  GetSubscriptionAttributes: { input: qStruct(subscriptionArn), output: attributesOutput },
  SetSubscriptionAttributes: { input: qStruct({ ...subscriptionArn, AttributeName: qString, AttributeValue: qString }) },
  Publish: { input: qStruct({ ...topicArn, TargetArn: qString, PhoneNumber: qString, ...message }), output: qStruct({ MessageId: qString, SequenceNumber: qString }) },
  PublishBatch: {
    input: qStruct({ ...topicArn, PublishBatchRequestEntries: qList(qStruct({ Id: qString, ...message })) }),
    output: qStruct({
      Successful: qList(qStruct({ Id: qString, MessageId: qString, SequenceNumber: qString })),
      Failed: qList(qStruct({ Id: qString, Code: qString, Message: qString, SenderFault: qBoolean })),
    }),
  },
  TagResource: { input: qStruct({ ResourceArn: qString, Tags: tags }), output: qStruct({}) },
  UntagResource: { input: qStruct({ ResourceArn: qString, TagKeys: qList(qString) }), output: qStruct({}) },
  ListTagsForResource: { input: qStruct({ ResourceArn: qString }), output: qStruct({ Tags: tags }) },
} satisfies Record<string, { input: QueryStructure; output?: QueryStructure }>;

export type SnsOperationName = keyof typeof SNS_QUERY_SHAPES;
