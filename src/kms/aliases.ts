/**
 * KMS aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases. An alias is `alias/<name>`; the AWS managed
 * aliases (alias/aws/sqs, alias/aws/sns, alias/aws/events) exist from the start and cannot be changed.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { check, str, struct } from '../protocols/shape.js';
import { aliasArn } from '../keys/key-refs.js';
import type { KmsDeps } from './deps.js';
import { kmsErrors } from './errors.js';
import { keyIdShape, limitShape, markerShape, page, seconds } from './views.js';

const aliasNameShape = str({ min: 1, max: 256, pattern: /^[a-zA-Z0-9:/_-]+$/ });
const createShape = struct({ AliasName: aliasNameShape, TargetKeyId: keyIdShape }, ['AliasName', 'TargetKeyId']);
const deleteShape = struct({ AliasName: aliasNameShape }, ['AliasName']);
const listShape = struct({ KeyId: keyIdShape, Limit: limitShape, Marker: markerShape });

/** The `alias/` prefix is required, and the name after it may not be empty. */
function aliasName(name: string): string {
  if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name)) {
    throw new ServiceError('ValidationException', `1 validation error detected: Value '${name}' at 'aliasName' failed to satisfy constraint: Member must begin with 'alias/' followed by letters, digits, '/', '_' or '-'`);
  }
  return name;
}

export class AliasService {
  constructor(private readonly deps: KmsDeps) {}

  async create(input: unknown) {
    const req = check<{ AliasName: string; TargetKeyId: string }>(input, createShape);
    await kmsErrors(() => this.deps.keyring.createAlias(aliasName(req.AliasName), req.TargetKeyId));
    return {};
  }

  async update(input: unknown) {
    const req = check<{ AliasName: string; TargetKeyId: string }>(input, createShape);
    await kmsErrors(() => this.deps.keyring.updateAlias(aliasName(req.AliasName), req.TargetKeyId));
    return {};
  }

  async delete(input: unknown) {
    const req = check<{ AliasName: string }>(input, deleteShape);
    await kmsErrors(() => this.deps.keyring.deleteAlias(aliasName(req.AliasName)));
    return {};
  }

  async list(input: unknown, ctx: RequestContext) {
    const req = check<{ KeyId?: string; Limit?: number; Marker?: string }>(input, listShape);
    const keyId = req.KeyId === undefined ? undefined : await kmsErrors(() => this.deps.keyring.resolve(req.KeyId!).id);
    const aliases = this.deps.keyring.aliases().filter((a) => keyId === undefined || a.keyId === keyId);
    const { items, ...paging } = page(aliases, (a) => a.name, req.Limit, req.Marker);
    return {
      Aliases: items.map((a) => ({
        AliasName: a.name,
        AliasArn: aliasArn(ctx.region, a.name),
        TargetKeyId: a.keyId,
        CreationDate: seconds(a.createdAt),
        LastUpdatedDate: seconds(a.lastUpdatedAt),
      })),
      ...paging,
    };
  }
}
