/**
 * The invokers' HTTP transport on a thread of its own: the event loop's thread turns each request into bytes (so a
 * header that cannot be sent fails at once, as with node:http), and a worker thread (http-thread-worker.ts) does the
 * socket work with the lean HTTP/1.1 client (http1-client.ts) — the writes, the reads, the parsing.
 *
 * Why: one delivery is one HTTP request, and the socket system calls were the largest part of the event loop's work
 * per delivery (on a virtual machine, a write to a loopback socket also runs the receiver's wake-up). On their own
 * thread they use the machine's second core, while the event loop claims, dispatches and settles.
 *
 * Requests and answers cross in batches, one message per event-loop turn each way, as parallel arrays of numbers
 * and strings (a request's head and body, an answer's status, headers and first 4 KB of body): structured clone
 * copies those without a property name per request, and the event loop allocates no buffer for them.
 *
 * The thread starts on the first request and keeps the process alive only while requests are out. Requests wait
 * on the event loop's side until it says it is ready, and their timeouts start only then (whenReady): starting it
 * takes a moment (half a second from TypeScript source under tsx), which is not the target's time. If it dies,
 * the requests out fail (as network errors, which the invokers retry) and the next request starts a new one.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../../worker-threads.js';
import { requestParts, StaleConnection, type Done, type Http1Request, type HttpTransport, type RequestParts } from './http1-client.js';

/** Event loop → HTTP thread: requests (the i-th of each array), and requests given up on (timed out, aborted). */
export interface ToHttpThread {
  ids: number[];
  origins: string[];
  heads: string[];
  bodies: (string | null)[];
  noBody: boolean[];
  cancels: number[];
}

/** HTTP thread → event loop: first that it is ready, then answers (the i-th of each array; headers as [name, value, ...]) and failures. */
export type FromHttpThread = { type: 'ready' } | HttpThreadAnswers;

export interface HttpThreadAnswers {
  type: 'answers';
  ids: number[];
  statuses: number[];
  headers: string[][];
  bodies: string[];
  failures: { id: number; stale: boolean; message: string }[];
}

/** The thread's `workerData`. */
export interface HttpThreadOptions {
  maxSockets: number;
}

const ENTRY = siblingModule('http-thread-worker', import.meta.url);

export class HttpThread implements HttpTransport {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Done>();
  #nextId = 1;
  #outgoing: { id: number; parts: RequestParts }[] = [];
  #cancels: number[] = [];
  #scheduled = false;
  /** The running thread has said it is ready; until then requests wait here, and so do their timeouts. */
  #ready = false;
  #whenReady: (() => void)[] = [];

  constructor(private readonly maxSockets: number) {}

  send(request: Http1Request, done: Done): () => void {
    const parts = requestParts(request);
    const id = this.#nextId++;
    this.#pending.set(id, done);
    this.#outgoing.push({ id, parts });
    this.#schedule();
    return () => {
      if (!this.#pending.delete(id)) return;
      this.#cancels.push(id);
      this.#schedule();
    };
  }

  whenReady(fn: () => void): void {
    if (this.#ready) fn();
    else {
      this.#whenReady.push(fn);
      this.#running();
    }
  }

  close(): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = false;
    this.#whenReady = [];
    this.#outgoing = [];
    this.#cancels = [];
    this.#failAll('HTTP client closed');
    void worker?.terminate();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Every request started in this turn of the event loop goes in one message.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    // Requests given up on before they went out need neither sending nor cancelling.
    const outgoing = this.#outgoing.filter((o) => this.#pending.has(o.id));
    if (outgoing.length === 0 && (this.#cancels.length === 0 || !this.#worker)) {
      this.#outgoing = [];
      this.#cancels = [];
      return;
    }
    const worker = this.#running();
    this.#outgoing = outgoing;
    if (!this.#ready) return; // sent once the thread is ready
    const cancels = this.#cancels;
    this.#outgoing = [];
    this.#cancels = [];
    const message: ToHttpThread = { ids: [], origins: [], heads: [], bodies: [], noBody: [], cancels };
    for (const { id, parts } of outgoing) {
      message.ids.push(id);
      message.origins.push(parts.origin);
      message.heads.push(parts.head);
      message.bodies.push(parts.body ?? null);
      message.noBody.push(parts.noBody);
    }
    worker.postMessage(message);
    this.#hold(worker);
  }

  #running(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startWorker(ENTRY, { workerData: { maxSockets: this.maxSockets } satisfies HttpThreadOptions });
    this.#worker = worker;
    this.#ready = false;
    // Starting: keep the process alive until the thread is ready and what waits for it has gone out.
    worker.ref();
    worker.on('message', (message: FromHttpThread) => (message.type === 'ready' ? this.#started(worker) : this.#receive(worker, message)));
    let crash = 'it exited';
    worker.on('error', (error) => {
      crash = error.message;
    });
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#ready = false;
      this.#failAll(`HTTP thread stopped (${crash})`);
      // Requests that were waiting for it go to the next one.
      if (this.#outgoing.length > 0 || this.#whenReady.length > 0) this.#running();
    });
    return worker;
  }

  #started(worker: Worker): void {
    if (this.#worker !== worker) return;
    this.#ready = true;
    const waiting = this.#whenReady;
    this.#whenReady = [];
    for (const fn of waiting) fn();
    this.#flush();
    this.#hold(worker);
  }

  #receive(worker: Worker, { ids, statuses, headers, bodies, failures }: HttpThreadAnswers): void {
    for (let i = 0; i < ids.length; i++) {
      const done = this.#pending.get(ids[i]!);
      if (!done) continue;
      this.#pending.delete(ids[i]!);
      const named = Object.create(null) as Record<string, string>;
      const flat = headers[i]!;
      for (let h = 0; h < flat.length; h += 2) named[flat[h]!] = flat[h + 1]!;
      done(undefined, { status: statuses[i]!, headers: named, body: bodies[i]! });
    }
    for (const f of failures) {
      const done = this.#pending.get(f.id);
      if (!done) continue;
      this.#pending.delete(f.id);
      done(f.stale ? new StaleConnection() : new Error(f.message));
    }
    this.#hold(worker);
  }

  #failAll(message: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const done of pending) done(new Error(message));
  }

  /** Keeps the process alive while requests are out, and not otherwise. */
  #hold(worker: Worker): void {
    if (this.#pending.size > 0) worker.ref();
    else worker.unref();
  }
}
