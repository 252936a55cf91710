/**
 * The invokers' HTTP transport on a thread of its own: the event loop's thread turns each request into bytes (so a
 * header that cannot be sent fails at once, as with node:http), and a worker thread (http-thread-worker.ts) does the
 * socket work with the lean HTTP/1.1 client (http1-client.ts) — the writes, the reads, the parsing.
 *
 * Why: one delivery is one HTTP request, and the socket system calls were the largest part of the event loop's work
 * per delivery (on a virtual machine, a write to a loopback socket also runs the receiver's wake-up). On their own
 * thread they use the machine's second core, while the event loop claims, dispatches and settles.
 *
 * Requests and answers cross in batches, one message per event-loop turn each way, with the bytes of all requests
 * (or all answer bodies, at most 4 KB each) packed into one transferred ArrayBuffer: structured clone then copies
 * a few small objects per request rather than a socket's buffers.
 *
 * The thread starts on the first request and keeps the process alive only while requests are out. If it dies,
 * the requests out fail (as network errors, which the invokers retry) and the next request starts a new one.
 */
import type { Worker } from 'node:worker_threads';
import { siblingModule, startWorker } from '../../worker-threads.js';
import { originOf, requestBytes, StaleConnection, type Done, type Http1Request, type HttpTransport } from './http1-client.js';

/** One request for the thread: its bytes are `bytes[start, end)` of the message. */
export interface ThreadSend {
  id: number;
  origin: string;
  noBody: boolean;
  start: number;
  end: number;
}

/** Event loop → HTTP thread. */
export interface ToHttpThread {
  sends: ThreadSend[];
  /** Requests given up on (timed out, aborted): their connections are destroyed. */
  cancels: number[];
  bytes: ArrayBuffer;
}

/** An answer from the thread: headers as [name, value, ...], body as `bytes[start, end)` of the message. */
export interface ThreadAnswer {
  id: number;
  status: number;
  keepAlive: boolean;
  headers: string[];
  start: number;
  end: number;
}

/** HTTP thread → event loop. */
export interface FromHttpThread {
  answers: ThreadAnswer[];
  failures: { id: number; stale: boolean; message: string }[];
  bytes: ArrayBuffer;
}

/** The thread's `workerData`. */
export interface HttpThreadOptions {
  maxSockets: number;
}

const ENTRY = siblingModule('http-thread-worker', import.meta.url);

interface Outgoing {
  id: number;
  origin: string;
  noBody: boolean;
  payload: Buffer;
}

export class HttpThread implements HttpTransport {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Done>();
  #nextId = 1;
  #outgoing: Outgoing[] = [];
  #cancels: number[] = [];
  #scheduled = false;

  constructor(private readonly maxSockets: number) {}

  send(request: Http1Request, done: Done): () => void {
    const origin = originOf(request.url);
    const payload = requestBytes(request);
    const id = this.#nextId++;
    this.#pending.set(id, done);
    this.#outgoing.push({ id, origin, noBody: request.method === 'HEAD', payload });
    this.#schedule();
    return () => {
      if (!this.#pending.delete(id)) return;
      this.#cancels.push(id);
      this.#schedule();
    };
  }

  close(): void {
    const worker = this.#worker;
    this.#worker = undefined;
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
    const outgoing = this.#outgoing;
    const cancels = this.#cancels;
    this.#outgoing = [];
    this.#cancels = [];
    if (outgoing.length === 0 && cancels.length === 0) return;
    let size = 0;
    for (const o of outgoing) size += o.payload.length;
    const bytes = new ArrayBuffer(size);
    const view = new Uint8Array(bytes);
    const sends: ThreadSend[] = [];
    let at = 0;
    for (const o of outgoing) {
      view.set(o.payload, at);
      sends.push({ id: o.id, origin: o.origin, noBody: o.noBody, start: at, end: (at += o.payload.length) });
    }
    const message: ToHttpThread = { sends, cancels, bytes };
    const worker = this.#running();
    worker.postMessage(message, [bytes]);
    this.#hold(worker);
  }

  #running(): Worker {
    if (this.#worker) return this.#worker;
    const worker = startWorker(ENTRY, { workerData: { maxSockets: this.maxSockets } satisfies HttpThreadOptions });
    this.#worker = worker;
    worker.on('message', (message: FromHttpThread) => this.#receive(worker, message));
    let crash = 'it exited';
    worker.on('error', (error) => {
      crash = error.message;
    });
    worker.on('exit', () => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(`HTTP thread stopped (${crash})`);
    });
    return worker;
  }

  #receive(worker: Worker, { answers, failures, bytes }: FromHttpThread): void {
    for (const a of answers) {
      const done = this.#pending.get(a.id);
      if (!done) continue;
      this.#pending.delete(a.id);
      const headers = Object.create(null) as Record<string, string>;
      for (let i = 0; i < a.headers.length; i += 2) headers[a.headers[i]!] = a.headers[i + 1]!;
      done(undefined, { status: a.status, keepAlive: a.keepAlive, headers, body: Buffer.from(bytes, a.start, a.end - a.start) });
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
