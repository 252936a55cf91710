/** NextToken for SNS's List operations: the shared opaque token, with SNS's error for one that is not valid. */
import { decodeNextToken, encodeNextToken } from '../paging.js';
import { invalidParameter } from './names.js';

export function pageAfter(token: string | undefined): string | undefined {
  try {
    return decodeNextToken(token);
  } catch {
    throw invalidParameter('NextToken');
  }
}

export function pageToken(after: string | undefined): { NextToken?: string } {
  return after === undefined ? {} : { NextToken: encodeNextToken(after)! };
}
