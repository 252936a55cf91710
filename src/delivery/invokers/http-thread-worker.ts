/**
 * The HTTP thread's entry point (started by http-thread.ts): sends the requests the event loop hands it with the
 * lean HTTP/1.1 client, and hands back the answers of each turn of its own loop in one message.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Http1Client, StaleConnection, type Http1Answer } from './http1-client.js';
import type { FromHttpThread, HttpThreadAnswers, HttpThreadOptions, ToHttpThread } from './http-thread.js';

if (isMainThread || !parentPort) throw new Error('http-thread-worker.ts runs as a worker thread of the HTTP transport');
const port = parentPort;
const client = new Http1Client((workerData as HttpThreadOptions).maxSockets);
const cancels = new Map<number, () => void>();

const nothing = (): HttpThreadAnswers => ({ type: 'answers', ids: [], statuses: [], headers: [], bodies: [], failures: [] });
let out = nothing();
let scheduled = false;

function flush(): void {
  scheduled = false;
  const message: FromHttpThread = out;
  out = nothing();
  port.postMessage(message);
}

function finished(id: number, error: Error | undefined, answer: Http1Answer | undefined): void {
  cancels.delete(id);
  if (answer) {
    const headers: string[] = [];
    for (const name in answer.headers) headers.push(name, answer.headers[name]!);
    out.ids.push(id);
    out.statuses.push(answer.status);
    out.headers.push(headers);
    out.bodies.push(answer.body);
  } else {
    out.failures.push({ id, stale: error instanceof StaleConnection, message: error?.message ?? 'no answer' });
  }
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

port.on('message', (m: ToHttpThread) => {
  for (const id of m.cancels) {
    cancels.get(id)?.();
    cancels.delete(id);
  }
  for (let i = 0; i < m.ids.length; i++) {
    const id = m.ids[i]!;
    const parts = { origin: m.origins[i]!, head: m.heads[i]!, body: m.bodies[i] ?? undefined, noBody: m.noBody[i]! };
    cancels.set(id, client.sendParts(parts, (error, answer) => finished(id, error, answer)));
  }
});

port.postMessage({ type: 'ready' } satisfies FromHttpThread);
