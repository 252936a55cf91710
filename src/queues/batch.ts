/**
 * The envelope every SQS batch call shares: 1–10 entries with distinct, well-formed Ids. Entries then succeed or
 * fail one by one; a failure is reported in `Failed` with the error's code and message, never thrown.
 */
import { ServiceError } from '../errors.js';

export const MAX_BATCH_ENTRIES = 10;
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

export interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

/** Checks the batch as a whole; `entryName` is SQS's name for the entry type, used in its message. */
export function checkBatch(entries: { Id?: string }[] | undefined, entryName: string): void {
  if (!entries || entries.length === 0) throw new ServiceError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw new ServiceError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`);
  }
  const seen = new Set<string>();
  for (const { Id } of entries) {
    if (Id === undefined || !ENTRY_ID.test(Id)) {
      throw new ServiceError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (seen.has(Id)) throw new ServiceError('BatchEntryIdsNotDistinct', `Id ${Id} repeated.`);
    seen.add(Id);
  }
}

/** Runs one entry; a ServiceError becomes its failure, anything else propagates (it is Mailroom's fault). */
export async function runEntry<T>(id: string, fn: () => Promise<T>): Promise<{ ok: T } | { failed: BatchFailure }> {
  try {
    return { ok: await fn() };
  } catch (err) {
    return { failed: entryFailure(id, err) };
  }
}

/** What an entry threw, as its failure when it is a ServiceError; anything else is rethrown. */
export function entryFailure(id: string, err: unknown): BatchFailure {
  if (!(err instanceof ServiceError)) throw err;
  return batchFailure(id, err);
}

/** An entry's failure as the batch answer reports it. */
export function batchFailure(id: string, err: ServiceError): BatchFailure {
  return { Id: id, SenderFault: err.spec.fault === 'Sender', Code: err.spec.queryCode ?? err.code, Message: err.message };
}
