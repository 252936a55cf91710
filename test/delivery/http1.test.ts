/**
 * The invokers' lean HTTP/1.1 client: the response parser on hand-written bytes (every framing, split at every
 * byte), and the client against real servers on 127.0.0.1 — node:http ones for what a normal server does, raw
 * `net` ones for what only a misbehaving or unusual one does (idle connections closed, pipelined bytes, resets).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, it } from 'node:test';
import { ManualClock, SystemClock } from '../../src/clock.js';
import { HttpClient } from '../../src/delivery/invokers/http-call.js';
import { Http1Client, StaleConnection, type Http1Answer } from '../../src/delivery/invokers/http1-client.js';
import { KEPT_BODY_BYTES, ResponseParseError, ResponseParser, type ParsedResponse } from '../../src/delivery/invokers/http1-response.js';
import { selfSignedCertificate } from '../../src/topics/certificate.js';

/** Feeds `text` to a parser in pieces of `step` bytes; the response once complete (with its extra bytes). */
function parse(text: string | Buffer, options: { step?: number; head?: boolean; end?: boolean } = {}) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const parser = new ResponseParser(options.head ?? false);
  const step = options.step ?? bytes.length;
  for (let at = 0; at < bytes.length; at += step) {
    const done = parser.push(bytes.subarray(at, at + step));
    if (done) return { ...done, at: at + step };
  }
  return options.end ? { response: parser.end()!, extra: 0, at: bytes.length } : undefined;
}

const body = (r: ParsedResponse | undefined) => r?.body.toString('utf8');

describe('ResponseParser', () => {
  it('reads a Content-Length body, whatever the chunk boundaries', () => {
    const text = 'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Twice: a\r\nx-twice: b\r\n\r\nhello';
    for (let step = 1; step <= text.length; step++) {
      const got = parse(text, { step });
      assert.equal(got?.response.status, 201, `step ${step}`);
      assert.equal(body(got?.response), 'hello');
      assert.equal(got?.response.headers['content-type'], 'text/plain');
      assert.equal(got?.response.headers['x-twice'], 'a, b');
      assert.equal(got?.response.keepAlive, true);
    }
  });

  it('decodes chunked bodies with extensions and trailers, whatever the chunk boundaries', () => {
    const text = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (let step = 1; step <= text.length; step++) {
      const got = parse(text, { step });
      assert.equal(body(got?.response), 'hello, world', `step ${step}`);
      assert.equal(got?.extra, 0);
    }
  });

  it('skips 1xx interim answers and reads the final one', () => {
    const got = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(got?.response.status, 200);
    assert.equal(got?.response.headers.link, undefined);
    assert.equal(body(got?.response), 'ok');
  });

  it('expects no body after HEAD, 204 or 304, whatever the headers say', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', { head: true })?.response.body.length, 0);
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n')?.response.status, 204);
    assert.equal(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n')?.response.status, 304);
  });

  it('reads a body without framing until the connection ends, and does not reuse that connection', () => {
    const text = 'HTTP/1.1 200 OK\r\n\r\nuntil the end';
    assert.equal(parse(text), undefined);
    const got = parse(text, { end: true });
    assert.equal(body(got?.response), 'until the end');
    assert.equal(got?.response.keepAlive, false);
  });

  it('keeps only the first 4 KB of a large body but reads all of it', () => {
    const big = 'x'.repeat(100_000);
    const got = parse(`HTTP/1.1 500 Oops\r\nContent-Length: ${big.length}\r\n\r\n${big}`, { step: 1000 });
    assert.equal(got?.response.body.length, KEPT_BODY_BYTES);
    assert.equal(got?.extra, 0);
  });

  it('says whether the connection may be reused', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')?.response.keepAlive, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n')?.response.keepAlive, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n')?.response.keepAlive, true);
  });

  it('reports bytes past the end of the answer', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1')?.extra, 8);
  });

  it('treats a header named like an Object property as a header', () => {
    const got = parse('HTTP/1.1 200 OK\r\nConstructor: c\r\n__proto__: p\r\nContent-Length: 0\r\n\r\n');
    assert.equal(got?.response.headers.constructor, 'c');
    assert.equal(got?.response.headers.__proto__, 'p');
  });

  it('refuses malformed answers', () => {
    for (const text of ['HTTP/2 200\r\n\r\n', 'SMTP ready\r\n\r\n', 'HTTP/1.1 200 OK\r\nno colon\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']) {
      assert.throws(() => parse(text), ResponseParseError, text);
    }
  });
});

describe('Http1Client', () => {
  let client: Http1Client;
  const servers: Server[] = [];

  afterEach(async () => {
    client?.close();
    for (const server of servers.splice(0)) {
      (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close();
    }
  });

  /** A node:http server; counts the connections it accepted. */
  async function httpServer(handler: (req: IncomingMessage & { body: string }, res: ServerResponse) => void) {
    const server = createHttpServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => handler(Object.assign(req, { body: text }), res));
    });
    const stats = { connections: 0 };
    server.on('connection', () => stats.connections++);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
  }

  /**
   * A raw TCP server: `onRequest` gets each request's bytes (one request per data event here), its socket, and its
   * number among all requests; `stats` counts connections.
   */
  async function rawServer(onRequest: (text: string, socket: Socket, n: number) => void) {
    let n = 0;
    const stats = { connections: 0 };
    const server = createNetServer((socket) => {
      stats.connections++;
      socket.on('data', (d: Buffer) => onRequest(d.toString('latin1'), socket, ++n));
    });
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
  }

  const send = (request: { url: string; method?: string; headers?: Record<string, string>; body?: string }) =>
    new Promise<Http1Answer>((resolve, reject) => {
      client.send({ url: new URL(request.url), method: request.method ?? 'POST', headers: request.headers ?? {}, body: request.body }, (err, res) => (err ? reject(err) : resolve(res!)));
    });

  it('sends the head and body a server expects, and reuses the connection', async () => {
    client = new Http1Client(8);
    const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];
    const server = await httpServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: req.body });
      res.end('fine');
    });
    const first = await send({ url: `${server.url}/hook?a=1`, headers: { 'x-api-key': 'k', 'content-type': 'application/json' }, body: '{"é":1}' });
    assert.equal(first.status, 200);
    assert.equal(first.body, 'fine');
    await send({ url: `${server.url}/get`, method: 'GET' });
    await send({ url: `${server.url}/empty`, method: 'POST' });
    assert.equal(server.stats.connections, 1, 'one kept-alive connection');
    assert.deepEqual(seen[0], {
      method: 'POST',
      url: '/hook?a=1',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json', host: new URL(server.url).host, 'content-length': '8', connection: 'keep-alive' },
      body: '{"é":1}',
    });
    assert.equal(seen[1]!.headers['content-length'], undefined, 'GET without a body has no Content-Length');
    assert.equal(seen[2]!.headers['content-length'], '0', 'POST without a body says so');
  });

  it('turns user info in the URL into Basic authorization, and leaves framing headers to itself', async () => {
    client = new Http1Client(8);
    let headers: Record<string, unknown> = {};
    const server = await httpServer((req, res) => {
      headers = req.headers;
      res.end();
    });
    const url = new URL(server.url);
    await send({ url: `http://us%40er:p%3Ass@${url.host}/`, headers: { 'content-length': '999', connection: 'close', 'Transfer-Encoding': 'gzip' }, body: 'abc' });
    assert.equal(headers.authorization, `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    assert.equal(headers['content-length'], '3');
    assert.equal(headers.connection, 'keep-alive');
    assert.equal(headers['transfer-encoding'], undefined);
  });

  it('refuses headers that would break the request, sending nothing', async () => {
    client = new Http1Client(8);
    const server = await httpServer((_req, res) => res.end());
    assert.throws(() => client.send({ url: new URL(server.url), method: 'POST', headers: { 'x-evil': 'a\r\nx-injected: 1' } }, () => {}), /Invalid character in header content \["x-evil"\]/);
    assert.throws(() => client.send({ url: new URL(server.url), method: 'POST', headers: { 'bad name': 'v' } }, () => {}), /valid HTTP token/);
    assert.throws(() => client.send({ url: new URL(server.url), method: 'GET /x', headers: {} }, () => {}), /Invalid HTTP method/);
    assert.equal(server.stats.connections, 0);
  });

  it('reads chunked answers and does not reuse a connection the server closes', async () => {
    client = new Http1Client(8);
    const server = await httpServer((req, res) => {
      if (req.url === '/close') res.setHeader('connection', 'close');
      res.write('part one, ');
      res.end('part two');
    });
    assert.equal((await send({ url: `${server.url}/close` })).body, 'part one, part two');
    assert.equal((await send({ url: `${server.url}/again` })).body, 'part one, part two');
    assert.equal(server.stats.connections, 2);
  });

  it('queues requests beyond maxSockets per origin and runs them as connections free up', { timeout: 20_000 }, async () => {
    client = new Http1Client(2);
    // Answers only once two requests are waiting: the client must run two at once, and never a third.
    let held: ServerResponse[] = [];
    let most = 0;
    const server = await httpServer((_req, res) => {
      held.push(res);
      most = Math.max(most, held.length);
      if (held.length === 2) {
        const answer = held;
        held = [];
        setImmediate(() => answer.forEach((r) => r.end('ok')));
      }
    });
    const answers = await Promise.all(Array.from({ length: 10 }, () => send({ url: server.url })));
    assert.equal(answers.length, 10);
    assert.equal(most, 2);
    assert.equal(server.stats.connections, 2);
  });

  it('reports a kept-alive connection the server closed while idle as stale, so the caller can send again', async () => {
    client = new Http1Client(8);
    // Answers the first request and keeps the connection; closes it without answering the second.
    const { url } = await rawServer((_text, socket, n) => {
      if (n === 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      else socket.destroy();
    });
    assert.equal((await send({ url })).status, 200);
    await assert.rejects(send({ url }), StaleConnection);
  });

  it('is sent again on a fresh connection by HttpClient when its kept-alive connection went stale', async () => {
    const http = new HttpClient(new SystemClock());
    const { url, stats } = await rawServer((_text, socket, n) => {
      if (n === 2) socket.destroy();
      else socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`);
    });
    try {
      assert.equal((await http.send({ url: new URL(url), method: 'POST', headers: {}, body: 'a' }, 5_000)).body, '1');
      assert.equal((await http.send({ url: new URL(url), method: 'POST', headers: {}, body: 'b' }, 5_000)).body, '3');
      assert.equal(stats.connections, 2);
    } finally {
      http.close();
    }
  });

  it("starts a request's timeout only once the HTTP thread is ready, before the request goes out", async () => {
    const clock = new ManualClock();
    const http = new HttpClient(clock);
    let arrived!: (socket: Socket) => void;
    const received = new Promise<Socket>((resolve) => (arrived = resolve));
    const { url } = await rawServer((_text, socket) => arrived(socket));
    try {
      const pending = http.send({ url: new URL(url), method: 'POST', headers: {}, body: 'x' }, 5_000);
      assert.equal(clock.pendingTimers, 0, "while the thread starts: its start is not the target's time");
      const socket = await received;
      assert.equal(clock.pendingTimers, 1, 'the timeout runs from when the request went out');
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      assert.equal((await pending).body, 'ok');
      assert.equal(clock.pendingTimers, 0);
    } finally {
      http.close();
    }
  });

  it('reports a connection reset before any answer on a fresh connection as a network error, not stale', async () => {
    client = new Http1Client(8);
    const { url } = await rawServer((_text, socket) => socket.resetAndDestroy());
    await assert.rejects(send({ url }), (err: Error) => !(err instanceof StaleConnection));
  });

  it('does not reuse a connection that carried bytes past the answer', async () => {
    client = new Http1Client(8);
    const { url, stats } = await rawServer((_text, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n'));
    assert.equal((await send({ url })).status, 200);
    assert.equal((await send({ url })).status, 200);
    assert.equal(stats.connections, 2);
  });

  it('speaks TLS to https endpoints and checks their certificate', async () => {
    client = new Http1Client(8);
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = selfSignedCertificate(keys, 'localhost', new Date(Date.now() - 60_000), new Date(Date.now() + 3_600_000));
    const server = createTlsServer({ key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), cert }, (socket) => socket.end());
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const handshake = once(server, 'tlsClientError');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // A certificate nobody vouches for is refused: the request never goes out in the clear, or to an impostor.
    await assert.rejects(send({ url }), /self[- ]signed|certificate/i);
    await handshake; // the server saw a TLS handshake, which the client broke off
  });

  it('gives up on an exchange when asked, closing its connection without calling back', async () => {
    client = new Http1Client(8);
    let arrived!: (socket: Socket) => void;
    const received = new Promise<Socket>((resolve) => (arrived = resolve));
    const { url } = await rawServer((_text, socket) => arrived(socket)); // never answers
    let called = false;
    const cancel = client.send({ url: new URL(url), method: 'POST', headers: {}, body: 'x' }, () => (called = true));
    const socket = await received;
    cancel();
    await once(socket, 'close');
    assert.equal(called, false);
  });
});
