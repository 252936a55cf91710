/**
 * Reads one HTTP/1.1 response from the bytes a socket delivers, as the lean client (http1-client.ts) needs it:
 * the status, the headers (names lowercased, repeats joined with ", "), the first 4 KB of the body, and whether the
 * connection may carry another request. The body is framed by `Content-Length`, chunked transfer coding, or the
 * end of the connection (RFC 9112 §6.3); 1xx interim responses are skipped; HEAD, 204 and 304 answers have none.
 * The rest of a large body is read and dropped, never buffered.
 */

export const KEPT_BODY_BYTES = 4096;
/** A response head larger than this is refused (Node's default is 16 KB). */
const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  /** The first KEPT_BODY_BYTES of the body. */
  body: Buffer;
  /** The connection may be reused: the body was framed and neither side asked to close. */
  keepAlive: boolean;
}

type BodyFraming = { kind: 'none' } | { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'close' };

export class ResponseParseError extends Error {}

export class ResponseParser {
  #pending: Buffer | undefined;
  #head: { status: number; headers: Record<string, string>; keepAlive: boolean } | undefined;
  #framing: BodyFraming = { kind: 'none' };
  /** Chunked coding: bytes of the current chunk still to come, or -1 between chunks (a size line is next). */
  #chunkLeft = -1;
  #trailers = false;
  #kept: Buffer[] = [];
  #keptBytes = 0;

  /** `noBody`: the request was HEAD, so the answer has no body whatever its headers say. */
  constructor(private readonly noBody: boolean) {}

  /**
   * Feeds bytes; returns the response once it is complete, with any bytes past its end (a server that sent more
   * than one answer), or undefined while more are needed. Throws ResponseParseError on malformed input.
   */
  push(chunk: Buffer): { response: ParsedResponse; extra: number } | undefined {
    let buf = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = undefined;
    for (;;) {
      if (!this.#head) {
        const end = buf.indexOf(HEAD_END);
        if (end < 0) {
          if (buf.length > MAX_HEAD_BYTES) throw new ResponseParseError('response head too large');
          this.#pending = buf;
          return undefined;
        }
        const interim = this.#readHead(buf.toString('latin1', 0, end));
        buf = buf.subarray(end + 4);
        if (interim) continue;
      }
      const consumed = this.#readBody(buf);
      if (consumed < 0) return undefined;
      return { response: this.#response(), extra: buf.length - consumed };
    }
  }

  /** The connection ended: completes a response framed by the connection's end, else undefined. */
  end(): ParsedResponse | undefined {
    return this.#head && this.#framing.kind === 'close' ? this.#response() : undefined;
  }

  /** Whether any byte of a response has arrived. */
  get started(): boolean {
    return this.#head !== undefined || this.#pending !== undefined;
  }

  /** Parses the status line and headers; true for a 1xx interim response, which is skipped. */
  #readHead(text: string): boolean {
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
    if (!status) throw new ResponseParseError('malformed status line');
    const code = Number(status[2]);
    if (code >= 100 && code < 200 && code !== 101) return true;
    // No prototype: a header named `constructor` or `__proto__` is just a header.
    const headers = Object.create(null) as Record<string, string>;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ResponseParseError('malformed header line');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const connection = headers.connection?.toLowerCase() ?? '';
    let keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    if (this.noBody || code === 204 || code === 304) this.#framing = { kind: 'none' };
    else if (headers['transfer-encoding']?.toLowerCase().includes('chunked')) this.#framing = { kind: 'chunked' };
    else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (!Number.isSafeInteger(length) || length < 0) throw new ResponseParseError('malformed content-length');
      this.#framing = { kind: 'length', remaining: length };
    } else {
      this.#framing = { kind: 'close' };
      keepAlive = false;
    }
    this.#head = { status: code, headers, keepAlive };
    return false;
  }

  /** Takes body bytes from `buf`; returns how many ended the response, or -1 when it needs more. */
  #readBody(buf: Buffer): number {
    const framing = this.#framing;
    switch (framing.kind) {
      case 'none':
        return 0;
      case 'close':
        this.#keep(buf);
        return -1;
      case 'length': {
        const take = Math.min(framing.remaining, buf.length);
        this.#keep(buf.subarray(0, take));
        framing.remaining -= take;
        return framing.remaining === 0 ? take : -1;
      }
      case 'chunked':
        return this.#readChunks(buf);
    }
  }

  #readChunks(buf: Buffer): number {
    let at = 0;
    for (;;) {
      if (this.#chunkLeft > 0) {
        const take = Math.min(this.#chunkLeft, buf.length - at);
        this.#keep(buf.subarray(at, at + take));
        at += take;
        this.#chunkLeft -= take;
        if (this.#chunkLeft > 0) return -1;
        this.#chunkLeft = -2; // the CRLF after the data
      }
      const lineEnd = buf.indexOf(CRLF, at);
      if (lineEnd < 0) {
        this.#pending = buf.subarray(at);
        return -1;
      }
      const line = buf.toString('latin1', at, lineEnd);
      at = lineEnd + 2;
      if (this.#trailers) {
        if (line === '') return at;
        continue;
      }
      if (this.#chunkLeft === -2) {
        if (line !== '') throw new ResponseParseError('malformed chunk');
        this.#chunkLeft = -1;
        continue;
      }
      const size = Number.parseInt(line, 16);
      if (!/^[0-9a-fA-F]+(?:[ \t]*;.*)?$/.test(line) || !Number.isSafeInteger(size)) throw new ResponseParseError('malformed chunk size');
      if (size === 0) this.#trailers = true;
      else this.#chunkLeft = size;
    }
  }

  #keep(bytes: Buffer): void {
    if (this.#keptBytes >= KEPT_BODY_BYTES || bytes.length === 0) return;
    const part = bytes.subarray(0, KEPT_BODY_BYTES - this.#keptBytes);
    this.#kept.push(part);
    this.#keptBytes += part.length;
  }

  #response(): ParsedResponse {
    const head = this.#head!;
    const body = this.#kept.length === 1 ? this.#kept[0]! : Buffer.concat(this.#kept);
    return { status: head.status, headers: head.headers, body, keepAlive: head.keepAlive };
  }
}
