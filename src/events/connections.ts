/**
 * Connections: the authorization an API destination sends (API key header, Basic, OAuth client credentials).
 * Secrets (password, API key value, client secret, parameters marked IsValueSecret) are stored for the delivery
 * engine but never returned by any API and never logged: Describe returns the parameters with secrets removed.
 */
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../paging.js';
import type { RequestContext } from '../protocols/context.js';
import { bool, check, list, str, struct } from '../protocols/shape.js';
import type { ConnectionRecord } from '../store/records.js';
import { connectionArn } from './arns.js';
import { epochSeconds, type EventsDeps } from './deps.js';
import { description, limit, namePrefix, nextToken, resourceName } from './names.js';

const AUTH_TYPES = ['API_KEY', 'BASIC', 'OAUTH_CLIENT_CREDENTIALS'] as const;
const secret = str({ min: 1, max: 512 });
const parameter = struct({ Key: str({ max: 512 }), Value: str({ max: 512 }), IsValueSecret: bool });
const httpParameters = struct({ HeaderParameters: list(parameter, { max: 100 }), QueryStringParameters: list(parameter, { max: 100 }), BodyParameters: list(parameter, { max: 100 }) });
const authParameters = struct({
  BasicAuthParameters: struct({ Username: secret, Password: secret }, ['Username', 'Password']),
  ApiKeyAuthParameters: struct({ ApiKeyName: secret, ApiKeyValue: secret }, ['ApiKeyName', 'ApiKeyValue']),
  OAuthParameters: struct(
    {
      ClientParameters: struct({ ClientID: secret, ClientSecret: secret }, ['ClientID', 'ClientSecret']),
      AuthorizationEndpoint: str({ min: 1, max: 2048 }),
      HttpMethod: str({ enum: ['GET', 'POST', 'PUT'] }),
      OAuthHttpParameters: httpParameters,
    },
    ['ClientParameters', 'AuthorizationEndpoint', 'HttpMethod'],
  ),
  InvocationHttpParameters: httpParameters,
});
const createShape = struct({ Name: resourceName, Description: description, AuthorizationType: str({ enum: AUTH_TYPES }), AuthParameters: authParameters }, ['Name', 'AuthorizationType', 'AuthParameters']);
const nameShape = struct({ Name: resourceName }, ['Name']);
const listShape = struct({ NamePrefix: namePrefix, ConnectionState: str(), NextToken: nextToken, Limit: limit });

interface Parameter {
  Key?: string;
  Value?: string;
  IsValueSecret?: boolean;
}
interface HttpParameters {
  HeaderParameters?: Parameter[];
  QueryStringParameters?: Parameter[];
  BodyParameters?: Parameter[];
}
export interface AuthParameters {
  BasicAuthParameters?: { Username: string; Password: string };
  ApiKeyAuthParameters?: { ApiKeyName: string; ApiKeyValue: string };
  OAuthParameters?: { ClientParameters: { ClientID: string; ClientSecret: string }; AuthorizationEndpoint: string; HttpMethod: string; OAuthHttpParameters?: HttpParameters };
  InvocationHttpParameters?: HttpParameters;
}

const REQUIRED_PARAMETERS = {
  API_KEY: 'ApiKeyAuthParameters',
  BASIC: 'BasicAuthParameters',
  OAUTH_CLIENT_CREDENTIALS: 'OAuthParameters',
} as const;

export class ConnectionService {
  constructor(private readonly deps: EventsDeps) {}

  async create(input: unknown, ctx: RequestContext) {
    const req = check<{ Name: string; Description?: string; AuthorizationType: ConnectionRecord['authorizationType']; AuthParameters: AuthParameters }>(input, createShape);
    const needed = REQUIRED_PARAMETERS[req.AuthorizationType];
    const given = Object.keys(REQUIRED_PARAMETERS).map((k) => REQUIRED_PARAMETERS[k as keyof typeof REQUIRED_PARAMETERS]).filter((p) => req.AuthParameters[p] !== undefined);
    if (!req.AuthParameters[needed] || given.length !== 1) {
      throw new ServiceError('ValidationException', `AuthorizationType ${req.AuthorizationType} requires AuthParameters.${needed} and no other authorization parameters.`);
    }
    const oauth = req.AuthParameters.OAuthParameters;
    if (oauth && !isHttpUrl(oauth.AuthorizationEndpoint)) {
      throw new ServiceError('ValidationException', `AuthParameters.OAuthParameters.AuthorizationEndpoint '${oauth.AuthorizationEndpoint}' is not a valid http(s) URL.`);
    }
    const now = this.deps.clock.now();
    const record: ConnectionRecord = {
      name: req.Name,
      arn: connectionArn(ctx.region, ctx.accountId, req.Name, randomUUID()),
      description: req.Description,
      authorizationType: req.AuthorizationType,
      // OAuth connections are authorized when the first token is obtained; the others need no round trip.
      state: req.AuthorizationType === 'OAUTH_CLIENT_CREDENTIALS' ? 'AUTHORIZING' : 'AUTHORIZED',
      authParameters: JSON.stringify(req.AuthParameters),
      createdAt: now,
      lastModifiedAt: now,
      ...(req.AuthorizationType !== 'OAUTH_CLIENT_CREDENTIALS' && { lastAuthorizedAt: now }),
    };
    if (!(await this.deps.store.createConnection(record))) {
      throw new ServiceError('ResourceAlreadyExistsException', `Connection ${req.Name} already exists.`);
    }
    return { ConnectionArn: record.arn, ConnectionState: record.state, CreationTime: epochSeconds(now), LastModifiedTime: epochSeconds(now) };
  }

  async describe(input: unknown, ctx: RequestContext) {
    const req = check<{ Name: string }>(input, nameShape);
    const c = await this.require(req.Name);
    return {
      ...summary(c),
      ...(c.description !== undefined && { Description: c.description }),
      SecretArn: `arn:aws:secretsmanager:${ctx.region}:${ctx.accountId}:secret:events!connection/${c.name}`,
      AuthParameters: withoutSecrets(JSON.parse(c.authParameters) as AuthParameters),
    };
  }

  async list(input: unknown) {
    const req = check<{ NamePrefix?: string; ConnectionState?: string; NextToken?: string; Limit?: number }>(input, listShape);
    const page = await this.deps.store.listConnections({ prefix: req.NamePrefix, after: decodeNextToken(req.NextToken), limit: req.Limit ?? 100 });
    const items = req.ConnectionState ? page.items.filter((c) => c.state === req.ConnectionState) : page.items;
    return { Connections: items.map(summary), ...(page.after !== undefined && { NextToken: encodeNextToken(page.after) }) };
  }

  async delete(input: unknown) {
    const req = check<{ Name: string }>(input, nameShape);
    const c = await this.require(req.Name);
    await this.deps.store.deleteConnection(c.name);
    return { ...summary(c), ConnectionState: 'DELETING' };
  }

  async require(name: string): Promise<ConnectionRecord> {
    const c = await this.deps.store.getConnection(name);
    if (!c) throw new ServiceError('ResourceNotFoundException', `Failed to describe the connection(s). Connection '${name}' does not exist.`);
    return c;
  }
}

function summary(c: ConnectionRecord) {
  return {
    ConnectionArn: c.arn,
    Name: c.name,
    ConnectionState: c.state,
    AuthorizationType: c.authorizationType,
    CreationTime: epochSeconds(c.createdAt),
    LastModifiedTime: epochSeconds(c.lastModifiedAt),
    ...(c.lastAuthorizedAt !== undefined && { LastAuthorizedTime: epochSeconds(c.lastAuthorizedAt) }),
  };
}

/** What DescribeConnection may show: names and public parameters, never a secret value. */
export function withoutSecrets(p: AuthParameters): object {
  const params = (h: HttpParameters | undefined) =>
    h && {
      ...(h.HeaderParameters && { HeaderParameters: h.HeaderParameters.map(publicParameter) }),
      ...(h.QueryStringParameters && { QueryStringParameters: h.QueryStringParameters.map(publicParameter) }),
      ...(h.BodyParameters && { BodyParameters: h.BodyParameters.map(publicParameter) }),
    };
  return {
    ...(p.BasicAuthParameters && { BasicAuthParameters: { Username: p.BasicAuthParameters.Username } }),
    ...(p.ApiKeyAuthParameters && { ApiKeyAuthParameters: { ApiKeyName: p.ApiKeyAuthParameters.ApiKeyName } }),
    ...(p.OAuthParameters && {
      OAuthParameters: {
        ClientParameters: { ClientID: p.OAuthParameters.ClientParameters.ClientID },
        AuthorizationEndpoint: p.OAuthParameters.AuthorizationEndpoint,
        HttpMethod: p.OAuthParameters.HttpMethod,
        ...(p.OAuthParameters.OAuthHttpParameters && { OAuthHttpParameters: params(p.OAuthParameters.OAuthHttpParameters) }),
      },
    }),
    ...(p.InvocationHttpParameters && { InvocationHttpParameters: params(p.InvocationHttpParameters) }),
  };
}

function publicParameter(p: Parameter): Parameter {
  return p.IsValueSecret ? { Key: p.Key, IsValueSecret: true } : p;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
