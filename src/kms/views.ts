/**
 * How KMS shows keys on the wire (KeyMetadata), its paging (Limit / Marker / Truncated / NextMarker) and the input
 * shapes several operations share. Times are epoch seconds, as awsJson sends timestamps.
 */
import { ServiceError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../paging.js';
import { ACCOUNT_ID } from '../protocols/context.js';
import { int, map, str, type Shape } from '../protocols/shape.js';
import type { KmsKeyRecord } from '../store/keys.js';

export const keyIdShape = str({ min: 1, max: 2048 });
export const encryptionContextShape = map(str());
export const limitShape = int({ min: 1, max: 1000 });
export const markerShape = str({ min: 1, max: 1024 });
export const grantTokensShape: Shape = { kind: 'list', member: str({ min: 1, max: 8192 }), max: 10 };

export const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';

export const seconds = (ms: number): number => ms / 1000;

export function keyMetadata(key: KmsKeyRecord) {
  return {
    AWSAccountId: ACCOUNT_ID,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: seconds(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.state,
    ...(key.deletionDate !== undefined && { DeletionDate: seconds(key.deletionDate) }),
    Origin: 'AWS_KMS',
    KeyManager: key.manager,
    CustomerMasterKeySpec: SYMMETRIC_DEFAULT,
    KeySpec: SYMMETRIC_DEFAULT,
    EncryptionAlgorithms: [SYMMETRIC_DEFAULT],
    MultiRegion: false,
    ...(key.pendingWindowDays !== undefined && { PendingDeletionWindowInDays: key.pendingWindowDays }),
  };
}

/**
 * One page of `items` (sorted by `name`) after the Marker, in KMS's shape: `Truncated` always, `NextMarker` when
 * there is more. A marker is the opaque form of the last name returned.
 */
export function page<T>(items: T[], name: (item: T) => string, limit: number | undefined, marker: string | undefined): { items: T[]; Truncated: boolean; NextMarker?: string } {
  let after: string | undefined;
  try {
    after = decodeNextToken(marker);
  } catch {
    throw new ServiceError('InvalidMarkerException', 'The marker that specifies where pagination should next begin is not valid.');
  }
  const rest = after === undefined ? items : items.filter((item) => name(item) > after!);
  const n = limit ?? 100;
  const shown = rest.slice(0, n);
  return rest.length > n ? { items: shown, Truncated: true, NextMarker: encodeNextToken(name(shown[n - 1]!))! } : { items: shown, Truncated: false };
}
