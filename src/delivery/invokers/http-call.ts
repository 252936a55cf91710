/**
 * One HTTP exchange for the invokers: send a request over a kept-alive connection (http1-client.ts, on the HTTP
 * thread: http-thread.ts), give up after a timeout in clock time (so `--time-scale` shortens it) or
 * when the caller aborts, and keep the status, the headers and the first 4 KB of the body; the rest of a large
 * body is drained without being buffered.
 */
import type { Clock, TimerHandle } from '../../clock.js';
import { StaleConnection, type Http1Answer, type Http1Request, type HttpTransport } from './http1-client.js';
import { HttpThread } from './http-thread.js';

export type HttpRequest = Http1Request;
export type HttpAnswer = Http1Answer;

/** Why no answer came: the clock ran out, the caller aborted, or the network failed (refused, reset, DNS...). */
export class HttpFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'aborted' | 'network',
    message: string,
  ) {
    super(message);
  }
}

/** Kept-alive connections for plain and TLS endpoints, shared by every call of one invoker. */
export class HttpClient {
  readonly #client: HttpTransport;

  constructor(
    private readonly clock: Clock,
    /** Connections kept per endpoint origin. */
    maxSockets = 256,
  ) {
    this.#client = new HttpThread(maxSockets);
  }

  /** Sends the request; rejects with HttpFailure when no answer arrives within `timeoutMs` of clock time. */
  send(request: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => new Exchange(this.#client, this.clock, request, resolve, reject).start(timeoutMs, signal));
  }

  close(): void {
    this.#client.close();
  }
}

/** One request until it is answered, times out or is aborted (an object rather than a closure per step). */
class Exchange {
  #settled = false;
  #retried = false;
  #cancel: (() => void) | undefined;
  #timer: TimerHandle | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly transport: HttpTransport,
    private readonly clock: Clock,
    private readonly request: HttpRequest,
    private readonly resolve: (answer: HttpAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  start(timeoutMs: number, signal: AbortSignal | undefined): void {
    if (signal?.aborted) return this.reject(new HttpFailure('aborted', `Request aborted: ${reason(signal)}`));
    this.#cancel = this.transport.send(this.request, this.#done);
    this.transport.whenReady(() => {
      if (!this.#settled) this.#timer = this.clock.setTimer(timeoutMs, () => this.#giveUp(new HttpFailure('timeout', `No answer within ${timeoutMs} ms`)));
    });
    if (signal) this.#unsubscribe = onAbort(signal, () => this.#giveUp(new HttpFailure('aborted', `Request aborted: ${reason(signal)}`)));
  }

  readonly #done = (err: Error | undefined, answer?: Http1Answer): void => {
    if (this.#settled) return;
    // A kept-alive connection the server closed while idle fails before any answer; Node's advice is to send
    // again on a fresh one (within the same timeout). The request never reached the application, so this is not a
    // retry of the attempt.
    if (err instanceof StaleConnection && !this.#retried) {
      this.#retried = true;
      this.#cancel = this.transport.send(this.request, this.#done);
      return;
    }
    if (err) this.#finish(new HttpFailure('network', err.message));
    else this.#finish(undefined, answer);
  };

  #giveUp(error: HttpFailure): void {
    this.#cancel?.();
    this.#finish(error);
  }

  #finish(error: Error | undefined, answer?: HttpAnswer): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#timer?.cancel();
    this.#unsubscribe?.();
    if (error) this.reject(error);
    else this.resolve(answer!);
  }
}

const abortSubscribers = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Runs `fn` when the signal aborts; returns the way to stop listening. Thousands of requests in flight share the
 * dispatcher's signal, and EventTarget walks all of a signal's listeners on every add (and warns past ten), so
 * each signal gets one listener that fans out to a Set.
 */
function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let subscribers = abortSubscribers.get(signal);
  if (!subscribers) {
    const created = new Set<() => void>();
    signal.addEventListener('abort', () => created.forEach((f) => f()), { once: true });
    abortSubscribers.set(signal, (subscribers = created));
  }
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

function reason(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
}

/**
 * The wait a `Retry-After` header asks for, in ms of clock time: delta-seconds or an HTTP date. A negative
 * number is returned as is (AWS stops retrying on it); an unreadable value gives undefined.
 */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^-?\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
