/**
 * KMS key references and their AWS spellings: a key is named by its id, its ARN, an alias name (`alias/orders`) or
 * an alias ARN, as KMS accepts them; ARNs are `arn:aws:kms:<region>:<account>:key/<id>` and `...:alias/<name>`.
 */
import { ACCOUNT_ID } from '../protocols/context.js';

/** AWS managed keys Mailroom creates for its own services' data, with the descriptions AWS gives them. */
export const MANAGED_KEYS: Readonly<Record<string, string>> = {
  'alias/aws/sqs': 'Default key that protects my SQS messages when no other key is defined',
  'alias/aws/sns': 'Default master key that protects my SNS data when no other key is defined',
  'alias/aws/events': 'Default key that protects my EventBridge data when no other key is defined',
};

export const SQS_MANAGED_KEY = 'alias/aws/sqs';
export const EVENTS_MANAGED_KEY = 'alias/aws/events';
export const SNS_MANAGED_KEY = 'alias/aws/sns';

export function keyArn(region: string, id: string): string {
  return `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${id}`;
}

export function aliasArn(region: string, name: string): string {
  return `arn:aws:kms:${region}:${ACCOUNT_ID}:${name}`;
}

const KMS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]*:\d{12}:(key\/[^/]+|alias\/.+)$/;

/** What a reference names: `{ keyId }` or `{ alias }` (the alias name); undefined for an ARN that is not KMS's. */
export function parseKeyRef(ref: string): { keyId: string } | { alias: string } | undefined {
  if (ref.startsWith('alias/')) return { alias: ref };
  if (!ref.startsWith('arn:')) return { keyId: ref };
  const resource = KMS_ARN.exec(ref)?.[1];
  if (resource === undefined) return undefined;
  return resource.startsWith('key/') ? { keyId: resource.slice(4) } : { alias: resource };
}
