/**
 * Tags on EventBridge resources: TagResource, UntagResource, ListTagsForResource, and the Tags member that
 * CreateEventBus and PutRule accept.
 */
import { ServiceError } from '../errors.js';
import { check, list, str, struct } from '../protocols/shape.js';
import type { EventsDeps } from './deps.js';
import { arn } from './names.js';
import { parseEventsResourceArn } from './arns.js';

export interface Tag {
  Key: string;
  Value: string;
}

const tag = struct({ Key: str({ min: 1, max: 128 }), Value: str({ min: 0, max: 256 }) }, ['Key', 'Value']);
export const tagList = list(tag, { max: 50 });

export class TagService {
  constructor(private readonly deps: EventsDeps) {}

  async tag(input: unknown) {
    const req = check<{ ResourceARN: string; Tags: Tag[] }>(input, struct({ ResourceARN: arn, Tags: tagList }, ['ResourceARN', 'Tags']));
    await this.#requireResource(req.ResourceARN);
    await this.deps.store.tagResource(req.ResourceARN, Object.fromEntries(req.Tags.map((t) => [t.Key, t.Value])));
    return {};
  }

  async untag(input: unknown) {
    const req = check<{ ResourceARN: string; TagKeys: string[] }>(input, struct({ ResourceARN: arn, TagKeys: list(str({ min: 1, max: 128 })) }, ['ResourceARN', 'TagKeys']));
    await this.#requireResource(req.ResourceARN);
    await this.deps.store.untagResource(req.ResourceARN, req.TagKeys);
    return {};
  }

  async list(input: unknown) {
    const req = check<{ ResourceARN: string }>(input, struct({ ResourceARN: arn }, ['ResourceARN']));
    await this.#requireResource(req.ResourceARN);
    const tags = await this.deps.store.listTags(req.ResourceARN);
    return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
  }

  /** Tags may only be put on resources that exist, as AWS requires. */
  async #requireResource(resourceArn: string): Promise<void> {
    const parsed = parseEventsResourceArn(resourceArn);
    const store = this.deps.store;
    let exists = false;
    if (parsed?.kind === 'event-bus') exists = (await store.getBus(parsed.name)) !== undefined;
    else if (parsed?.kind === 'rule') {
      const parts = resourceArn.slice(resourceArn.indexOf(':rule/') + ':rule/'.length).split('/');
      const [bus, name] = parts.length === 1 ? ['default', parts[0]!] : [parts[0]!, parts[1]!];
      exists = (await store.getRule(bus, name)) !== undefined;
    } else if (parsed?.kind === 'connection') exists = (await store.getConnection(parsed.name)) !== undefined;
    else if (parsed?.kind === 'api-destination') exists = (await store.getApiDestination(parsed.name)) !== undefined;
    if (!exists) throw new ServiceError('ResourceNotFoundException', `Resource ${resourceArn} does not exist.`);
  }
}
