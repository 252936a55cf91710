/**
 * What the main thread and the SQLite writer thread say to each other (writer.ts and writer-thread.ts), and how a
 * group of ingest calls is packed to cross the thread boundary.
 *
 * A group travels as two flat arrays, one of strings and one of numbers, and one buffer holding every sealed
 * payload, instead of the entry objects: structured clone then copies each string once and no property names, and
 * the payloads move without a copy (the buffer is transferred), which keeps the main thread's share small.
 */
import type { MessagePort } from 'node:worker_threads';
import type { FlushOutcomes } from '../group-commit.js';
import type { NewDelivery } from '../records.js';
import type { Settings } from './database.js';

/** An event as the writer thread stores it: its payload already sealed (by the main thread, src/store/sealing.ts). */
export interface SealedEvent {
  id: string;
  bus: string;
  receivedAt: number;
  payload: Buffer;
  /** The KMS key that sealed the payload. */
  keyId: string;
}

export interface SealedIngestEntry {
  event: SealedEvent;
  deliveries: NewDelivery[];
}

/** The writer thread's `workerData`. */
export interface WriterOptions {
  path: string;
  /** The thread's end of the channel that carries every message below. */
  port: MessagePort;
}

/** One group commit's worth of ingest calls; see packGroup for the layout. */
export interface PackedGroup {
  /** Stamps the deliveries' creation time (the main thread's clock: the writer thread has none). */
  now: number;
  strings: string[];
  numbers: number[];
  /** Every payload, back to back; numbers give their lengths. */
  payloads: Uint8Array;
}

/** An Error as it crosses the boundary (structured clone would drop SqliteError's `code`). */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/** Main thread → writer thread. */
export type ToWriter = { type: 'write'; group: PackedGroup } | { type: 'close' };

/** The writer thread's answer to one group. */
export type GroupReply =
  /** Committed; the listed callers (by index in the group) were rolled back to their savepoint and left out. */
  | { type: 'written'; rejected: { caller: number; error: WireError }[] }
  /** Nothing was committed. */
  | { type: 'failed'; error: WireError };

/** Writer thread → main thread: `ready` once the connection is open, then one GroupReply per group. */
export type FromWriter = { type: 'ready'; settings: Settings } | GroupReply;

/**
 * numbers: caller count, then per caller its entry count, then per entry receivedAt, payload length and delivery
 * count, then per delivery dueAt. strings: per entry id, bus, keyId, then per delivery ruleName, ruleArn, targetId,
 * targetArn. payloads: the entries' payloads in order.
 */
export function packGroup(callers: SealedIngestEntry[][], now: number): PackedGroup {
  const strings: string[] = [];
  const numbers: number[] = [callers.length];
  let size = 0;
  for (const entries of callers) for (const { event } of entries) size += event.payload.length;
  // Its own ArrayBuffer (not a pooled slab), so that transferring it hands over exactly these bytes.
  const payloads = new Uint8Array(size);
  let at = 0;
  for (const entries of callers) {
    numbers.push(entries.length);
    for (const { event, deliveries } of entries) {
      strings.push(event.id, event.bus, event.keyId);
      payloads.set(event.payload, at);
      at += event.payload.length;
      numbers.push(event.receivedAt, event.payload.length, deliveries.length);
      for (const d of deliveries) {
        strings.push(d.ruleName, d.ruleArn, d.targetId, d.targetArn);
        numbers.push(d.dueAt);
      }
    }
  }
  return { now, strings, numbers, payloads };
}

export function unpackGroup({ strings, numbers, payloads }: PackedGroup): SealedIngestEntry[][] {
  let s = 0;
  let n = 0;
  let at = 0;
  const bytes = Buffer.from(payloads.buffer, payloads.byteOffset, payloads.byteLength);
  const callers: SealedIngestEntry[][] = [];
  for (let callerCount = numbers[n++]; callerCount > 0; callerCount--) {
    const entries: SealedIngestEntry[] = [];
    for (let entryCount = numbers[n++]; entryCount > 0; entryCount--) {
      const id = strings[s++];
      const bus = strings[s++];
      const keyId = strings[s++];
      const receivedAt = numbers[n++];
      const length = numbers[n++];
      const event = { id, bus, keyId, receivedAt, payload: bytes.subarray(at, (at += length)) };
      const deliveries = [];
      for (let deliveryCount = numbers[n++]; deliveryCount > 0; deliveryCount--) {
        deliveries.push({ ruleName: strings[s++], ruleArn: strings[s++], targetId: strings[s++], targetArn: strings[s++], dueAt: numbers[n++] });
      }
      entries.push({ event, deliveries });
    }
    callers.push(entries);
  }
  return callers;
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

/** The per-caller outcomes of a `written` reply, as GroupCommit wants them. */
export function outcomesOf(callerCount: number, rejected: { caller: number; error: WireError }[]): FlushOutcomes {
  const outcomes: FlushOutcomes = new Array<undefined>(callerCount).fill(undefined);
  for (const { caller, error } of rejected) outcomes[caller] = fromWire(error);
  return outcomes;
}
