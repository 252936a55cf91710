/**
 * Queue tags: TagQueue, UntagQueue, ListQueueTags, and the limits CreateQueue's `tags` share with them
 * (at most 50 per queue; keys 1–128 characters, values at most 256).
 */
import { ServiceError } from '../errors.js';
import { check, list, map, str, struct } from '../protocols/shape.js';
import { required, requireQueue, type QueueDeps } from './deps.js';
import { nonExistentQueue } from './names.js';

const MAX_TAGS = 50;

const tagShape = struct({ QueueUrl: str(), Tags: map(str()) });
const untagShape = struct({ QueueUrl: str(), TagKeys: list(str()) });
const listShape = struct({ QueueUrl: str() });

/** Checks tags about to be added to a queue that already has `existing` other keys. */
export function checkTags(tags: Record<string, string>, existing: number): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length < 1 || key.length > 128 || value.length > 256) {
      throw new ServiceError('InvalidParameterValue', `Tag key must be 1 to 128 characters and its value at most 256: '${key}'.`);
    }
  }
  if (Object.keys(tags).length + existing > MAX_TAGS) throw new ServiceError('InvalidParameterValue', `Too many tags: a queue can have at most ${MAX_TAGS}.`);
}

export class QueueTagService {
  constructor(private readonly deps: QueueDeps) {}

  async tag(input: { QueueUrl: string; Tags: Record<string, string> }): Promise<object> {
    const req = check<{ QueueUrl: string; Tags?: Record<string, string> }>(input, tagShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const tags = required(req.Tags, 'Tags');
    const current = await this.deps.store.listQueueTags(queue.name);
    checkTags(tags, Object.keys(current).filter((k) => !(k in tags)).length);
    if (!(await this.deps.store.tagQueue(queue.name, tags))) throw nonExistentQueue();
    return {};
  }

  async untag(input: { QueueUrl: string; TagKeys: string[] }): Promise<object> {
    const req = check<{ QueueUrl: string; TagKeys?: string[] }>(input, untagShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    if (!(await this.deps.store.untagQueue(queue.name, required(req.TagKeys, 'TagKeys')))) throw nonExistentQueue();
    return {};
  }

  async list(input: { QueueUrl: string }): Promise<{ Tags?: Record<string, string> }> {
    const req = check<{ QueueUrl: string }>(input, listShape);
    const queue = await requireQueue(this.deps, req.QueueUrl);
    const tags = await this.deps.store.listQueueTags(queue.name);
    return Object.keys(tags).length > 0 ? { Tags: tags } : {};
  }
}
