/**
 * An Error as it crosses between the main thread and the SQLite writer thread: structured clone would drop
 * SqliteError's `code`, which callers test (a duplicate id, a full disk).
 */

export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? { name: error.name, message: error.message, code } : { name: error.name, message: error.message };
}

export function fromWire(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.code !== undefined) Object.assign(error, { code: wire.code });
  return error;
}

/** `fn`'s result, or the error it threw as it crosses back: one part of a piece of work failing alone. */
export function attempt<T>(fn: () => T): T | WireError {
  try {
    return fn();
  } catch (error) {
    return toWire(error);
  }
}

/** Whether an answer that may be a WireError is one (the other answers have no `message`). */
export const isWireError = (answer: object): answer is WireError => 'message' in answer;
