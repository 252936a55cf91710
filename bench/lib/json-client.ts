/**
 * A lean awsJson client for the benchmarks: one keep-alive agent, `POST /` with `X-Amz-Target`, the answer's text.
 * No SDK (its middleware stack would cost more CPU than the server on a 2-core machine, and the benchmark would
 * measure the client); sends only to the URL it is given (loopback).
 */
import http from 'node:http';

export interface JsonClient {
  /** Calls `target` with a JSON body already serialised; resolves with the answer's text, rejects on non-200. */
  call(target: string, body: string): Promise<string>;
  close(): void;
}

export function jsonClient(url: string, options: { jsonVersion: '1.0' | '1.1'; sockets: number }): JsonClient {
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.sockets });
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const call = (target: string, body: string) =>
    new Promise<string>((resolve, reject) => {
      const headers = { 'content-type': contentType, 'x-amz-target': target, 'content-length': Buffer.byteLength(body) };
      const req = http.request({ host: hostname, port, path: '/', method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`${target} failed: ${res.statusCode} ${text}`));
          resolve(text);
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}
