/**
 * What the main thread and the SQLite writer thread say to each other (writer.ts and writer-thread.ts), and how a
 * group of ingest calls is packed to cross the thread boundary.
 *
 * A group travels as two flat arrays, one of strings and one of numbers, instead of the entry objects: structured
 * clone then copies each string once and no property names, which keeps the main thread's share small.
 *
 * Payloads are sealed on the writer thread: the main thread picks each event's data key (src/store/sealing.ts,
 * which checks the KMS key's state and counts the use) and the group carries those few data keys; the thread runs
 * AES-GCM over the payloads as it unpacks them. The cipher then costs the main thread, which is what limits
 * PutEvents, nothing (see bench/store-ingest.ts). The data keys cross in memory, never to disk.
 */
import type { MessagePort } from 'node:worker_threads';
import { secretKey } from '../../keys/aead.js';
import { sealWith, type DataKey } from '../../keys/sealer.js';
import type { FlushOutcomes } from '../group-commit.js';
import type { EventRecord, NewDelivery } from '../records.js';
import type { Settings } from './database.js';
import type { WireOpeningKey } from '../../keys/opening-keys.js';
import type { DeliveryReply, DeliveryWork } from './delivery-protocol.js';
import type { QueueReply, QueueWork } from './queue-protocol.js';
import { fromWire, type WireError } from './wire-error.js';

/** An ingest entry as the main thread hands it to the writer: the event with the data key that is to seal it. */
export interface WriterEntry {
  event: EventRecord;
  dataKey: DataKey;
  deliveries: NewDelivery[];
}

/** An event as the writer thread stores it: its payload sealed. */
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
  /** The data keys the group's events are sealed with (numbers give each event's index here). */
  keys: { keyId: string; head: Uint8Array; key: Uint8Array }[];
}

/**
 * Work riding along with one ingest group besides its events: the delivery engine's (delivery-protocol.ts) and
 * SQS's (queue-protocol.ts). The thread does it first, in transactions of its own, and answers it before the
 * group's events are written (WriterWork).
 */
export interface ThreadWork {
  /** The main thread's clock (the writer thread has none). */
  now: number;
  /** The data keys the main thread opened records with, or picked to seal with, since the last work (OpeningKeys). */
  keys: WireOpeningKey[];
  /** The KMS key versions (keyVersion) whose records may be opened now. */
  usable: string[];
  /** The connection's wal_autocheckpoint from now on (Checkpointer.autocheckpointPages). */
  autocheckpointPages: number;
  deliveries?: DeliveryWork;
  queues?: QueueWork;
}

/** Answers to a ThreadWork: one or more of these per work, each with the parts done by then. */
export interface ThreadReply {
  deliveries?: DeliveryReply;
  queues?: QueueReply;
}

/** Main thread → writer thread. */
export type ToWriter = { type: 'write'; group: PackedGroup; work?: ThreadWork } | { type: 'close' };

/** The writer thread's answer to one group. */
export type GroupReply =
  /** Committed; the listed callers (by index in the group) were rolled back to their savepoint and left out. */
  | { type: 'written'; rejected: { caller: number; error: WireError }[] }
  /** None of the group's events was committed. */
  | { type: 'failed'; error: WireError };

/**
 * Writer thread → main thread: `ready` once the connection is open, then per group the answers to its work if it had
 * some, part by part (before the group's events are written: a claim or a receive waits for no fsync of theirs), and
 * last its GroupReply.
 */
export type FromWriter = { type: 'ready'; settings: Settings } | { type: 'worked'; reply: ThreadReply } | GroupReply;

/**
 * numbers: caller count, then per caller its entry count, then per entry receivedAt, data key index and delivery
 * count, then per delivery dueAt. strings: per entry id, bus, payload, then per delivery ruleName, ruleArn,
 * targetId, targetArn.
 */
export function packGroup(callers: WriterEntry[][], now: number): PackedGroup {
  const strings: string[] = [];
  const numbers: number[] = [callers.length];
  const keys: PackedGroup['keys'] = [];
  const keyIndex = new Map<DataKey, number>();
  for (const entries of callers) {
    numbers.push(entries.length);
    for (const { event, dataKey, deliveries } of entries) {
      let index = keyIndex.get(dataKey);
      if (index === undefined) {
        index = keys.push({ keyId: dataKey.keyId, head: new Uint8Array(dataKey.head), key: new Uint8Array(dataKey.key.export()) }) - 1;
        keyIndex.set(dataKey, index);
      }
      strings.push(event.id, event.bus, event.payload);
      numbers.push(event.receivedAt, index, deliveries.length);
      for (const d of deliveries) {
        strings.push(d.ruleName, d.ruleArn, d.targetId, d.targetArn);
        numbers.push(d.dueAt);
      }
    }
  }
  return { now, strings, numbers, keys };
}

/** The group's entries, each event's payload sealed with its data key. */
export function unpackGroup({ strings, numbers, keys }: PackedGroup): SealedIngestEntry[][] {
  const dataKeys = keys.map((k) => ({ keyId: k.keyId, head: Buffer.from(k.head), key: secretKey(Buffer.from(k.key)) }));
  let s = 0;
  let n = 0;
  const callers: SealedIngestEntry[][] = [];
  for (let callerCount = numbers[n++]; callerCount > 0; callerCount--) {
    const entries: SealedIngestEntry[] = [];
    for (let entryCount = numbers[n++]; entryCount > 0; entryCount--) {
      const id = strings[s++];
      const bus = strings[s++];
      const payload = Buffer.from(strings[s++], 'utf8');
      const receivedAt = numbers[n++];
      const dataKey = dataKeys[numbers[n++]];
      const event = { id, bus, receivedAt, payload: sealWith(dataKey, payload), keyId: dataKey.keyId };
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

/** The per-caller outcomes of a `written` reply, as GroupCommit wants them. */
export function outcomesOf(callerCount: number, rejected: { caller: number; error: WireError }[]): FlushOutcomes {
  const outcomes: FlushOutcomes = new Array<undefined>(callerCount).fill(undefined);
  for (const { caller, error } of rejected) outcomes[caller] = fromWire(error);
  return outcomes;
}
