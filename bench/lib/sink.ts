/**
 * An HTTP sink for delivery benchmarks, run as its own process so it does not share the dispatcher's event loop:
 * answers every POST at once with 200 `{}`, counts them, and reports the count on GET /count and its own CPU time
 * (microseconds, all threads) on GET /cpu.
 *
 * It is a minimal HTTP/1.1 server on `net` rather than `http.createServer`: the benchmark's two cores are shared by
 * the engine and the sink, and node:http's server costs about 50 µs of CPU per request against about 10 µs here, so
 * the figure measures the engine rather than the sink. It still speaks HTTP/1.1 as a client needs: keep-alive,
 * `Content-Length` and chunked request bodies, pipelined requests answered in order, `Connection: close` honoured.
 *
 *   node bench/lib/sink.ts serve   (prints {"port": N} on its first line)
 */
import { createServer, type Socket } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface SinkProcess {
  url: string;
  count(): Promise<number>;
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSinkProcess(): Promise<SinkProcess> {
  // Its stdin is a pipe from this process: when this process ends, however it ends, the sink sees the pipe close.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port)));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    count: async () => Number(await (await fetch(`${url}/count`)).text()),
    cpuMicros: async () => Number(await (await fetch(`${url}/cpu`)).text()),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD_BYTES = 64 * 1024;
const answer = (body: string, close: boolean) =>
  `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${close ? 'connection: close\r\n' : ''}\r\n${body}`;
const OK = answer('{}', false);

/** Where the request at the start of `buf` ends (its body included), or -1 while it is incomplete; -2 if malformed. */
function requestEnd(buf: Buffer, head: string, headEnd: number): number {
  const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
  if (length) {
    const end = headEnd + Number(length[1]);
    return buf.length >= end ? end : -1;
  }
  if (!/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) return headEnd;
  // Chunked: size line, data, CRLF, ... then a zero-size chunk, optional trailers and an empty line.
  let at = headEnd;
  for (;;) {
    const lineEnd = buf.indexOf(CRLF, at);
    if (lineEnd < 0) return -1;
    const size = Number.parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) return -2;
    if (size === 0) {
      const end = buf.indexOf(HEADER_END, lineEnd - 2);
      return end < 0 ? -1 : end + 4;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buf.length) return -1;
  }
}

function serve(): void {
  let count = 0;
  const onSocket = (socket: Socket) => {
    socket.setNoDelay(true);
    let pending: Buffer | undefined;
    socket.on('data', (chunk: Buffer) => {
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      socket.cork();
      while (buf.length > 0) {
        const headEnd = buf.indexOf(HEADER_END);
        if (headEnd < 0) {
          if (buf.length > MAX_HEAD_BYTES) return void socket.destroy();
          break;
        }
        const head = buf.toString('latin1', 0, headEnd + 2);
        const end = requestEnd(buf, head, headEnd + 4);
        if (end === -2) return void socket.destroy();
        if (end === -1) break;
        const close = /\r\nconnection:[ \t]*close/i.test(head);
        if (head.startsWith('GET /count ')) socket.write(answer(String(count), close));
        else if (head.startsWith('GET /cpu ')) {
          const cpu = process.cpuUsage();
          socket.write(answer(String(cpu.user + cpu.system), close));
        } else {
          count++;
          socket.write(close ? answer('{}', true) : OK);
        }
        if (close) return void socket.end();
        buf = buf.subarray(end);
      }
      if (buf.length > 0) pending = Buffer.from(buf);
      socket.uncork();
    });
    socket.on('error', () => socket.destroy());
  };
  const server = createServer(onSocket);
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
  // Exit on SIGTERM (tsx's loader catches it, which would otherwise keep the sink running) and when the benchmark
  // that started it is gone.
  process.on('SIGTERM', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

if (process.argv[2] === 'serve') serve();
