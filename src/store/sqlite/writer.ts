/**
 * The main thread's handle on the SQLite writer thread (writer-thread.ts): hands it one group commit at a time and
 * turns its answer into per-caller outcomes for GroupCommit, which accumulates the next group meanwhile.
 *
 * The thread starts on the first write, so a process that only reads or manages rules (the CLI, most tests) never
 * pays for one. If it dies (an uncaught error, an out-of-memory, a failed open), the group in flight is rejected
 * with a WriterThreadError and the next write starts a new thread: the store stays usable, and the main connection
 * never depended on the thread. A group rejected that way may or may not have been committed (the thread may have
 * died after the fsync), so its callers must treat it as not acknowledged, as with any failed PutEvents.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FlushOutcomes } from '../group-commit.js';
import type { IngestEntry } from '../store.js';
import type { Settings } from './database.js';
import { fromWire, outcomesOf, packGroup, type FromWriter, type GroupReply, type ToWriter, type WriterOptions } from './writer-protocol.js';

/** A group lost to the writer thread's death. */
export class WriterThreadError extends Error {
  constructor(detail: string) {
    super(`SQLite writer thread stopped (${detail}) before acknowledging the commit; the events may or may not be stored`);
    this.name = 'WriterThreadError';
  }
}

/** The thread's entry: the compiled .js next to this file, or the .ts source when running under tsx. */
const DEFAULT_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './writer-thread.ts' : './writer-thread.js', import.meta.url);

/**
 * Starts `entry` as a worker thread. Node 20 does not pass the main thread's `--import tsx` hooks on to workers,
 * so a .ts entry (tests, `node --import tsx`) is booted through tsx's API first; the compiled .js needs nothing.
 */
function spawn(entry: URL, options: WriterOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: options });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: options });
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** One running thread and what is waiting on it. */
interface Thread {
  worker: Worker;
  ready: Promise<Settings>;
  /** Set while a group is in flight (at most one). */
  group?: Pending<GroupReply>;
  closing: boolean;
}

export class WriterThread {
  readonly #options: WriterOptions;
  readonly #entry: URL;
  #thread: Thread | undefined;

  /** `entry` replaces the thread's script (tests use it to simulate a crash). */
  constructor(path: string, entry: URL = DEFAULT_ENTRY) {
    this.#options = { path };
    this.#entry = entry;
  }

  /** The writer connection's settings, starting the thread if it is not running. */
  settings(): Promise<Settings> {
    return this.#running().ready;
  }

  /**
   * Commits one group on the thread and resolves with each caller's outcome; rejects (every caller) when nothing
   * was committed. The caller (GroupCommit) never has two groups in flight.
   */
  flush(callers: IngestEntry[][], now: number): Promise<FlushOutcomes> {
    const thread = this.#running();
    if (thread.group) return Promise.reject(new Error('a group is already in flight'));
    const message: ToWriter = { type: 'write', group: packGroup(callers, now) };
    const reply = new Promise<GroupReply>((resolve, reject) => (thread.group = { resolve, reject }));
    // Referenced only while a group is in flight: an idle writer must not keep the process alive, but a
    // pending acknowledgement must.
    thread.worker.ref();
    thread.worker.postMessage(message);
    return reply.then((answer) => {
      if (answer.type === 'failed') throw fromWire(answer.error);
      return outcomesOf(callers.length, answer.rejected);
    });
  }

  /** Lets the thread close its connection and exit. Call only once no group is in flight (GroupCommit drained). */
  async close(): Promise<void> {
    const thread = this.#thread;
    if (!thread) return;
    thread.closing = true;
    thread.worker.ref();
    const exited = once(thread.worker, 'exit');
    thread.worker.postMessage({ type: 'close' } satisfies ToWriter);
    await exited;
  }

  #running(): Thread {
    this.#thread ??= this.#start();
    return this.#thread;
  }

  #start(): Thread {
    const worker = spawn(this.#entry, this.#options);
    worker.unref();
    let ready!: Pending<Settings>;
    const thread: Thread = { worker, ready: new Promise<Settings>((resolve, reject) => (ready = { resolve, reject })), closing: false };
    // Nobody may be waiting for readiness; its failure reaches the group in flight through 'exit' anyway.
    thread.ready.catch(() => {});
    let crash = 'it exited';
    worker.on('message', (message: FromWriter) => {
      if (message.type === 'ready') return ready.resolve(message.settings);
      const group = thread.group;
      thread.group = undefined;
      worker.unref();
      group?.resolve(message);
    });
    worker.on('error', (error) => {
      crash = error.message;
    });
    worker.on('exit', (code) => {
      if (this.#thread === thread) this.#thread = undefined;
      if (thread.closing) return;
      const error = new WriterThreadError(`${crash}, exit code ${code}`);
      ready.reject(error);
      thread.group?.reject(error);
    });
    return thread;
  }
}
