/** Reads of events and their deliveries, for tests, the console and the admin API. Ingest writes them. */
import type pg from 'pg';
import type { Sealer } from '../../keys/sealer.js';
import type { DeliveryRecord, DeliveryStatus, EventRecord } from '../records.js';
import { openLastError, openText } from '../sealing.js';
import { compact } from './database.js';

const DELIVERY_COLUMNS = `id, event_id AS "eventId", bus, rule_name AS "ruleName", rule_arn AS "ruleArn", target_id AS "targetId",
  target_arn AS "targetArn", status, attempts, due_at AS "dueAt", lease_owner AS "leaseOwner", lease_until AS "leaseUntil",
  created_at AS "createdAt", error, last_error AS "legacyError"`;

export interface DeliveryFilter {
  eventId?: string;
  status?: DeliveryStatus;
  limit: number;
}

export class Events {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sealer: Sealer,
  ) {}

  async get(id: string): Promise<EventRecord | undefined> {
    const { rows } = await this.pool.query<{ id: string; bus: string; receivedAt: number; payload: Buffer; keyId: string | null }>(
      'SELECT id, bus, received_at AS "receivedAt", payload, key_id AS "keyId" FROM events WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return row && { id: row.id, bus: row.bus, receivedAt: row.receivedAt, payload: openText(this.sealer, row.payload, row.keyId) };
  }

  async count(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM events')).rows[0]!.n;
  }

  async countDeliveries(status?: DeliveryStatus): Promise<number> {
    // Separate statements rather than `$1 IS NULL OR status = $1`, so each gets a plan of its own.
    const { rows } = await (status === undefined
      ? this.pool.query<{ n: number }>('SELECT count(*) AS n FROM deliveries')
      : this.pool.query<{ n: number }>('SELECT count(*) AS n FROM deliveries WHERE status = $1', [status]));
    return rows[0]!.n;
  }

  /** Deliveries in creation order (their ids are time-ordered, and strictly increasing from one process). */
  async listDeliveries({ eventId, status, limit }: DeliveryFilter): Promise<DeliveryRecord[]> {
    // Written out per filter shape, so each can use its index (an `$x IS NULL OR col = $x` filter cannot).
    const where: string[] = [];
    const values: unknown[] = [];
    if (eventId !== undefined) where.push(`event_seq = (SELECT seq FROM events WHERE id = $${values.push(eventId)})`);
    if (status !== undefined) where.push(`status = $${values.push(status)}`);
    const { rows } = await this.pool.query(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $${values.push(limit)}`,
      values,
    );
    return rows.map(({ error, legacyError, ...r }) => {
      const lastError = openLastError(this.sealer, error as Buffer | null, legacyError as string | null);
      return compact<DeliveryRecord>(lastError === undefined ? r : { ...r, lastError });
    });
  }
}
