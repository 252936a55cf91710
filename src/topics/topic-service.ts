/**
 * The topic control plane: CreateTopic (idempotent for the same attributes and tags), DeleteTopic (idempotent:
 * a topic that does not exist is not an error, as in SNS), ListTopics (100 a page), GetTopicAttributes and
 * SetTopicAttributes.
 */
import type { RequestContext } from '../protocols/context.js';
import { check, list, map, str, struct } from '../protocols/shape.js';
import type { TopicRecord } from '../store/topics.js';
import { requireTopic, type TopicDeps } from './deps.js';
import { invalidParameter, regionPrefix, topicArn, topicNameOf, validateTopicName } from './names.js';
import { pageAfter, pageToken } from './paging.js';
import { checkTagLimit, tagMap, tagShape, type Tag } from './tags.js';
import { checkTopicAttribute, creationAttributes, readTopicAttributes } from './topic-attributes.js';

const PAGE_SIZE = 100;

const createTopicShape = struct({ Name: str(), Attributes: map(str()), Tags: list(tagShape), DataProtectionPolicy: str() }, ['Name']);
const topicArnShape = struct({ TopicArn: str() }, ['TopicArn']);
const listTopicsShape = struct({ NextToken: str() });
const setTopicAttributesShape = struct({ TopicArn: str(), AttributeName: str(), AttributeValue: str() }, ['TopicArn', 'AttributeName']);

export interface CreateTopicInput {
  Name: string;
  Attributes?: Record<string, string>;
  Tags?: Tag[];
  DataProtectionPolicy?: string;
}

export interface SetTopicAttributesInput {
  TopicArn: string;
  AttributeName: string;
  AttributeValue?: string;
}

export class TopicService {
  constructor(private readonly deps: TopicDeps) {}

  async create(input: CreateTopicInput, ctx: RequestContext): Promise<{ TopicArn: string }> {
    const req = check<CreateTopicInput>(input, createTopicShape);
    validateTopicName(req.Name);
    const given = { ...req.Attributes, ...(req.DataProtectionPolicy !== undefined && { DataProtectionPolicy: req.DataProtectionPolicy }) };
    const attributes = creationAttributes(given);
    const tags = tagMap(req.Tags ?? []);
    checkTagLimit({}, tags);
    const now = this.deps.clock.now();
    const topic: TopicRecord = { arn: topicArn(ctx, req.Name), name: req.Name, attributes, createdAt: now, lastModifiedAt: now };
    if (await this.deps.store.createTopic(topic, tags)) return { TopicArn: topic.arn };
    // It exists: the same request again is answered with its ARN; a different one is refused.
    const existing = await this.deps.store.getTopic(topic.arn);
    if (existing && Object.entries(attributes).some(([k, v]) => (existing.attributes[k] ?? '') !== v)) {
      throw invalidParameter('Attributes Reason: Topic already exists with different attributes');
    }
    const existingTags = await this.deps.store.listTags(topic.arn);
    if (Object.entries(tags).some(([k, v]) => existingTags[k] !== v)) throw invalidParameter('Tags Reason: Topic already exists with different tags');
    return { TopicArn: topic.arn };
  }

  async delete(input: { TopicArn: string }, ctx: RequestContext): Promise<object> {
    const req = check<{ TopicArn: string }>(input, topicArnShape);
    topicNameOf(req.TopicArn, ctx);
    // Deliveries already recorded for its subscriptions find them gone and are dropped.
    await this.deps.store.deleteTopic(req.TopicArn);
    return {};
  }

  async list(input: { NextToken?: string }, ctx: RequestContext): Promise<{ Topics: { TopicArn: string }[]; NextToken?: string }> {
    const req = check<{ NextToken?: string }>(input, listTopicsShape);
    const page = await this.deps.store.listTopics({ prefix: regionPrefix(ctx), after: pageAfter(req.NextToken), limit: PAGE_SIZE });
    return { Topics: page.items.map((t) => ({ TopicArn: t.arn })), ...pageToken(page.after) };
  }

  async getAttributes(input: { TopicArn: string }, ctx: RequestContext): Promise<{ Attributes: Record<string, string> }> {
    const req = check<{ TopicArn: string }>(input, topicArnShape);
    const topic = await requireTopic(this.deps, req.TopicArn, ctx);
    return { Attributes: readTopicAttributes(topic, await this.deps.store.topicCounts(topic.arn), ctx.accountId) };
  }

  async setAttributes(input: SetTopicAttributesInput, ctx: RequestContext): Promise<object> {
    const req = check<SetTopicAttributesInput>(input, setTopicAttributesShape);
    const topic = await requireTopic(this.deps, req.TopicArn, ctx);
    const value = req.AttributeValue ?? '';
    checkTopicAttribute(req.AttributeName, value, false);
    const attributes = { ...topic.attributes };
    // An empty value returns the attribute to its default, as SNS does for DeliveryPolicy and Policy.
    if (value === '') delete attributes[req.AttributeName];
    else attributes[req.AttributeName] = value;
    await this.deps.store.setTopicAttributes(topic.arn, attributes, this.deps.clock.now());
    return {};
  }
}
