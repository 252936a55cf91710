/**
 * KMS keys: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey, DisableKey, ScheduleKeyDeletion,
 * CancelKeyDeletion and key tags. Mailroom's keys are symmetric encryption keys (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT,
 * origin AWS_KMS): anything else is refused with UnsupportedOperationException rather than half-supported.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { bool, check, int, list, str, struct } from '../protocols/shape.js';
import type { KmsDeps } from './deps.js';
import { kmsErrors } from './errors.js';
import { keyIdShape, keyMetadata, limitShape, markerShape, page, seconds, SYMMETRIC_DEFAULT } from './views.js';

interface Tag {
  TagKey: string;
  TagValue: string;
}

const tagsShape = list(struct({ TagKey: str({ min: 1, max: 128 }), TagValue: str({ min: 0, max: 256 }) }, ['TagKey', 'TagValue']));
const createShape = struct({
  Description: str({ min: 0, max: 8192 }),
  KeyUsage: str({ enum: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] }),
  CustomerMasterKeySpec: str(),
  KeySpec: str(),
  Origin: str({ enum: ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] }),
  Tags: tagsShape,
  MultiRegion: bool,
  Policy: str({ min: 1, max: 131072 }),
  BypassPolicyLockoutSafetyCheck: bool,
  CustomKeyStoreId: str(),
  XksKeyId: str(),
});
const keyShape = struct({ KeyId: keyIdShape }, ['KeyId']);
const listShape = struct({ Limit: limitShape, Marker: markerShape });
const descriptionShape = struct({ KeyId: keyIdShape, Description: str({ min: 0, max: 8192 }) }, ['KeyId', 'Description']);
const scheduleShape = struct({ KeyId: keyIdShape, PendingWindowInDays: int({ min: 7, max: 30 }) }, ['KeyId']);
const tagShape = struct({ KeyId: keyIdShape, Tags: tagsShape }, ['KeyId', 'Tags']);
const untagShape = struct({ KeyId: keyIdShape, TagKeys: list(str({ min: 1, max: 128 })) }, ['KeyId', 'TagKeys']);
const listTagsShape = struct({ KeyId: keyIdShape, Limit: int({ min: 1, max: 50 }), Marker: markerShape }, ['KeyId']);

/** KMS's default waiting period before a scheduled deletion. */
const DEFAULT_PENDING_WINDOW_DAYS = 30;

function unsupported(what: string): ServiceError {
  return new ServiceError('UnsupportedOperationException', `Mailroom supports symmetric encryption KMS keys only (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, Origin AWS_KMS, single-Region): ${what}.`);
}

export class KeyService {
  constructor(private readonly deps: KmsDeps) {}

  async create(input: unknown, ctx: RequestContext) {
    const req = check<{ Description?: string; KeyUsage?: string; CustomerMasterKeySpec?: string; KeySpec?: string; Origin?: string; Tags?: Tag[]; MultiRegion?: boolean }>(input, createShape);
    if (req.KeyUsage !== undefined && req.KeyUsage !== 'ENCRYPT_DECRYPT') throw unsupported(`KeyUsage ${req.KeyUsage}`);
    const spec = req.KeySpec ?? req.CustomerMasterKeySpec;
    if (spec !== undefined && spec !== SYMMETRIC_DEFAULT) throw unsupported(`KeySpec ${spec}`);
    if (req.Origin !== undefined && req.Origin !== 'AWS_KMS') throw unsupported(`Origin ${req.Origin}`);
    if (req.MultiRegion) throw unsupported('MultiRegion true');
    const key = await this.deps.keyring.createKey({ description: req.Description, region: ctx.region });
    if (req.Tags?.length) await this.deps.tags.tagResource(key.arn, Object.fromEntries(req.Tags.map((t) => [t.TagKey, t.TagValue])));
    return { KeyMetadata: keyMetadata(key) };
  }

  async describe(input: unknown) {
    const req = check<{ KeyId: string }>(input, keyShape);
    return kmsErrors(() => ({ KeyMetadata: keyMetadata(this.deps.keyring.resolve(req.KeyId)) }));
  }

  async list(input: unknown) {
    const req = check<{ Limit?: number; Marker?: string }>(input, listShape);
    const { items, ...paging } = page(this.deps.keyring.keys(), (k) => k.id, req.Limit, req.Marker);
    return { Keys: items.map((k) => ({ KeyId: k.id, KeyArn: k.arn })), ...paging };
  }

  async updateDescription(input: unknown) {
    const req = check<{ KeyId: string; Description: string }>(input, descriptionShape);
    await kmsErrors(() => this.deps.keyring.setDescription(req.KeyId, req.Description));
    return {};
  }

  async enable(input: unknown) {
    const req = check<{ KeyId: string }>(input, keyShape);
    await kmsErrors(() => this.deps.keyring.enable(req.KeyId));
    return {};
  }

  async disable(input: unknown) {
    const req = check<{ KeyId: string }>(input, keyShape);
    await kmsErrors(() => this.deps.keyring.disable(req.KeyId));
    return {};
  }

  async scheduleDeletion(input: unknown) {
    const req = check<{ KeyId: string; PendingWindowInDays?: number }>(input, scheduleShape);
    const key = await kmsErrors(() => this.deps.keyring.scheduleDeletion(req.KeyId, req.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS));
    return { KeyId: key.arn, DeletionDate: seconds(key.deletionDate!), KeyState: key.state, PendingWindowInDays: key.pendingWindowDays };
  }

  async cancelDeletion(input: unknown) {
    const req = check<{ KeyId: string }>(input, keyShape);
    const key = await kmsErrors(() => this.deps.keyring.cancelDeletion(req.KeyId));
    return { KeyId: key.arn };
  }

  async tag(input: unknown) {
    const req = check<{ KeyId: string; Tags: Tag[] }>(input, tagShape);
    const key = await kmsErrors(() => this.deps.keyring.resolve(req.KeyId));
    await this.deps.tags.tagResource(key.arn, Object.fromEntries(req.Tags.map((t) => [t.TagKey, t.TagValue])));
    return {};
  }

  async untag(input: unknown) {
    const req = check<{ KeyId: string; TagKeys: string[] }>(input, untagShape);
    const key = await kmsErrors(() => this.deps.keyring.resolve(req.KeyId));
    await this.deps.tags.untagResource(key.arn, req.TagKeys);
    return {};
  }

  async listTags(input: unknown) {
    const req = check<{ KeyId: string; Limit?: number; Marker?: string }>(input, listTagsShape);
    const key = await kmsErrors(() => this.deps.keyring.resolve(req.KeyId));
    const tags = Object.entries(await this.deps.tags.listTags(key.arn)).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    const { items, ...paging } = page(tags, (t) => t.TagKey, req.Limit ?? 50, req.Marker);
    return { Tags: items, ...paging };
  }
}
