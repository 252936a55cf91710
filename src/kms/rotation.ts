/**
 * Key rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand and
 * ListKeyRotations. Rotating adds a material version that seals from then on; old versions stay to open what they
 * sealed, so nothing is re-encrypted. Automatic rotation runs from the keyring's maintenance (Keyring.maintain).
 */
import { check, int, struct } from '../protocols/shape.js';
import { DEFAULT_ROTATION_DAYS } from '../keys/keyring.js';
import type { KmsDeps } from './deps.js';
import { kmsErrors } from './errors.js';
import { keyIdShape, markerShape, page, seconds } from './views.js';

const keyShape = struct({ KeyId: keyIdShape }, ['KeyId']);
const enableShape = struct({ KeyId: keyIdShape, RotationPeriodInDays: int({ min: 90, max: 2560 }) }, ['KeyId']);
const listShape = struct({ KeyId: keyIdShape, Limit: int({ min: 1, max: 1000 }), Marker: markerShape }, ['KeyId']);

export class RotationService {
  constructor(private readonly deps: KmsDeps) {}

  async enable(input: unknown) {
    const req = check<{ KeyId: string; RotationPeriodInDays?: number }>(input, enableShape);
    await kmsErrors(() => this.deps.keyring.setRotation(req.KeyId, req.RotationPeriodInDays ?? DEFAULT_ROTATION_DAYS));
    return {};
  }

  async disable(input: unknown) {
    const req = check<{ KeyId: string }>(input, keyShape);
    await kmsErrors(() => this.deps.keyring.setRotation(req.KeyId, undefined));
    return {};
  }

  async status(input: unknown) {
    const req = check<{ KeyId: string }>(input, keyShape);
    const key = await kmsErrors(() => this.deps.keyring.resolve(req.KeyId));
    return {
      KeyRotationEnabled: key.rotationPeriodDays !== undefined,
      KeyId: key.arn,
      ...(key.rotationPeriodDays !== undefined && { RotationPeriodInDays: key.rotationPeriodDays }),
      ...(key.nextRotationAt !== undefined && { NextRotationDate: seconds(key.nextRotationAt) }),
    };
  }

  async rotateNow(input: unknown) {
    const req = check<{ KeyId: string }>(input, keyShape);
    const key = await kmsErrors(() => this.deps.keyring.rotateNow(req.KeyId));
    return { KeyId: key.id };
  }

  async list(input: unknown) {
    const req = check<{ KeyId: string; Limit?: number; Marker?: string }>(input, listShape);
    const { key, rotations } = await kmsErrors(() => ({ key: this.deps.keyring.resolve(req.KeyId), rotations: this.deps.keyring.rotations(req.KeyId) }));
    // Versions sort as zero-padded names, so the marker pages in version order.
    const { items, ...paging } = page(rotations, (r) => String(r.version).padStart(10, '0'), req.Limit, req.Marker);
    return { Rotations: items.map((r) => ({ KeyId: key.arn, RotationDate: seconds(r.createdAt), RotationType: r.rotationType })), ...paging };
  }
}
