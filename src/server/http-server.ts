/**
 * The one HTTP server: every AWS service on one port. Fastify owns sockets, body limits and lifecycle; the server
 * hands each request to the first protocol adapter that claims it, and answers oversize or unroutable requests in
 * AWS's JSON error shape. Mailroom's own endpoints live under /_mailroom/.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import type { ProtocolAdapter, WireRequest } from '../protocols/wire.js';
import { registerAdmin, type AdminInfo } from './admin.js';
import { registerDeliveryAdmin } from './admin-deliveries.js';

/** Large enough for a 1 MiB PutEvents request or SQS message after JSON escaping or base64. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ServerOptions {
  host: string;
  port: number;
  adapters: ProtocolAdapter[];
  logger: Logger;
  admin: AdminInfo;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Reads a body of at most MAX_BODY_BYTES. A larger one is drained and discarded rather than cut off, so the client
 * reads the 413 answer instead of a connection reset halfway through its upload.
 */
function readBody(stream: NodeJS.ReadableStream, done: (err: Error | null, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  stream.on('error', (err) => done(err));
  stream.on('end', () => {
    if (size <= MAX_BODY_BYTES) return done(null, Buffer.concat(chunks, size));
    done(Object.assign(new Error(`Request body is larger than ${MAX_BODY_BYTES} bytes.`), { statusCode: 413 }));
  });
}

export async function startHttpServer(options: ServerOptions): Promise<RunningServer> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Request bodies may hold customer data and secrets; only errors are logged, never bodies.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => readBody(payload, done));

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    const tooLarge = status === 413;
    if (status >= 500) req.log.error({ err }, 'request failed');
    const type = tooLarge ? 'RequestEntityTooLargeException' : status < 500 ? 'SerializationException' : 'InternalException';
    const message = status < 500 ? err.message : 'An internal error occurred.';
    void reply.status(status).header('x-amzn-requestid', req.id).type('application/x-amz-json-1.1').send(JSON.stringify({ __type: type, message }));
  });

  registerAdmin(app, options.admin);
  registerDeliveryAdmin(app, options.admin.store);

  app.all('/*', async (req, reply) => {
    const wire: WireRequest = {
      method: req.method,
      path: req.url,
      headers: req.headers,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      requestId: req.id,
    };
    const adapter = options.adapters.find((a) => a.claims(wire));
    if (!adapter) {
      return reply
        .status(400)
        .header('x-amzn-requestid', req.id)
        .type('application/x-amz-json-1.1')
        .send(JSON.stringify({ __type: 'UnknownOperationException', message: 'The request names no operation: send X-Amz-Target (awsJson) or a form-encoded Action (query protocol), as the AWS SDKs do.' }));
    }
    const response = await adapter.handle(wire);
    return reply.status(response.status).headers(response.headers).send(response.body);
  });

  const address = await app.listen({ host: options.host, port: options.port });
  const port = (app.server.address() as { port: number }).port;
  let closing: Promise<void> | undefined;
  return {
    url: address.replace('0.0.0.0', '127.0.0.1'),
    port,
    // A second close() returns the same promise.
    close: () => (closing ??= app.close()),
  };
}
