/**
 * One HTTP exchange for the invokers: send a request over a keep-alive agent, give up after a timeout in clock time
 * (so `--time-scale` shortens it) or when the caller aborts, and keep the status, the headers and the first 4 KB of
 * the body. node:http rather than fetch: it measured faster for many small requests, and it lets the rest of a large
 * body be drained without buffering it.
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Clock } from '../../clock.js';
import { truncateBody } from '../invoker.js';

const KEPT_BODY_BYTES = 4096;

export interface HttpRequest {
  url: URL;
  method: string;
  headers: OutgoingHttpHeaders;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
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

/** Keep-alive agents for plain and TLS endpoints, shared by every call of one invoker. */
export class HttpClient {
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(
    private readonly clock: Clock,
    maxSockets = 256,
  ) {
    this.#http = new http.Agent({ keepAlive: true, maxSockets });
    this.#https = new https.Agent({ keepAlive: true, maxSockets });
  }

  /** Sends the request; rejects with HttpFailure when no answer arrives within `timeoutMs` of clock time. */
  async send(request: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpAnswer> {
    try {
      return await this.#once(request, timeoutMs, signal);
    } catch (err) {
      // A kept-alive socket the server closed while idle fails at once with ECONNRESET; Node's advice is to send
      // again on a fresh socket. The request never reached the application, so this is not a retry of the attempt.
      if (err instanceof StaleSocket) return this.#once(request, timeoutMs, signal);
      throw err;
    }
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }

  #once(request: HttpRequest, timeoutMs: number, signal?: AbortSignal): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      if (signal?.aborted) return reject(new HttpFailure('aborted', `Request aborted: ${reason(signal)}`));
      const tls = request.url.protocol === 'https:';
      const req = (tls ? https : http).request(request.url, { method: request.method, headers: request.headers, agent: tls ? this.#https : this.#http });
      let settled = false;
      const finish = (err: Error | undefined, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        unsubscribe?.();
        if (err) reject(err);
        else resolve(answer!);
      };
      const timer = this.clock.setTimer(timeoutMs, () => {
        finish(new HttpFailure('timeout', `No answer within ${timeoutMs} ms`));
        req.destroy();
      });
      const unsubscribe =
        signal &&
        onAbort(signal, () => {
          finish(new HttpFailure('aborted', `Request aborted: ${reason(signal)}`));
          req.destroy();
        });
      req.on('error', (err: NodeJS.ErrnoException) => {
        finish(req.reusedSocket && err.code === 'ECONNRESET' ? new StaleSocket() : new HttpFailure('network', err.message));
      });
      req.on('response', (res) => {
        const kept: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          // Only the first 4 KB is kept; the rest is read and dropped so the socket can be reused.
          if (size < KEPT_BODY_BYTES) kept.push(size + chunk.length > KEPT_BODY_BYTES ? chunk.subarray(0, KEPT_BODY_BYTES - size) : chunk);
          size += chunk.length;
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: truncateBody(Buffer.concat(kept).toString('utf8')) }));
        res.on('error', (err) => finish(new HttpFailure('network', err.message)));
      });
      req.end(request.body);
    });
  }
}

class StaleSocket extends Error {}

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
