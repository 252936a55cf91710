/**
 * A real HTTP server on 127.0.0.1 for invoker tests: it records every request it receives (method, path, headers,
 * body) and answers with the test's handler. `nextRequest()` resolves when the next request arrives, so tests
 * wait for the event rather than sleeping; `close()` also drops connections that a test left hanging.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: ReceivedRequest, res: ServerResponse) => void;

export interface HttpSink {
  url: string;
  requests: ReceivedRequest[];
  /** Resolves with the next request the server receives (already received ones do not count). */
  /** The next request; fails after `timeoutMs` of real time (default 60 s) rather than leaving a test hanging. */
  nextRequest(timeoutMs?: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export async function startSink(handler: Handler = (_req, res) => res.end('ok')): Promise<HttpSink> {
  const requests: ReceivedRequest[] = [];
  let waiters: ((r: ReceivedRequest) => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { method: req.method!, url: new URL(req.url!, 'http://sink'), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake(received);
      handler(received, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nextRequest: (timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== wake);
          reject(new Error(`no request reached the sink within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        timer.unref();
        timers.add(timer);
        const wake = (r: ReceivedRequest) => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve(r);
        };
        waiters.push(wake);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        // Waits the test gave up on end with the sink, not as failures after it.
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
