/**
 * API destinations: an HTTP endpoint plus a connection, addressable as a rule target. Unlike AWS, `http://`
 * endpoints are accepted too, so local third-party APIs and tests can be targets.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../paging.js';
import type { RequestContext } from '../protocols/context.js';
import { check, int, str, struct } from '../protocols/shape.js';
import type { ApiDestinationRecord } from '../store/records.js';
import { apiDestinationArn, parseEventsResourceArn } from './arns.js';
import { isHttpUrl } from './connections.js';
import { epochSeconds, type EventsDeps } from './deps.js';
import { arn, description, limit, namePrefix, nextToken, resourceName } from './names.js';

const METHODS = ['POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'] as const;
const createShape = struct(
  {
    Name: resourceName,
    Description: description,
    ConnectionArn: arn,
    InvocationEndpoint: str({ min: 1, max: 2048 }),
    HttpMethod: str({ enum: METHODS }),
    InvocationRateLimitPerSecond: int({ min: 1 }),
  },
  ['Name', 'ConnectionArn', 'InvocationEndpoint', 'HttpMethod'],
);
const nameShape = struct({ Name: resourceName }, ['Name']);
const listShape = struct({ NamePrefix: namePrefix, ConnectionArn: arn, NextToken: nextToken, Limit: limit });

export class ApiDestinationService {
  constructor(private readonly deps: EventsDeps) {}

  async create(input: unknown, ctx: RequestContext) {
    const req = check<{ Name: string; Description?: string; ConnectionArn: string; InvocationEndpoint: string; HttpMethod: string; InvocationRateLimitPerSecond?: number }>(input, createShape);
    if (!isHttpUrl(req.InvocationEndpoint)) {
      throw new ServiceError('ValidationException', `1 validation error detected: Value '${req.InvocationEndpoint}' at 'invocationEndpoint' failed to satisfy constraint: Member must be an http:// or https:// URL`);
    }
    const connection = parseEventsResourceArn(req.ConnectionArn);
    const existing = connection?.kind === 'connection' ? await this.deps.store.getConnection(connection.name) : undefined;
    if (!existing || existing.arn !== req.ConnectionArn) throw new ServiceError('ResourceNotFoundException', `Connection '${req.ConnectionArn}' does not exist.`);
    const now = this.deps.clock.now();
    const record: ApiDestinationRecord = {
      name: req.Name,
      arn: apiDestinationArn(ctx.region, ctx.accountId, req.Name, randomUUID()),
      description: req.Description,
      connectionArn: req.ConnectionArn,
      endpoint: req.InvocationEndpoint,
      httpMethod: req.HttpMethod,
      invocationRateLimitPerSecond: req.InvocationRateLimitPerSecond ?? 300,
      state: 'ACTIVE',
      createdAt: now,
      lastModifiedAt: now,
    };
    if (!(await this.deps.store.createApiDestination(record))) {
      throw new ServiceError('ResourceAlreadyExistsException', `An api-destination '${req.Name}' already exists.`);
    }
    return { ApiDestinationArn: record.arn, ApiDestinationState: record.state, CreationTime: epochSeconds(now), LastModifiedTime: epochSeconds(now) };
  }

  async describe(input: unknown) {
    const req = check<{ Name: string }>(input, nameShape);
    const d = await this.require(req.Name);
    return { ...describe(d), ...(d.description !== undefined && { Description: d.description }) };
  }

  async list(input: unknown) {
    const req = check<{ NamePrefix?: string; ConnectionArn?: string; NextToken?: string; Limit?: number }>(input, listShape);
    const page = await this.deps.store.listApiDestinations({ prefix: req.NamePrefix, after: decodeNextToken(req.NextToken), limit: req.Limit ?? 100 });
    const items = req.ConnectionArn ? page.items.filter((d) => d.connectionArn === req.ConnectionArn) : page.items;
    return { ApiDestinations: items.map(describe), ...(page.after !== undefined && { NextToken: encodeNextToken(page.after) }) };
  }

  async delete(input: unknown) {
    const req = check<{ Name: string }>(input, nameShape);
    if (!(await this.deps.store.deleteApiDestination(req.Name))) throw notFound(req.Name);
    return {};
  }

  async require(name: string): Promise<ApiDestinationRecord> {
    const d = await this.deps.store.getApiDestination(name);
    if (!d) throw notFound(name);
    return d;
  }
}

function notFound(name: string): ServiceError {
  return new ServiceError('ResourceNotFoundException', `Failed to describe the api-destination(s). An api-destination '${name}' does not exist.`);
}

function describe(d: ApiDestinationRecord) {
  return {
    ApiDestinationArn: d.arn,
    Name: d.name,
    ApiDestinationState: d.state,
    ConnectionArn: d.connectionArn,
    InvocationEndpoint: d.endpoint,
    HttpMethod: d.httpMethod,
    ...(d.invocationRateLimitPerSecond !== undefined && { InvocationRateLimitPerSecond: d.invocationRateLimitPerSecond }),
    CreationTime: epochSeconds(d.createdAt),
    LastModifiedTime: epochSeconds(d.lastModifiedAt),
  };
}
