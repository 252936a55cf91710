/**
 * Reads of events and their deliveries, for tests and the console, on the main connection. They are written by
 * ingest-transaction.ts on the writer thread; the dispatcher's lease/claim statements will live next to these.
 */
import type Database from 'better-sqlite3';
import type { Sealer } from '../../keys/sealer.js';
import type { DeliveryRecord, DeliveryStatus, EventRecord } from '../records.js';
import { openLastError, openText } from '../sealing.js';
import { setOptional } from './rows.js';

interface EventRow {
  id: string;
  bus: string;
  received_at: number;
  payload: Buffer;
  key_id: string | null;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  bus: string;
  rule_name: string;
  rule_arn: string;
  target_id: string;
  target_arn: string;
  status: DeliveryStatus;
  attempts: number;
  due_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  last_error: string | null;
  error: Buffer | null;
}

function toDelivery(row: DeliveryRow, sealer: Sealer): DeliveryRecord {
  const delivery: DeliveryRecord = {
    id: row.id,
    eventId: row.event_id,
    bus: row.bus,
    ruleName: row.rule_name,
    ruleArn: row.rule_arn,
    targetId: row.target_id,
    targetArn: row.target_arn,
    status: row.status,
    attempts: row.attempts,
    dueAt: row.due_at,
    createdAt: row.created_at,
  };
  setOptional(delivery, 'leaseOwner', row.lease_owner);
  setOptional(delivery, 'leaseUntil', row.lease_until);
  // Sealed since migration 4 (error, under Mailroom's own key); last_error is the plaintext of older rows.
  setOptional(delivery, 'lastError', openLastError(sealer, row.error, row.last_error) ?? null);
  return delivery;
}

const DELIVERY_COLUMNS = `id, event_id, bus, rule_name, rule_arn, target_id, target_arn, status, attempts, due_at, lease_owner,
  lease_until, created_at, last_error, error`;

export interface DeliveryFilter {
  eventId?: string;
  status?: DeliveryStatus;
  limit: number;
}

export class Events {
  readonly #getEvent;
  readonly #countEvents;
  readonly #countAll;
  readonly #countByStatus;
  // One statement per filter shape, so each can use its index (an `@x IS NULL OR col = @x` filter cannot).
  readonly #listAll;
  readonly #listByEvent;
  readonly #listByStatus;
  readonly #listByEventAndStatus;

  constructor(
    db: Database.Database,
    private readonly sealer: Sealer,
  ) {
    this.#getEvent = db.prepare<[string], EventRow>('SELECT id, bus, received_at, payload, key_id FROM events WHERE id = ?');
    this.#countEvents = db.prepare<[], number>('SELECT count(*) FROM events').pluck();
    this.#countAll = db.prepare<[], number>('SELECT count(*) FROM deliveries').pluck();
    this.#countByStatus = db.prepare<[string], number>('SELECT count(*) FROM deliveries WHERE status = ?').pluck();
    // rowid, not id: ids from the writer thread (ingest) and the main connection (follow-ups) come from different
    // generators, which order the ids of one millisecond by their random prefixes rather than by creation.
    const list = (where: string) => db.prepare<unknown[], DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM deliveries ${where} ORDER BY rowid LIMIT ?`);
    this.#listAll = list('');
    const ofEvent = 'event_seq = (SELECT seq FROM events WHERE id = ?)';
    this.#listByEvent = list(`WHERE ${ofEvent}`);
    this.#listByStatus = list('WHERE status = ?');
    this.#listByEventAndStatus = list(`WHERE ${ofEvent} AND status = ?`);
  }

  get(id: string): EventRecord | undefined {
    const row = this.#getEvent.get(id);
    return row && { id: row.id, bus: row.bus, receivedAt: row.received_at, payload: openText(this.sealer, row.payload, row.key_id) };
  }

  count(): number {
    return this.#countEvents.get()!;
  }

  countDeliveries(status?: DeliveryStatus): number {
    return (status === undefined ? this.#countAll.get() : this.#countByStatus.get(status))!;
  }

  /** Deliveries in creation (insertion) order. */
  listDeliveries({ eventId, status, limit }: DeliveryFilter): DeliveryRecord[] {
    let rows: DeliveryRow[];
    if (eventId !== undefined && status !== undefined) rows = this.#listByEventAndStatus.all(eventId, status, limit);
    else if (eventId !== undefined) rows = this.#listByEvent.all(eventId, limit);
    else if (status !== undefined) rows = this.#listByStatus.all(status, limit);
    else rows = this.#listAll.all(limit);
    return rows.map((r) => toDelivery(r, this.sealer));
  }
}
