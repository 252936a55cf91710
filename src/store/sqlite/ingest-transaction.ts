/**
 * The group-commit write of `ingest`: every caller's events and their pending deliveries in one transaction.
 * Runs on the writer thread's connection (writer-thread.ts), never on the main one.
 */
import type Database from 'better-sqlite3';
import type { FlushOutcomes } from '../group-commit.js';
import type { IdGenerator } from '../ids.js';
import type { SealedIngestEntry } from './writer-protocol.js';

export class IngestTransaction {
  readonly #db: Database.Database;
  readonly #ids: IdGenerator;
  readonly #insertEvent;
  readonly #insertDelivery;
  readonly #writeAll;
  readonly #writeIsolated;

  constructor(db: Database.Database, ids: IdGenerator) {
    this.#db = db;
    this.#ids = ids;
    // The payload arrives sealed (unpackGroup sealed it with the data key the main thread chose); key_id names the
    // KMS key that sealed it.
    this.#insertEvent = db.prepare<[string, string, number, Buffer, string]>(
      'INSERT INTO events (id, bus, received_at, payload, key_id) VALUES (?, ?, ?, ?, ?)',
    );
    this.#insertDelivery = db.prepare<[string, number | bigint, string, string, string, string, string, string, number, number, number]>(
      `INSERT INTO deliveries (id, event_seq, event_id, bus, rule_name, rule_arn, target_id, target_arn, status, attempts,
                               due_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    );
    this.#writeAll = db.transaction((callers: SealedIngestEntry[][], now: number) => {
      for (const entries of callers) this.#writeEntries(entries, now);
    });
    // Nested inside #writeIsolated, better-sqlite3 runs this as a SAVEPOINT: one caller's bad entry (a duplicate
    // event id) rolls back that caller alone, and the others still share the commit.
    const writeCaller = db.transaction((entries: SealedIngestEntry[], now: number) => this.#writeEntries(entries, now));
    this.#writeIsolated = db.transaction((callers: SealedIngestEntry[][], now: number): FlushOutcomes =>
      callers.map((entries) => {
        try {
          writeCaller(entries, now);
          return undefined;
        } catch (error) {
          // Some failures (disk full, I/O error) make SQLite roll back the whole transaction. Carrying on would
          // write the remaining callers outside it, one autocommit each; fail the whole group instead.
          if (!this.#db.inTransaction) throw error;
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
  }

  /**
   * Writes every caller's entries in one transaction; see FlushOutcomes. `now` stamps the deliveries.
   * Optimistic: the whole group goes in without savepoints (they measurably slow the common case). Only if that
   * fails is it rolled back and retried with a savepoint per caller, to find out whose entries were at fault.
   * IMMEDIATE takes the write lock up front; only another process can be holding it (busy_timeout covers that),
   * since this process runs its other writes between ingest commits (SqliteStore.#write).
   */
  write(callers: SealedIngestEntry[][], now: number): FlushOutcomes {
    try {
      this.#writeAll.immediate(callers, now);
      return callers.map(() => undefined);
    } catch {
      return this.#writeIsolated.immediate(callers, now);
    }
  }

  #writeEntries(entries: SealedIngestEntry[], now: number): void {
    for (const { event, deliveries } of entries) {
      const seq = this.#insertEvent.run(event.id, event.bus, event.receivedAt, event.payload, event.keyId).lastInsertRowid;
      for (const d of deliveries) {
        this.#insertDelivery.run(this.#ids.next(now), seq, event.id, event.bus, d.ruleName, d.ruleArn, d.targetId, d.targetArn, d.dueAt, now, now);
      }
    }
  }
}
