/**
 * Topic tags: TagResource, UntagResource, ListTagsForResource, and the checks CreateTopic's Tags share with them
 * (at most 50 per topic, keys 1–128 characters, values at most 256, no key twice in one request). Tags are kept
 * by ARN in the store's shared tag table.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { check, list, str, struct } from '../protocols/shape.js';
import type { TopicDeps } from './deps.js';
import { invalidParameter, topicNameOf } from './names.js';

const MAX_TAGS = 50;

export interface Tag {
  Key: string;
  Value: string;
}

export const tagShape = struct({ Key: str({ min: 1, max: 128 }), Value: str({ max: 256 }) }, ['Key', 'Value']);
const tagResourceShape = struct({ ResourceArn: str({ min: 1, max: 1011 }), Tags: list(tagShape) }, ['ResourceArn', 'Tags']);
const untagResourceShape = struct({ ResourceArn: str({ min: 1, max: 1011 }), TagKeys: list(str({ min: 1, max: 128 })) }, ['ResourceArn', 'TagKeys']);
const listTagsShape = struct({ ResourceArn: str({ min: 1, max: 1011 }) }, ['ResourceArn']);

/** The tags of a request as a map, refusing a key given twice. */
export function tagMap(tags: Tag[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const { Key, Value } of tags) {
    if (Key in map) throw invalidParameter('Duplicated keys are not allowed.');
    map[Key] = Value;
  }
  return map;
}

/** Checks that a topic with `existing` tags can take `added` (keys it does not have yet count against the limit). */
export function checkTagLimit(existing: Record<string, string>, added: Record<string, string>): void {
  const keys = new Set([...Object.keys(existing), ...Object.keys(added)]);
  if (keys.size > MAX_TAGS) throw new ServiceError('TagLimitExceededException', 'Could not complete request: tag quota of per resource exceeded');
}

export class TopicTagService {
  constructor(private readonly deps: TopicDeps) {}

  async tag(input: { ResourceArn: string; Tags: Tag[] }, ctx: RequestContext): Promise<object> {
    const req = check<{ ResourceArn: string; Tags: Tag[] }>(input, tagResourceShape);
    const arn = await this.#requireTopic(req.ResourceArn, ctx);
    const added = tagMap(req.Tags);
    checkTagLimit(await this.deps.store.listTags(arn), added);
    await this.deps.store.tagResource(arn, added);
    return {};
  }

  async untag(input: { ResourceArn: string; TagKeys: string[] }, ctx: RequestContext): Promise<object> {
    const req = check<{ ResourceArn: string; TagKeys: string[] }>(input, untagResourceShape);
    await this.deps.store.untagResource(await this.#requireTopic(req.ResourceArn, ctx), req.TagKeys);
    return {};
  }

  async list(input: { ResourceArn: string }, ctx: RequestContext): Promise<{ Tags: Tag[] }> {
    const req = check<{ ResourceArn: string }>(input, listTagsShape);
    const tags = await this.deps.store.listTags(await this.#requireTopic(req.ResourceArn, ctx));
    return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
  }

  async #requireTopic(arn: string, ctx: RequestContext): Promise<string> {
    topicNameOf(arn, ctx, 'ResourceArn');
    if (!(await this.deps.store.getTopic(arn))) throw new ServiceError('ResourceNotFound', 'Resource does not exist');
    return arn;
  }
}
