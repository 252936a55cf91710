/**
 * Event buses: CreateEventBus, DeleteEventBus, DescribeEventBus, ListEventBuses. The `default` bus always exists
 * (the store creates it) and cannot be deleted.
 */
import { ServiceError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../paging.js';
import type { RequestContext } from '../protocols/context.js';
import { check, str, struct } from '../protocols/shape.js';
import type { BusRecord } from '../store/records.js';
import { busArn, busNameOf } from './arns.js';
import { epochSeconds, type EventsDeps } from './deps.js';
import { busName, busNameOrArn, description, limit, namePrefix, nextToken } from './names.js';
import { tagList, type Tag } from './tags.js';

const createShape = struct(
  {
    Name: busName,
    EventSourceName: str({ min: 1, max: 256 }),
    Description: description,
    KmsKeyIdentifier: str({ min: 0, max: 2048 }),
    DeadLetterConfig: struct({ Arn: str({ min: 1, max: 1600 }) }),
    Tags: tagList,
  },
  ['Name'],
);
const nameShape = struct({ Name: busNameOrArn });
const listShape = struct({ NamePrefix: namePrefix, NextToken: nextToken, Limit: limit });

export class BusService {
  constructor(private readonly deps: EventsDeps) {}

  async create(input: unknown, ctx: RequestContext) {
    const req = check<{ Name: string; Description?: string; KmsKeyIdentifier?: string; DeadLetterConfig?: { Arn?: string }; Tags?: Tag[]; EventSourceName?: string }>(input, createShape);
    if (req.Name === 'default' || req.Name.startsWith('aws.')) {
      throw new ServiceError('ValidationException', `Event bus name ${req.Name} is reserved.`);
    }
    if (req.Name.includes('/') && !req.EventSourceName) {
      throw new ServiceError('ValidationException', `Event bus name must not contain '/'.`);
    }
    const keyProblem = req.KmsKeyIdentifier ? this.deps.keyProblem?.(req.KmsKeyIdentifier) : undefined;
    if (keyProblem) throw new ServiceError('ValidationException', `KmsKeyIdentifier '${req.KmsKeyIdentifier}' cannot be used: ${keyProblem.message}`);
    const now = this.deps.clock.now();
    const record: BusRecord = {
      name: req.Name,
      arn: busArn(ctx.region, ctx.accountId, req.Name),
      description: req.Description,
      kmsKeyIdentifier: req.KmsKeyIdentifier,
      deadLetterArn: req.DeadLetterConfig?.Arn,
      createdAt: now,
      lastModifiedAt: now,
    };
    if (!(await this.deps.store.createBus(record))) {
      throw new ServiceError('ResourceAlreadyExistsException', `Event bus ${req.Name} already exists.`);
    }
    if (req.Tags?.length) await this.deps.store.tagResource(record.arn, Object.fromEntries(req.Tags.map((t) => [t.Key, t.Value])));
    return {
      EventBusArn: record.arn,
      ...(record.description !== undefined && { Description: record.description }),
      ...(record.kmsKeyIdentifier !== undefined && { KmsKeyIdentifier: record.kmsKeyIdentifier }),
      ...(record.deadLetterArn !== undefined && { DeadLetterConfig: { Arn: record.deadLetterArn } }),
    };
  }

  async delete(input: unknown) {
    const req = check<{ Name: string }>(input, struct({ Name: busName }, ['Name']));
    if (req.Name === 'default') throw new ServiceError('ValidationException', 'Cannot delete event bus default.');
    // AWS answers success for a bus that does not exist, so deleting is idempotent.
    await this.deps.store.deleteBus(req.Name);
    this.deps.router.forget(req.Name);
    return {};
  }

  async describe(input: unknown, ctx: RequestContext) {
    const req = check<{ Name?: string }>(input, nameShape);
    const bus = await this.require(busNameOf(req.Name));
    return { ...describeBus(bus, ctx), ...(bus.kmsKeyIdentifier !== undefined && { KmsKeyIdentifier: bus.kmsKeyIdentifier }), ...(bus.deadLetterArn !== undefined && { DeadLetterConfig: { Arn: bus.deadLetterArn } }) };
  }

  async list(input: unknown, ctx: RequestContext) {
    const req = check<{ NamePrefix?: string; NextToken?: string; Limit?: number }>(input, listShape);
    const page = await this.deps.store.listBuses({ prefix: req.NamePrefix, after: decodeNextToken(req.NextToken), limit: req.Limit ?? 100 });
    return { EventBuses: page.items.map((b) => describeBus(b, ctx)), ...(page.after !== undefined && { NextToken: encodeNextToken(page.after) }) };
  }

  /** The bus of that name, or AWS's ResourceNotFoundException. */
  async require(name: string): Promise<BusRecord> {
    const bus = await this.deps.store.getBus(name);
    if (!bus) throw new ServiceError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  }
}

function describeBus(bus: BusRecord, ctx: RequestContext) {
  return {
    Name: bus.name,
    // The default bus exists in every region; report it in the caller's.
    Arn: bus.name === 'default' ? busArn(ctx.region, ctx.accountId, 'default') : bus.arn,
    ...(bus.description !== undefined && { Description: bus.description }),
    ...(bus.policy !== undefined && { Policy: bus.policy }),
    CreationTime: epochSeconds(bus.createdAt),
    LastModifiedTime: epochSeconds(bus.lastModifiedAt),
  };
}

