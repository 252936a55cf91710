/**
 * SQS's hot writes, run on the SQLite writer thread (writer-thread.ts) beside ingest's group commits: sends (sealed
 * here with the data keys the main thread picked), receives (opened here) and deletes. Their statements, seals and
 * opens were most of the main thread's work per message (docs/benchmarks.md); here they cost the event loop only
 * the messages (queue-protocol.ts).
 *
 * The calls of a group share two transactions (receives and deletes, then sends: see run), each call in a
 * savepoint of its own so that one that fails is undone alone, and commit with synchronous=NORMAL, as they did on the main connection: a receive or delete lost to a
 * power cut only makes a message visible again, and a send is acknowledged only after the main thread's shared
 * fsync of the WAL (WalSync). Ingest's transactions on this connection stay FULL.
 */
import type Database from 'better-sqlite3';
import type { OpeningKeys } from '../../keys/opening-keys.js';
import type { HandleResult, ReceivedMessage } from '../queues.js';
import { messageColumnsWith } from '../sealing.js';
import { packReceived, unpackSends, type QueueReply, type QueueWork, type SendAnswer, type SendingMessage } from './queue-protocol.js';
import { QueueMessages } from './queue-messages.js';
import { toWire, type WireError } from './wire-error.js';

/** Thrown inside a call to undo it when the thread lacks a data key: the main thread then has the call's answer. */
class KeyNeeded extends Error {
  constructor(readonly blob?: Buffer) {
    super('the writer thread lacks a data key');
  }
}

export class QueueWrites {
  readonly #db: Database.Database;
  readonly #messages: QueueMessages;
  readonly #first: (work: QueueWork) => QueueReply;
  readonly #second: (sends: SendingMessage[][]) => SendAnswer[];
  /** The key versions usable for the work being run (set by `run`). */
  #usable: ReadonlySet<string> = new Set();

  constructor(db: Database.Database, keys: OpeningKeys) {
    this.#db = db;
    this.#messages = new QueueMessages(db, {
      columns: (m: SendingMessage) =>
        messageColumnsWith(m, (frame) => {
          const blob = keys.seal(m.sealingKey!.head, frame, this.#usable);
          if (!blob) throw new KeyNeeded();
          return { blob, keyId: m.sealingKey!.keyId };
        }),
      open: (blob) => {
        const plaintext = keys.open(blob, this.#usable);
        if (!plaintext) throw new KeyNeeded(blob);
        return plaintext;
      },
    });
    const first = db.transaction((work: QueueWork): QueueReply => {
      // Deletes first: they free what the receives after them need not pass over.
      const deletes = work.deletes.map(({ queue, handles }) => this.#attempt((): HandleResult[] => this.#messages.delete(queue, handles)));
      const receives = work.receives.map((request) =>
        this.#attempt(() => {
          try {
            return packReceived(this.#messages.receive(request));
          } catch (error) {
            if (error instanceof KeyNeeded) return { needKey: error.blob! };
            throw error;
          }
        }),
      );
      return { receives, deletes };
    });
    const second = db.transaction((sends: SendingMessage[][]): SendAnswer[] =>
      sends.map((messages) =>
        this.#attempt((): boolean | 'need-key' => {
          try {
            return this.#messages.send(messages);
          } catch (error) {
            if (error instanceof KeyNeeded) return 'need-key';
            throw error;
          }
        }),
      ),
    );
    this.#first = (work) => first.immediate(work);
    this.#second = (sends) => second.immediate(sends);
  }

  /**
   * Runs the group's SQS calls in two transactions, answering each as it commits (`answer`): the receives and
   * deletes first, which are quick and what consumers wait on, then the sends, which seal and write whole messages
   * (a send is acknowledged only after the WAL's fsync anyway). `usable` are the KMS key versions whose records may
   * be opened now.
   */
  run(work: QueueWork, usable: ReadonlySet<string>, answer: (reply: QueueReply) => void): void {
    this.#usable = usable;
    if (work.receives.length > 0 || work.deletes.length > 0) {
      answer(whole(() => this.#first(work), (error) => ({ receives: work.receives.map(() => error), deletes: work.deletes.map(() => error) })));
    }
    const sends = unpackSends(work.sends);
    if (sends.length > 0) answer(whole(() => ({ sends: this.#second(sends) }), (error) => ({ sends: sends.map(() => error) })));
  }

  /** A call's own outcome: its error is its answer alone unless it ended the whole transaction. */
  #attempt<T>(call: () => T): T | WireError {
    try {
      return call();
    } catch (error) {
      if (!this.#db.inTransaction) throw error;
      return toWire(error);
    }
  }
}

/** A part's answers, or when it failed as a whole (nothing of it committed) its error as every call's answer. */
function whole(run: () => QueueReply, failed: (error: WireError) => QueueReply): QueueReply {
  try {
    return run();
  } catch (error) {
    return failed(toWire(error));
  }
}
