/**
 * A lean HTTP/1.1 client with kept-alive connections per origin, for the invokers' many small requests.
 *
 * Why not node:http: on the delivery benchmark's two cores, node:http's client costs about 60–100 µs of CPU per
 * request (a ClientRequest, header objects validated one by one, an IncomingMessage stream, agent bookkeeping),
 * against about 20 µs here, most of that the socket's system calls. The delivery engine makes one request per
 * delivery on its main thread, so this is most of what a delivery costs. (undici, the maintained alternative, is
 * not among the dependencies and measured slower than node:http for this load.)
 *
 * What it does, and what it does not:
 * - One request at a time per connection (no pipelining); at most `maxSockets` connections per origin, further
 *   requests wait in order. Idle connections are reused most-recent first and closed after IDLE_MS.
 * - The request: `Host` (unless the caller gave one), the caller's headers (validated as node:http validates them:
 *   RFC 9110 token names, no control characters in values), `Content-Length` for a body (and 0 for a body-less
 *   POST, PUT or PATCH), `Connection: keep-alive`. User info in the URL becomes Basic authorization, as node:http
 *   does. A caller's Content-Length, Transfer-Encoding or Connection header is left out: framing and connection
 *   management are this client's.
 * - The response is read by ResponseParser (http1-response.ts); `https:` runs the same exchange over TLS with the
 *   system's trusted CAs and SNI.
 * - A kept-alive connection the server closed while it was idle fails before any byte of the answer arrives; that
 *   is reported as StaleConnection, so the caller can send again on a fresh connection (Node's advice too).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { truncateBody } from '../invoker.js';
import { ResponseParser, type ParsedResponse } from './http1-response.js';

/** Idle connections are closed after this long (real time): below the 5 s keep-alive of common servers. */
const IDLE_MS = 4_000;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What node:http accepts in a header value: tab, visible ASCII, space, and obs-text.
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const CALLERS_DO_NOT_SET = new Set(['content-length', 'transfer-encoding', 'connection']);
const BODY_BY_DEFAULT = new Set(['POST', 'PUT', 'PATCH']);

export interface Http1Request {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** The kept-alive connection was closed by the server before it answered: nothing reached the application. */
export class StaleConnection extends Error {
  constructor() {
    super('kept-alive connection closed by the server before answering');
  }
}

/** What came back. */
export interface Http1Answer {
  status: number;
  /** Names lowercased; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  /** The first 4 KB of the body, as text. */
  body: string;
}

/** A request turned into what goes on the wire (requestParts): the head's text and the body's. */
export interface RequestParts {
  /** Where it goes (originOf): the key its connections are kept under. */
  origin: string;
  /** Request line and header lines, Latin-1. */
  head: string;
  body: string | undefined;
  /** A HEAD request: the answer has no body whatever its headers say. */
  noBody: boolean;
}

/** Called once per exchange, with the answer or why there is none. */
export type Done = (error: Error | undefined, answer?: Http1Answer) => void;

/** What HttpClient sends through: this client on the calling thread, or the HTTP thread (http-thread.ts). */
export interface HttpTransport {
  /**
   * Sends the request and calls `done` once, with the response or the error. Throws at once (a TypeError) when a
   * header cannot be sent. Returns the way to give up: the exchange's connection is destroyed and `done` is not
   * called.
   */
  send(request: Http1Request, done: Done): () => void;
  /** Runs `fn` once requests can go out (at once when they can now): a request's timeout counts from then. */
  whenReady(fn: () => void): void;
  /** Closes every connection; exchanges still running or waiting fail. */
  close(): void;
}

interface Exchange {
  parts: RequestParts;
  done: Done;
  /** Where it runs, once it has a connection. */
  connection?: Connection;
}

interface Connection {
  socket: Socket;
  origin: Origin;
  /** It has carried a request before: a failure before any answer may just mean the server closed it while idle. */
  reused: boolean;
  exchange?: Exchange;
  parser?: ResponseParser;
}

interface Origin {
  key: string;
  host: string;
  port: number;
  tls: boolean;
  idle: Connection[];
  open: number;
  waiting: Exchange[];
}

export class Http1Client implements HttpTransport {
  readonly #origins = new Map<string, Origin>();
  /** Connections carrying a request now. */
  readonly #active = new Set<Connection>();

  constructor(private readonly maxSockets: number) {}

  send(request: Http1Request, done: Done): () => void {
    return this.sendParts(requestParts(request), done);
  }

  whenReady(fn: () => void): void {
    fn();
  }

  /** Sends a request already turned into its parts (requestParts); otherwise as `send`. */
  sendParts(parts: RequestParts, done: Done): () => void {
    const exchange: Exchange = { parts, done };
    const origin = this.#origin(parts.origin);
    const idle = origin.idle.pop();
    if (idle) this.#run(idle, exchange);
    else if (origin.open < this.maxSockets) this.#run(this.#connect(origin), exchange);
    else origin.waiting.push(exchange);
    return () => {
      exchange.done = () => {};
      const i = origin.waiting.indexOf(exchange);
      if (i >= 0) origin.waiting.splice(i, 1);
      else if (exchange.connection?.exchange === exchange) exchange.connection.socket.destroy();
    };
  }

  close(): void {
    for (const origin of this.#origins.values()) {
      for (const exchange of origin.waiting.splice(0)) exchange.done(new Error('HTTP client closed'));
      for (const c of origin.idle.splice(0)) c.socket.destroy();
    }
    for (const c of this.#active) c.socket.destroy(new Error('HTTP client closed'));
  }

  #origin(key: string): Origin {
    let origin = this.#origins.get(key);
    if (!origin) {
      const url = new URL(key);
      const tls = url.protocol === 'https:';
      // An IPv6 literal comes bracketed in a URL, bare in a connect call.
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      origin = { key, host, port: Number(url.port) || (tls ? 443 : 80), tls, idle: [], open: 0, waiting: [] };
      this.#origins.set(key, origin);
    }
    return origin;
  }

  #connect(origin: Origin): Connection {
    const socket = origin.tls
      ? tlsConnect({ host: origin.host, port: origin.port, servername: isIP(origin.host) ? undefined : origin.host, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: origin.host, port: origin.port });
    socket.setNoDelay(true);
    const c: Connection = { socket, origin, reused: false };
    origin.open++;
    socket.on('data', (chunk: Buffer) => this.#data(c, chunk));
    socket.on('end', () => this.#ended(c, undefined));
    socket.on('error', (err: NodeJS.ErrnoException) => this.#ended(c, err));
    socket.on('close', () => {
      origin.open--;
      this.#active.delete(c);
      const i = origin.idle.indexOf(c);
      if (i >= 0) origin.idle.splice(i, 1);
      this.#ended(c, undefined);
      // A slot opened: start the next waiting exchange on a new connection.
      const next = origin.waiting.shift();
      if (next) this.#run(this.#connect(origin), next);
    });
    socket.on('timeout', () => socket.destroy());
    return c;
  }

  #run(c: Connection, exchange: Exchange): void {
    c.exchange = exchange;
    exchange.connection = c;
    c.parser = new ResponseParser(exchange.parts.noBody);
    this.#active.add(c);
    c.socket.ref();
    c.socket.setTimeout(0);
    c.socket.write(requestBytes(exchange.parts));
  }

  #data(c: Connection, chunk: Buffer): void {
    if (!c.exchange || !c.parser) {
      // Bytes nobody asked for: the connection's state is unknown from here on.
      c.socket.destroy();
      return;
    }
    let complete;
    try {
      complete = c.parser.push(chunk);
    } catch (err) {
      this.#finish(c, err as Error);
      c.socket.destroy();
      return;
    }
    if (!complete) return;
    const reusable = complete.response.keepAlive && complete.extra === 0;
    this.#finish(c, undefined, complete.response);
    if (!reusable) c.socket.destroy();
    else this.#release(c);
  }

  /** The connection ended (closed, reset, or half-closed by the server) with an exchange maybe still running. */
  #ended(c: Connection, err: NodeJS.ErrnoException | undefined): void {
    if (!c.exchange) {
      c.socket.destroy();
      return;
    }
    const response = err ? undefined : c.parser?.end();
    if (response) this.#finish(c, undefined, response);
    else if (c.reused && !c.parser?.started && (!err || err.code === 'ECONNRESET' || err.code === 'EPIPE')) this.#finish(c, new StaleConnection());
    else this.#finish(c, err ?? new Error('socket hang up'));
    c.socket.destroy();
  }

  #finish(c: Connection, err: Error | undefined, response?: ParsedResponse): void {
    const exchange = c.exchange;
    c.exchange = undefined;
    c.parser = undefined;
    this.#active.delete(c);
    if (err || !response) exchange?.done(err ?? new Error('no answer'));
    else exchange?.done(undefined, { status: response.status, headers: response.headers, body: truncateBody(response.body.toString('utf8')) });
  }

  /** Back to the pool: the next waiting exchange of its origin, or idle (not keeping the process alive). */
  #release(c: Connection): void {
    c.reused = true;
    const next = c.origin.waiting.shift();
    if (next) return this.#run(c, next);
    c.socket.unref();
    c.socket.setTimeout(IDLE_MS);
    c.origin.idle.push(c);
  }
}

/** Where a request goes: `http://host:port` or `https://host:port` (the key its connections are kept under). */
export function originOf(url: URL): string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Unsupported protocol ${url.protocol}`);
  return `${url.protocol}//${url.host}`;
}

/**
 * The request as it goes on the wire: its head (request line and header lines) and body. Throws a TypeError for a
 * method or header that cannot be sent.
 */
export function requestParts({ url, method, headers, body }: Http1Request): RequestParts {
  const origin = originOf(url);
  if (!TOKEN.test(method)) throw new TypeError(`Invalid HTTP method ${JSON.stringify(method)}`);
  const fields = Object.isFrozen(headers) ? frozenHeaderFields(headers) : headerFields(headers);
  let head = `${method} ${url.pathname || '/'}${url.search} HTTP/1.1\r\n${fields.text}`;
  if (!fields.host) head += `host: ${url.host}\r\n`;
  if (!fields.authorization && (url.username || url.password)) {
    head += `authorization: Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}\r\n`;
  }
  if (body !== undefined || BODY_BY_DEFAULT.has(method)) head += `content-length: ${body === undefined ? 0 : Buffer.byteLength(body)}\r\n`;
  head += 'connection: keep-alive\r\n\r\n';
  return { origin, head, body, noBody: method === 'HEAD' };
}

/** Head (Latin-1, as HTTP/1.1 heads are) and body (UTF-8) in one buffer: one write, one system call. */
function requestBytes({ head, body }: RequestParts): Buffer {
  const bodyBytes = body === undefined ? 0 : Buffer.byteLength(body);
  const bytes = Buffer.allocUnsafe(head.length + bodyBytes);
  bytes.write(head, 0, 'latin1');
  if (bodyBytes > 0) bytes.write(body!, head.length, 'utf8');
  return bytes;
}

interface HeaderFields {
  /** `name: value\r\n` lines. */
  text: string;
  host: boolean;
  authorization: boolean;
}

/** The caller's header lines, validated; throws a TypeError naming a header that cannot be sent. */
function headerFields(headers: Record<string, string>): HeaderFields {
  const fields: HeaderFields = { text: '', host: false, authorization: false };
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (CALLERS_DO_NOT_SET.has(lower)) continue;
    const value = headers[name]!;
    if (!TOKEN.test(name)) throw new TypeError(`Header name must be a valid HTTP token [${JSON.stringify(name)}]`);
    if (BAD_VALUE.test(value)) throw new TypeError(`Invalid character in header content [${JSON.stringify(name)}]`);
    if (lower === 'host') fields.host = true;
    if (lower === 'authorization') fields.authorization = true;
    fields.text += `${name}: ${value}\r\n`;
  }
  return fields;
}

const frozenFields = new WeakMap<Record<string, string>, HeaderFields>();

/** The same for a frozen headers object (one an invoker reuses for every call), validated once. */
function frozenHeaderFields(headers: Record<string, string>): HeaderFields {
  let fields = frozenFields.get(headers);
  if (!fields) frozenFields.set(headers, (fields = headerFields(headers)));
  return fields;
}
