/**
 * The group-commit write of `ingest`: every caller's events and their pending deliveries in ONE statement — the
 * events and the deliveries as arrays (unnest), the deliveries joined to the events' new seqs in a data-modifying
 * CTE — sent in autocommit, so a group of any size costs one round trip and one commit. It also notifies
 * listeners that deliveries were recorded (delivered at the commit). Payloads arrive sealed: each caller's are
 * sealed before it joins a group (PostgresStore.ingest), so a caller whose bus key cannot be used fails alone.
 */
import type pg from 'pg';
import type { IngestEntry } from '../store.js';
import type { FlushOutcomes } from '../group-commit.js';
import type { IdGenerator } from '../ids.js';
import { columns, writeIsolated, type Queryable } from './database.js';
import { WAKE_CHANNELS } from './wake-ups.js';

const INGEST = {
  name: 'mailroom-ingest',
  text: `
WITH ev AS (
  INSERT INTO events (id, bus, received_at, payload, key_id)
  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[], $14::text[])
  RETURNING seq, id
), dl AS (
  INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, status, attempts, due_at, created_at, updated_at)
  SELECT d.id, ev.seq, d.event_id, d.bus, d.rule_name, d.rule_arn, d.target_id, d.target_arn, 'pending', 0, d.due_at, $13, $13
  FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[])
    AS d (id, event_id, bus, rule_name, rule_arn, target_id, target_arn, due_at)
  JOIN ev ON ev.id = d.event_id
  RETURNING 1
)
SELECT pg_notify('${WAKE_CHANNELS.deliveries}', '') FROM (SELECT 1 FROM dl LIMIT 1) AS recorded`,
};

/** An entry with its event's payload sealed, and the KMS key that sealed it. */
export interface SealedEntry extends IngestEntry {
  sealed: { payload: Buffer; keyId: string };
}

export class IngestTransaction {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ids: IdGenerator,
  ) {}

  /**
   * Writes every caller's entries in one commit; see FlushOutcomes. `now` stamps the deliveries. If the group
   * fails (a duplicate event id), each caller is written again in its own savepoint to find whose entries were at
   * fault (writeIsolated).
   */
  async write(callers: SealedEntry[][], now: number): Promise<FlushOutcomes> {
    const results = await writeIsolated(this.pool, callers, async (db, group) => {
      await this.#insert(db, group.flat(), now);
      return group.map(() => undefined);
    });
    return results.map((r) => (r instanceof Error ? r : undefined));
  }

  #insert(db: Queryable, entries: SealedEntry[], now: number): Promise<unknown> {
    const deliveries = entries.flatMap(({ event, deliveries }) => deliveries.map((d) => ({ id: this.ids.next(now), event, d })));
    return db.query({
      ...INGEST,
      values: [
        ...columns(entries, [({ event }) => event.id, ({ event }) => event.bus, ({ event }) => event.receivedAt, ({ sealed }) => sealed.payload]),
        ...columns(deliveries, [(x) => x.id, (x) => x.event.id, (x) => x.event.bus, (x) => x.d.ruleName, (x) => x.d.ruleArn, (x) => x.d.targetId, (x) => x.d.targetArn, (x) => x.d.dueAt]),
        now,
        entries.map(({ sealed }) => sealed.keyId),
      ],
    });
  }
}
