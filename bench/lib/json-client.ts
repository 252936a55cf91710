/**
 * A lean awsJson client for the benchmarks: `POST /` with `X-Amz-Target` over kept-alive HTTP/1.1 connections
 * (one request at a time on each, at most `sockets` of them), resolving with the answer's text. It sends only to
 * the URL it is given (loopback).
 *
 * Why not an SDK, nor node:http: the load generator shares the server's two cores, so what it costs is taken from
 * the server. @aws-sdk/client-sqs costs ~265 µs of CPU per message here (docs/benchmarks.md), node:http's client
 * ~100 µs per request (a ClientRequest, an IncomingMessage stream, agent bookkeeping); writing the request's bytes
 * to a socket and reading a Content-Length-framed answer costs a fraction of that, as load generators such as
 * wrk do. The server sees the same requests either way.
 */
import { connect, type Socket } from 'node:net';

export interface JsonClient {
  /** Calls `target` with a JSON body already serialised; resolves with the answer's text, rejects on non-200. */
  call(target: string, body: string): Promise<string>;
  close(): void;
}

interface Call {
  target: string;
  body: string;
  resolve: (text: string) => void;
  reject: (error: Error) => void;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One kept-alive connection: a request written, its answer read, then the next. */
class Connection {
  readonly #socket: Socket;
  #call: Call | undefined;
  #chunks: Buffer[] = [];
  #received = 0;
  /** Once the head is read: where the body starts in the received bytes, and how long it is. */
  #bodyAt = -1;
  #bodyLength = 0;
  #status = 0;

  constructor(host: string, port: number, onFree: (c: Connection) => void, onClose: (c: Connection) => void) {
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#received += chunk.length;
      if (this.#answered()) onFree(this);
    });
    const fail = (error: Error) => {
      this.#call?.reject(error);
      this.#call = undefined;
      onClose(this);
    };
    this.#socket.on('error', fail);
    this.#socket.on('close', () => fail(new Error('connection closed')));
  }

  send(call: Call, head: string): void {
    this.#call = call;
    this.#socket.write(head + call.body);
  }

  /** Whether the answer is complete; resolves the call if so. */
  #answered(): boolean {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    this.#chunks = [all];
    if (this.#bodyAt < 0) {
      const end = all.indexOf(HEAD_END);
      if (end < 0) return false;
      const head = all.toString('latin1', 0, end);
      this.#status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!length) throw new Error(`answer without Content-Length: ${head}`);
      this.#bodyAt = end + HEAD_END.length;
      this.#bodyLength = Number(length[1]);
    }
    if (this.#received < this.#bodyAt + this.#bodyLength) return false;
    const text = all.toString('utf8', this.#bodyAt, this.#bodyAt + this.#bodyLength);
    const call = this.#call!;
    const status = this.#status;
    // One request at a time: nothing follows the answer.
    this.#chunks = [];
    this.#received = 0;
    this.#bodyAt = -1;
    this.#call = undefined;
    if (status === 200) call.resolve(text);
    else call.reject(new Error(`${call.target} failed: ${status} ${text}`));
    return true;
  }

  close(): void {
    this.#socket.destroy();
  }
}

export function jsonClient(url: string, options: { jsonVersion: '1.0' | '1.1'; sockets: number }): JsonClient {
  const { hostname, port } = new URL(url);
  const preamble = `POST / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/x-amz-json-${options.jsonVersion}\r\n`;
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  const waiting: Call[] = [];
  const start = (connection: Connection, call: Call) =>
    connection.send(call, `${preamble}X-Amz-Target: ${call.target}\r\nContent-Length: ${Buffer.byteLength(call.body)}\r\n\r\n`);
  const onFree = (connection: Connection) => {
    const next = waiting.shift();
    if (next) start(connection, next);
    else idle.push(connection);
  };
  const onClose = (connection: Connection) => {
    all.delete(connection);
    const i = idle.indexOf(connection);
    if (i >= 0) idle.splice(i, 1);
  };
  const call = (target: string, body: string) =>
    new Promise<string>((resolve, reject) => {
      const c: Call = { target, body, resolve, reject };
      const connection = idle.pop() ?? (all.size < options.sockets ? new Connection(hostname, Number(port), onFree, onClose) : undefined);
      if (!connection) return void waiting.push(c);
      all.add(connection);
      start(connection, c);
    });
  return {
    call,
    close: () => {
      for (const c of all) c.close();
      for (const c of waiting.splice(0)) c.reject(new Error('client closed'));
    },
  };
}
