/**
 * An HTTP sink for delivery benchmarks, run as its own process so it does not share the dispatcher's event loop:
 * answers every POST at once with 200, counts them, and reports the count on GET /count.
 *
 *   node bench/lib/sink.ts   (prints {"port": N} on its first line)
 */
import { createServer } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface SinkProcess {
  url: string;
  count(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSinkProcess(): Promise<SinkProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port)));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    count: async () => Number(await (await fetch(`${url}/count`)).text()),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

if (process.argv[2] === 'serve') {
  let count = 0;
  const server = createServer((req, res) => {
    if (req.method === 'GET') return res.end(String(count));
    req.resume();
    req.on('end', () => {
      count++;
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
}
