/**
 * Starts a real `mailroom serve` process on a free port for end-to-end tests, and waits for its "listening" log
 * line (an event, not a sleep). `kill('SIGKILL')` simulates a crash; `stop()` is a graceful SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** Lines the server logged, for assertions and for diagnosing a failure. */
  logs: string[];
  stop(): Promise<void>;
  kill(): Promise<void>;
}

export function tempDataDir(prefix = 'mailroom-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ServerProcessOptions {
  dataDir?: string;
  store?: string;
  timeScale?: number;
  port?: number;
  config?: string;
  deliver?: boolean;
  /** More `serve` arguments, e.g. ['--root-key-file', path]. */
  args?: string[];
  /** Environment variables on top of this process's, e.g. MAILROOM_ROOT_KEY. */
  env?: Record<string, string>;
  /** Arguments to node itself, before the script, e.g. ['--cpu-prof'] for a benchmark's profile. */
  nodeArgs?: string[];
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const args = [...(options.nodeArgs ?? []), '--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'serve', '--port', String(options.port ?? 0), '--data', dataDir, '--log-level', 'info'];
  if (options.deliver === false) args.push('--no-deliver');
  if (options.store) args.push('--store', options.store);
  if (options.timeScale) args.push('--time-scale', String(options.timeScale));
  if (options.config) args.push('--config', options.config);
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.url && entry.msg?.includes('listening')) resolve(entry.url);
      } catch {
        // not a JSON log line
      }
    });
    void exited.then((code) => reject(new Error(`mailroom serve exited with ${code} before listening:\n${logs.join('\n')}`)));
  });
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url, dataDir, child, logs, stop: () => waitExit('SIGTERM'), kill: () => waitExit('SIGKILL') };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
