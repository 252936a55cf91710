/**
 * Runs Lambda-style functions: each function gets a small pool of worker threads (reused between invocations, as
 * Lambda reuses warm execution environments), and each invocation gets Lambda's context object and outcome shape.
 *
 * - A handler that throws or rejects is a function error; so is a module that cannot be loaded (the worker is then
 *   discarded, so a fixed module is picked up by the next one).
 * - A handler still running after `timeoutSeconds` of clock time is a timeout: its thread is terminated (the only way
 *   to stop a handler that never yields) and replaced on demand.
 * - When every worker is busy, invocations wait in order; past `maxQueued` waiting they are throttled, as Lambda
 *   throttles past its concurrency. A dispatcher abort or shutdown counts as a system error (`kind: 'throttled'`):
 *   Lambda retries both on the long schedule and neither counts against maximumRetryAttempts.
 *
 * The worker's code is worker.ts under tsx (tests, `node --import tsx`) and the compiled worker.js otherwise.
 */
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { Clock } from '../clock.js';
import { siblingModule, startWorker } from '../worker-threads.js';
import type { WorkerInvocation, WorkerOutcome, WorkerSetup } from './protocol.js';
import { functionArn, parseHandler, type FunctionSpec } from './spec.js';

export type FunctionResult =
  | { ok: true; result: unknown }
  | { ok: false; errorType: string; errorMessage: string; trace: string[]; kind: 'function-error' | 'timeout' | 'throttled' };

export interface FunctionRunnerOptions {
  clock: Clock;
  /** Where relative handler paths start (default: the working directory). */
  baseDir?: string;
  region?: string;
  /** Worker threads per function (default 2). */
  concurrency?: number;
  /** Invocations that may wait for a busy function before more are throttled (default 100). */
  maxQueued?: number;
}

export interface InvokeContext {
  /** Lambda's request ID; the same across the retries of one event. Default: a new UUID. */
  awsRequestId?: string;
}

interface Job {
  spec: FunctionSpec;
  event: unknown;
  context: InvokeContext;
  signal?: AbortSignal;
  resolve: (result: FunctionResult) => void;
}

const WORKER_URL = siblingModule('worker', import.meta.url);

export class FunctionRunner {
  readonly #o: Required<Omit<FunctionRunnerOptions, 'baseDir'>> & { baseDir: string; timeScale: number };
  readonly #pools = new Map<string, Pool>();
  #closing: Promise<void> | undefined;

  constructor(options: FunctionRunnerOptions) {
    this.#o = {
      clock: options.clock,
      baseDir: options.baseDir ?? process.cwd(),
      region: options.region ?? 'us-east-1',
      concurrency: options.concurrency ?? 2,
      maxQueued: options.maxQueued ?? 100,
      // A ScaledClock's scale; wall time passing does not move other clocks' notion of the remaining time much.
      timeScale: (options.clock as { scale?: number }).scale ?? 1,
    };
  }

  /** One invocation of the function with the event; never rejects. */
  invokeFunction(spec: FunctionSpec, event: unknown, context: InvokeContext = {}, signal?: AbortSignal): Promise<FunctionResult> {
    if (this.#closing) return Promise.resolve(systemError('Mailroom.ShuttingDown', 'The function runner is closing.'));
    let pool = this.#pools.get(spec.name);
    if (pool && pool.handler !== spec.handler) {
      // The function now points at other code: retire the old workers once they are done.
      void pool.close();
      pool = undefined;
    }
    if (!pool) {
      const { module, exportName } = parseHandler(spec.handler);
      const path = isAbsolute(module) ? module : resolve(this.#o.baseDir, module);
      pool = new Pool(spec.handler, { moduleUrl: pathToFileURL(path).href, module, exportName }, this.#o);
      this.#pools.set(spec.name, pool);
    }
    return pool.run(spec, event, context, signal);
  }

  /** Terminates every worker; invocations still running or waiting end as system errors. */
  close(): Promise<void> {
    return (this.#closing ??= Promise.all([...this.#pools.values()].map((p) => p.close())).then(() => undefined));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

class Pool {
  readonly #idle: Worker[] = [];
  readonly #all = new Set<Worker>();
  readonly #waiting: Job[] = [];
  readonly #terminating = new Set<Promise<number>>();
  #seq = 0;
  #closed = false;

  constructor(
    readonly handler: string,
    private readonly setup: WorkerSetup,
    private readonly o: { clock: Clock; region: string; concurrency: number; maxQueued: number; timeScale: number },
  ) {}

  run(spec: FunctionSpec, event: unknown, context: InvokeContext, signal?: AbortSignal): Promise<FunctionResult> {
    if (this.#waiting.length >= this.o.maxQueued) return Promise.resolve({ ok: false, kind: 'throttled', errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', trace: [] });
    return new Promise((resolve) => {
      this.#waiting.push({ spec, event, context, signal, resolve });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) job.resolve(systemError('Mailroom.ShuttingDown', 'The function runner is closing.'));
    for (const worker of this.#all) this.#discard(worker);
    await Promise.all(this.#terminating);
  }

  /** Starts waiting jobs on idle workers, spawning workers up to the pool's size. */
  #pump(): void {
    while (this.#waiting.length > 0 && !this.#closed) {
      if (this.#waiting[0]!.signal?.aborted) {
        this.#waiting.shift()!.resolve(aborted());
        continue;
      }
      let worker = this.#idle.pop();
      if (!worker) {
        if (this.#all.size >= this.o.concurrency) return;
        worker = this.#spawn();
      }
      void this.#runOn(worker, this.#waiting.shift()!);
    }
  }

  #spawn(): Worker {
    const worker = startWorker(WORKER_URL, { workerData: this.setup });
    this.#all.add(worker);
    // A worker can also die between invocations (a timer in user code throwing): it must leave the pool, and its
    // 'error' must not go unhandled, which would crash the process. During an invocation, #runOn reports it.
    worker.on('error', () => {});
    worker.once('exit', () => this.#forget(worker));
    return worker;
  }

  #discard(worker: Worker): void {
    if (!this.#forget(worker)) return;
    const terminated: Promise<number> = worker.terminate().finally(() => this.#terminating.delete(terminated));
    this.#terminating.add(terminated);
  }

  #forget(worker: Worker): boolean {
    const i = this.#idle.indexOf(worker);
    if (i >= 0) this.#idle.splice(i, 1);
    return this.#all.delete(worker);
  }

  #runOn(worker: Worker, job: Job): Promise<void> {
    const { spec, signal } = job;
    return new Promise<void>((done) => {
      const id = ++this.#seq;
      let settled = false;
      const finish = (result: FunctionResult, keepWorker: boolean) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (keepWorker && !this.#closed) this.#idle.push(worker);
        else this.#discard(worker);
        job.resolve(result);
        this.#pump();
        done();
      };
      const onMessage = (m: WorkerOutcome) => {
        if (m.id !== id) return;
        if (m.ok) finish({ ok: true, result: m.result === undefined ? null : JSON.parse(m.result) }, true);
        else finish({ ok: false, kind: 'function-error', errorType: m.errorType, errorMessage: m.errorMessage, trace: m.trace }, !m.init);
      };
      // An exception thrown outside the handler's promise chain, or process.exit(), takes the thread down.
      const onError = (err: Error) => finish(this.#closed ? shutdown() : exitError(`Runtime exited with error: ${err.name}: ${err.message}`), false);
      const onExit = (code: number) => finish(this.#closed ? shutdown() : exitError(`Runtime exited with error: exit status ${code}`), false);
      const onAbort = () => finish(aborted(), false);
      const timer = this.o.clock.setTimer(spec.timeoutSeconds * 1000, () =>
        finish({ ok: false, kind: 'timeout', errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${spec.timeoutSeconds.toFixed(2)} seconds`, trace: [] }, false),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      const message: WorkerInvocation = {
        id,
        event: job.event,
        context: {
          functionName: spec.name,
          functionVersion: '$LATEST',
          invokedFunctionArn: functionArn(spec.name, this.o.region),
          memoryLimitInMB: '128',
          awsRequestId: job.context.awsRequestId ?? randomUUID(),
          logGroupName: `/aws/lambda/${spec.name}`,
          logStreamName: `mailroom/[$LATEST]worker-${worker.threadId}`,
        },
        remainingMs: spec.timeoutSeconds * 1000,
        timeScale: this.o.timeScale,
      };
      worker.postMessage(message);
    });
  }
}

function exitError(errorMessage: string): FunctionResult {
  return { ok: false, kind: 'function-error', errorType: 'Runtime.ExitError', errorMessage, trace: [] };
}

function systemError(errorType: string, errorMessage: string): FunctionResult {
  return { ok: false, kind: 'throttled', errorType, errorMessage, trace: [] };
}

function aborted(): FunctionResult {
  return systemError('Mailroom.Aborted', 'The invocation was aborted before the function finished.');
}

function shutdown(): FunctionResult {
  return systemError('Mailroom.ShuttingDown', 'The function runner closed while the function was running.');
}
