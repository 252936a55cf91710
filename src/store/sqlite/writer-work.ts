/**
 * What the SQLite writer thread does besides committing ingest's groups: the work that rides along with them
 * (writer-protocol.ts ThreadWork): the delivery engine's claims and plain settles (delivery-writes.ts) and SQS's
 * sends, receives and deletes (queue-writes.ts). Both open and seal with the data keys the main thread hands over
 * (OpeningKeys, one set for both).
 *
 * While the main thread's Checkpointer runs, this connection leaves checkpoints to it too (the work says so).
 * All of it commits with synchronous=NORMAL, as it did on the main connection (see SqliteStore's #outboxWrite),
 * while ingest's transactions on this connection stay FULL. The pragma goes through db.pragma each time, never a
 * prepared statement: SQLite applies PRAGMA synchronous when the statement is compiled, so a prepared one's run()
 * may change nothing.
 */
import type Database from 'better-sqlite3';
import { OpeningKeys } from '../../keys/opening-keys.js';
import { DeliveryWrites } from './delivery-writes.js';
import { QueueWrites } from './queue-writes.js';
import type { ThreadReply, ThreadWork } from './writer-protocol.js';

export class WriterWork {
  readonly #db: Database.Database;
  readonly #keys = new OpeningKeys();
  readonly #deliveries: DeliveryWrites;
  readonly #queues: QueueWrites;
  /** The connection's wal_autocheckpoint as last set (SQLite's default at first). */
  #autocheckpointPages = 1000;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#deliveries = new DeliveryWrites(db, this.#keys);
    this.#queues = new QueueWrites(db, this.#keys);
  }

  /**
   * Does the work, answering as each part commits (`answer` is called once or more): the delivery engine's, then
   * the SQS receives and deletes, then the SQS sends (QueueWrites.run).
   */
  run(work: ThreadWork, answer: (reply: ThreadReply) => void): void {
    this.#keys.learn(work.keys);
    if (work.autocheckpointPages !== this.#autocheckpointPages) {
      this.#db.pragma(`wal_autocheckpoint = ${work.autocheckpointPages}`);
      this.#autocheckpointPages = work.autocheckpointPages;
    }
    const usable = new Set(work.usable);
    this.#db.pragma('synchronous = NORMAL');
    try {
      // Answered before the SQS calls, which may include a group's sends (sealing and whole rows).
      if (work.deliveries) answer({ deliveries: this.#deliveries.run(work.deliveries, work.now, usable) });
      if (work.queues) this.#queues.run(work.queues, usable, (queues) => answer({ queues }));
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }
}
