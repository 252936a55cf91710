/**
 * A small HTTP load generator for the benchmarks: keep-alive connections, a fixed number of requests in flight or a
 * fixed request rate, latency per request. Bounded in count and time; sends only to the URL it is given (loopback).
 */
import http from 'node:http';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  latenciesMs: number[];
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  body: (i: number) => string;
  /** Stop after this many requests or this many seconds, whichever comes first. */
  maxRequests: number;
  maxSeconds: number;
  /** Requests in flight at once (closed loop). */
  concurrency: number;
  /** If set, start requests at this rate instead (open loop), still capped by concurrency. */
  ratePerSecond?: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let sent = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + options.maxSeconds * 1000;

  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const body = options.body(i);
      const t0 = performance.now();
      const req = http.request(
        { host: target.hostname, port: target.port, path: '/', method: 'POST', agent, headers: { ...options.headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors++;
            latencies.push(performance.now() - t0);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const worker = async () => {
    while (sent < options.maxRequests && performance.now() < deadline) {
      const i = sent++;
      if (options.ratePerSecond) {
        // Open loop: request i is due at start + i/rate; wait for that moment, never bunching up missed ones.
        const due = start + (i * 1000) / options.ratePerSecond;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      await one(i);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  agent.destroy();
  return { requests: latencies.length, errors, seconds: (performance.now() - start) / 1000, latenciesMs: latencies };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
