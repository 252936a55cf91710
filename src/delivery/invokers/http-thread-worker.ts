/**
 * The HTTP thread's entry point (started by http-thread.ts): sends the requests the event loop hands it with the
 * lean HTTP/1.1 client, and hands back the answers of each turn of its own loop in one message.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Http1Client, StaleConnection } from './http1-client.js';
import type { ParsedResponse } from './http1-response.js';
import type { FromHttpThread, HttpThreadOptions, ThreadAnswer, ToHttpThread } from './http-thread.js';

if (isMainThread || !parentPort) throw new Error('http-thread-worker.ts runs as a worker thread of the HTTP transport');
const port = parentPort;
const client = new Http1Client((workerData as HttpThreadOptions).maxSockets);
const cancels = new Map<number, () => void>();

let answers: { id: number; response: ParsedResponse }[] = [];
let failures: FromHttpThread['failures'] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  let size = 0;
  for (const a of answers) size += a.response.body.length;
  const bytes = new ArrayBuffer(size);
  const view = new Uint8Array(bytes);
  const packed: ThreadAnswer[] = [];
  let at = 0;
  for (const { id, response } of answers) {
    view.set(response.body, at);
    const headers: string[] = [];
    for (const name in response.headers) headers.push(name, response.headers[name]!);
    packed.push({ id, status: response.status, keepAlive: response.keepAlive, headers, start: at, end: (at += response.body.length) });
  }
  const message: FromHttpThread = { answers: packed, failures, bytes };
  answers = [];
  failures = [];
  port.postMessage(message, [bytes]);
}

function finished(id: number, error: Error | undefined, response: ParsedResponse | undefined): void {
  cancels.delete(id);
  if (response) answers.push({ id, response });
  else failures.push({ id, stale: error instanceof StaleConnection, message: error?.message ?? 'no answer' });
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

port.on('message', ({ sends, cancels: cancelled, bytes }: ToHttpThread) => {
  for (const id of cancelled) {
    cancels.get(id)?.();
    cancels.delete(id);
  }
  for (const s of sends) {
    const payload = Buffer.from(bytes, s.start, s.end - s.start);
    cancels.set(s.id, client.sendBytes(s.origin, payload, s.noBody, (error, response) => finished(s.id, error, response)));
  }
});
