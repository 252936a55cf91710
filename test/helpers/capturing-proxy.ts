/**
 * An HTTP proxy on 127.0.0.1 that forwards every request to a Mailroom server and records what went over the
 * wire: method, path, content type and body out, status and content type back. End-to-end tests use it to prove
 * which protocol a client really spoke, and to learn (as an event, not a sleep) that a request has reached the
 * server. The Host header is passed through, so URLs the server builds point back at the proxy.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';

export interface CapturedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string;
  /** Set once the server answered. */
  status?: number;
  responseType?: string;
}

export interface CapturingProxy {
  readonly url: string;
  readonly requests: readonly CapturedRequest[];
  /** Resolves when the next request matching `predicate` has been handed to the server in full. */
  nextForwarded(predicate: (request: CapturedRequest) => boolean): Promise<CapturedRequest>;
  close(): Promise<void>;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startCapturingProxy(target: string): Promise<CapturingProxy> {
  const requests: CapturedRequest[] = [];
  const events = new EventEmitter();
  const server = createServer((incoming, outgoing) => {
    void readAll(incoming).then((body) => {
      const captured: CapturedRequest = { method: incoming.method!, path: incoming.url!, contentType: incoming.headers['content-type'], body: body.toString('utf8') };
      requests.push(captured);
      const upstream = httpRequest(new URL(incoming.url!, target), { method: incoming.method, headers: incoming.headers }, (answer) => {
        captured.status = answer.statusCode;
        captured.responseType = answer.headers['content-type'];
        outgoing.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(outgoing);
      });
      upstream.on('error', (err) => outgoing.destroy(err));
      upstream.end(body, () => events.emit('forwarded', captured));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nextForwarded: (predicate) =>
      new Promise((resolve) => {
        const check = (captured: CapturedRequest) => {
          if (!predicate(captured)) return;
          events.off('forwarded', check);
          resolve(captured);
        };
        events.on('forwarded', check);
      }),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
