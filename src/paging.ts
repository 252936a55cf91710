/**
 * NextToken handling shared by every List operation: the token is the opaque, base64url form of the last name
 * returned, so paging is stable while resources are added or removed.
 */
import { ServiceError } from './errors.js';

export function encodeNextToken(after: string | undefined): string | undefined {
  return after === undefined ? undefined : Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
}

export function decodeNextToken(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new ServiceError('ValidationException', 'The NextToken provided is invalid.');
}
