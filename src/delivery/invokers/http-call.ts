/**
 * One HTTP exchange for the invokers: send a request over a kept-alive connection (http1-client.ts), give up after
 * a timeout in clock time (so `--time-scale` shortens it) or when the caller aborts, and keep the status, the
 * headers and the first 4 KB of the body; the rest of a large body is drained without being buffered.
 */
import type { Clock } from '../../clock.js';
import { truncateBody } from '../invoker.js';
import { Http1Client, StaleConnection, type Http1Request } from './http1-client.js';

export type HttpRequest = Http1Request;

export interface HttpAnswer {
  status: number;
  /** Names lowercased; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  /** The first 4 KB of the body. */
  body: string;
}

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
  readonly #client: Http1Client;

  constructor(
    private readonly clock: Clock,
    maxSockets = 256,
  ) {
    this.#client = new Http1Client(maxSockets);
  }

  /** Sends the request; rejects with HttpFailure when no answer arrives within `timeoutMs` of clock time. */
  async send(request: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpAnswer> {
    try {
      return await this.#once(request, timeoutMs, signal);
    } catch (err) {
      // A kept-alive connection the server closed while idle fails before any answer; Node's advice is to send
      // again on a fresh one. The request never reached the application, so this is not a retry of the attempt.
      if (err instanceof StaleConnection) return this.#once(request, timeoutMs, signal);
      throw err;
    }
  }

  close(): void {
    this.#client.close();
  }

  #once(request: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      if (signal?.aborted) return reject(new HttpFailure('aborted', `Request aborted: ${reason(signal)}`));
      let settled = false;
      const finish = (err: Error | undefined, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        unsubscribe?.();
        if (err) reject(err);
        else resolve(answer!);
      };
      const cancel = this.#client.send(request, (err, response) => {
        if (err) finish(err instanceof StaleConnection ? err : new HttpFailure('network', err.message));
        else finish(undefined, { status: response!.status, headers: response!.headers, body: truncateBody(response!.body.toString('utf8')) });
      });
      const timer = this.clock.setTimer(timeoutMs, () => {
        cancel();
        finish(new HttpFailure('timeout', `No answer within ${timeoutMs} ms`));
      });
      const unsubscribe =
        signal &&
        onAbort(signal, () => {
          cancel();
          finish(new HttpFailure('aborted', `Request aborted: ${reason(signal)}`));
        });
    });
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
