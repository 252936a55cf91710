/**
 * SNS's operations for the query protocol (`Action=<Operation>` form parameters in, `<OperationResponse>` XML out,
 * namespace http://sns.amazonaws.com/doc/2010-03-31/), each with the input shape the form parameters decode into
 * and the output shape that goes into `<OperationResult>`. Operations whose SNS output is empty have no output
 * shape: their response carries only ResponseMetadata.
 *
 * Wire notes for the adapter: lists are `Name.member.N` and maps `Name.entry.N.key` / `.value`, except
 * MessageAttributes, whose entries are `MessageAttributes.entry.N.Name` and `.Value.DataType` /
 * `.Value.StringValue` / `.Value.BinaryValue` (SNS's model names the map's key "Name" and its value "Value";
 * see `MAP_ENTRY_NAMES`). BinaryValue is base64 on the wire and stays base64 here.
 */
import type { Operation } from '../protocols/wire.js';
import { bool, list, map, str, struct, type Shape } from '../protocols/shape.js';
import { batchShape, publishShape } from './publish.js';
import {
  confirmSubscriptionShape,
  listByTopicShape,
  listSubscriptionsShape,
  setSubscriptionAttributesShape,
  subscribeShape,
  subscriptionArnShape,
} from './subscriptions.js';
import { listTagsShape, tagResourceShape, tagShape, untagResourceShape } from './tags.js';
import { createTopicShape, listTopicsShape, setTopicAttributesShape, topicArnShape } from './topic-service.js';

export const SNS_XML_NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/';
export const SNS_API_VERSION = '2010-03-31';

/** Maps whose entries do not use the query protocol's default `key` / `value` names. */
export const MAP_ENTRY_NAMES: Readonly<Record<string, { key: string; value: string }>> = { MessageAttributes: { key: 'Name', value: 'Value' } };

export interface QueryOperation {
  run: Operation;
  input: Shape;
  output?: Shape;
}

export interface QueryServiceOperations {
  readonly service: string;
  readonly xmlNamespace: string;
  readonly version: string;
  readonly operations: Readonly<Record<string, QueryOperation>>;
}

const subscriptionArnOutput = struct({ SubscriptionArn: str() });
const attributesOutput = struct({ Attributes: map(str()) });
const subscriptionsOutput = struct({ Subscriptions: list(struct({ SubscriptionArn: str(), Owner: str(), Protocol: str(), Endpoint: str(), TopicArn: str() })), NextToken: str() });

/** The shapes of each operation; `runs` supplies the service calls (see Sns.queryService). */
export function snsOperations(runs: Record<keyof typeof SHAPES, Operation>): QueryServiceOperations {
  const operations: Record<string, QueryOperation> = {};
  for (const [name, shapes] of Object.entries(SHAPES)) operations[name] = { run: runs[name as keyof typeof SHAPES], ...shapes };
  return { service: 'SNS', xmlNamespace: SNS_XML_NAMESPACE, version: SNS_API_VERSION, operations };
}

const SHAPES = {
  CreateTopic: { input: createTopicShape, output: struct({ TopicArn: str() }) },
  DeleteTopic: { input: topicArnShape },
  ListTopics: { input: listTopicsShape, output: struct({ Topics: list(struct({ TopicArn: str() })), NextToken: str() }) },
  GetTopicAttributes: { input: topicArnShape, output: attributesOutput },
  SetTopicAttributes: { input: setTopicAttributesShape },
  Subscribe: { input: subscribeShape, output: subscriptionArnOutput },
  ConfirmSubscription: { input: confirmSubscriptionShape, output: subscriptionArnOutput },
  Unsubscribe: { input: subscriptionArnShape },
  ListSubscriptions: { input: listSubscriptionsShape, output: subscriptionsOutput },
  ListSubscriptionsByTopic: { input: listByTopicShape, output: subscriptionsOutput },
  GetSubscriptionAttributes: { input: subscriptionArnShape, output: attributesOutput },
  SetSubscriptionAttributes: { input: setSubscriptionAttributesShape },
  Publish: { input: publishShape, output: struct({ MessageId: str(), SequenceNumber: str() }) },
  PublishBatch: {
    input: batchShape,
    output: struct({
      Successful: list(struct({ Id: str(), MessageId: str(), SequenceNumber: str() })),
      Failed: list(struct({ Id: str(), Code: str(), Message: str(), SenderFault: bool })),
    }),
  },
  TagResource: { input: tagResourceShape, output: struct({}) },
  UntagResource: { input: untagResourceShape, output: struct({}) },
  ListTagsForResource: { input: listTagsShape, output: struct({ Tags: list(tagShape) }) },
} satisfies Record<string, Omit<QueryOperation, 'run'>>;
