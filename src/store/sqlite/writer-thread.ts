/**
 * The SQLite writer thread's entry point (started by writer.ts): its own connection to the store's file, on which
 * it commits the ingest groups the main thread sends, one at a time, and answers each once it is durable, with
 * the work that came along (writer-work.ts: the delivery engine's claims and plain settles, SQS's sends, receives
 * and deletes). The inserts, the claims' queries and the fsync run here, so they no longer stop the main thread's
 * event loop.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { IdGenerator } from '../ids.js';
import { openDatabase, readSettings } from './database.js';
import { IngestTransaction } from './ingest-transaction.js';
import { toWire } from './wire-error.js';
import { WriterWork } from './writer-work.js';
import { unpackGroup, type FromWriter, type GroupReply, type PackedGroup, type ToWriter, type WriterOptions } from './writer-protocol.js';

if (isMainThread) throw new Error('writer-thread.ts runs as a worker thread of the SQLite store');
const { path, port } = workerData as WriterOptions;

// The main connection created and migrated the file before starting this thread; same pragmas here (WAL,
// synchronous=FULL, busy_timeout), since this is the connection whose commits acknowledge events.
const db = openDatabase(path);
// Its own id generator: a random node part per generator keeps ids unique across a restarted thread too.
const ingest = new IngestTransaction(db, new IdGenerator());
const work = new WriterWork(db);

const reply = (message: FromWriter) => port.postMessage(message);

function write(group: PackedGroup): GroupReply {
  // A group may carry only delivery work: no empty transaction (and fsync) for it.
  if (group.numbers[0] === 0) return { type: 'written', rejected: [] };
  try {
    const rejected = [];
    for (const [caller, error] of ingest.write(unpackGroup(group), group.now).entries()) {
      if (error) rejected.push({ caller, error: toWire(error) });
    }
    return { type: 'written', rejected };
  } catch (error) {
    return { type: 'failed', error: toWire(error) };
  }
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'write') {
    // The work first, answered at once: a claim needs none of the group's events (those that woke the dispatcher
    // were acknowledged by an earlier group), nor does an SQS call, so neither waits for an fsync of theirs.
    if (message.work) work.run(message.work, (answer) => reply({ type: 'worked', reply: answer }));
    return reply(write(message.group));
  }
  // 'close': the main thread sends it only when no group is in flight; closing the port lets the thread exit.
  db.close();
  port.close();
});

reply({ type: 'ready', settings: readSettings(db) });
