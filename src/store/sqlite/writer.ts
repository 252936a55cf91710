/**
 * The main thread's handle on the SQLite writer thread (writer-thread.ts): hands it one group commit at a time and
 * turns its answer into per-caller outcomes for GroupCommit, which accumulates the next group meanwhile.
 *
 * The answers come on a MessagePort of their own, so that besides the usual 'message' event the main thread can
 * also pick an answer up synchronously (`poll`) while it is busy handling requests: the next group then goes to
 * the thread at once instead of after the rest of that event-loop turn, which otherwise left the thread idle for
 * 2-3 ms of every 8-10 ms commit cycle under load.
 *
 * The thread starts on the first write, so a process that only reads or manages rules (the CLI, most tests) never
 * pays for one. If it dies (an uncaught error, an out-of-memory, a failed open), the group in flight is rejected
 * with a WriterThreadError and the next write starts a new thread: the store stays usable, and the main connection
 * never depended on the thread. A group rejected that way may or may not have been committed (the thread may have
 * died after the fsync), so its callers must treat it as not acknowledged, as with any failed PutEvents.
 */
import { once } from 'node:events';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../../worker-threads.js';
import type { FlushOutcomes } from '../group-commit.js';
import type { Settings } from './database.js';
import { fromWire } from './wire-error.js';
import { outcomesOf, packGroup, type FromWriter, type GroupReply, type ThreadReply, type ThreadWork, type ToWriter, type WriterEntry, type WriterOptions } from './writer-protocol.js';

/** A group lost to the writer thread's death. */
export class WriterThreadError extends Error {
  constructor(detail: string) {
    super(`SQLite writer thread stopped (${detail}) before acknowledging the commit; the events may or may not be stored`);
    this.name = 'WriterThreadError';
  }
}

/** The thread's entry: the compiled .js next to this file, or the .ts source when running under tsx. */
const DEFAULT_ENTRY = siblingModule('writer-thread', import.meta.url);

function spawn(entry: URL, options: WriterOptions): Worker {
  return startWorker(entry, { workerData: options, transferList: [options.port] });
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** One running thread and what is waiting on it. */
interface Thread {
  worker: Worker;
  /** Our end of the channel to the thread: groups out, answers back. */
  port: MessagePort;
  ready: Promise<Settings>;
  onReady: Pending<Settings>;
  starting: boolean;
  /** Set while a group is in flight (at most one). */
  group?: Pending<GroupReply>;
  /** Set while a group with work is in flight: its answers may come in several parts, all before the GroupReply. */
  worked?: (reply: ThreadReply) => void;
  closing: boolean;
}

export class WriterThread {
  readonly #path: string;
  readonly #entry: URL;
  #thread: Thread | undefined;

  /** `entry` replaces the thread's script (tests use it to simulate a crash). */
  constructor(path: string, entry: URL = DEFAULT_ENTRY) {
    this.#path = path;
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
  async flush(callers: WriterEntry[][], now: number): Promise<FlushOutcomes> {
    const outcomes = await this.run(callers, now);
    if (outcomes instanceof Error) throw outcomes;
    return outcomes;
  }

  /**
   * The same with work for the thread (writer-protocol.ts ThreadWork), which it does first, in transactions of its
   * own, and answers part by part (`worked`, once or more) before the group's events are written. Resolves with the
   * group's outcomes, or the error that kept all of it out; rejects only when the thread died, when the parts of the
   * work not answered by then may or may not be done.
   */
  run(callers: WriterEntry[][], now: number, work?: { work: ThreadWork; worked: (reply: ThreadReply) => void }): Promise<FlushOutcomes | Error> {
    const thread = this.#running();
    if (thread.group) return Promise.reject(new Error('a group is already in flight'));
    const message: ToWriter = work ? { type: 'write', group: packGroup(callers, now), work: work.work } : { type: 'write', group: packGroup(callers, now) };
    const reply = new Promise<GroupReply>((resolve, reject) => (thread.group = { resolve, reject }));
    thread.worked = work?.worked;
    this.#holdProcess(thread);
    thread.port.postMessage(message);
    return reply.then((answer) => (answer.type === 'failed' ? fromWire(answer.error) : outcomesOf(callers.length, answer.rejected)));
  }

  /** Takes the answer to the group in flight if it has arrived, without waiting for its 'message' event. */
  poll(): void {
    const thread = this.#thread;
    if (!thread?.group) return;
    for (let received = receiveMessageOnPort(thread.port); received; received = receiveMessageOnPort(thread.port)) {
      this.#receive(thread, received.message as FromWriter);
    }
  }

  /** Lets the thread close its connection and exit. Call only once no group is in flight (GroupCommit drained). */
  async close(): Promise<void> {
    const thread = this.#thread;
    if (!thread) return;
    thread.closing = true;
    this.#holdProcess(thread);
    const exited = once(thread.worker, 'exit');
    thread.port.postMessage({ type: 'close' } satisfies ToWriter);
    await exited;
  }

  #running(): Thread {
    this.#thread ??= this.#start();
    return this.#thread;
  }

  #start(): Thread {
    const { port1: port, port2 } = new MessageChannel();
    const worker = spawn(this.#entry, { path: this.#path, port: port2 });
    let onReady!: Pending<Settings>;
    const ready = new Promise<Settings>((resolve, reject) => (onReady = { resolve, reject }));
    // Nobody may be waiting for readiness; its failure reaches the group in flight through 'exit' anyway.
    ready.catch(() => {});
    const thread: Thread = { worker, port, ready, onReady, starting: true, closing: false };
    port.on('message', (message: FromWriter) => this.#receive(thread, message));
    // The worker's reference is what keeps the process alive (see #holdProcess), not the port's.
    port.unref();
    this.#holdProcess(thread);
    let crash = 'it exited';
    worker.on('error', (error) => {
      crash = error.message;
    });
    worker.on('exit', (code) => {
      // Answers the thread posted before it died are still on the port: a part of the work it committed must not
      // be reported as lost (its receives would stay hidden, its sends be sent again).
      for (let received = receiveMessageOnPort(port); received; received = receiveMessageOnPort(port)) this.#receive(thread, received.message as FromWriter);
      port.close();
      if (this.#thread === thread) this.#thread = undefined;
      if (thread.closing) return;
      const error = new WriterThreadError(`${crash}, exit code ${code}`);
      onReady.reject(error);
      thread.group?.reject(error);
    });
    return thread;
  }

  #receive(thread: Thread, message: FromWriter): void {
    if (message.type === 'ready') {
      thread.starting = false;
      thread.onReady.resolve(message.settings);
    } else if (message.type === 'worked') {
      thread.worked?.(message.reply);
    } else {
      const group = thread.group;
      thread.group = undefined;
      thread.worked = undefined;
      group?.resolve(message);
    }
    this.#holdProcess(thread);
  }

  /**
   * Keeps the process alive while something waits on the thread (it is starting, committing a group, or closing)
   * and not otherwise: an idle writer must not keep a finished program running, but a pending acknowledgement must.
   */
  #holdProcess(thread: Thread): void {
    if (thread.starting || thread.group || thread.closing) thread.worker.ref();
    else thread.worker.unref();
  }
}
