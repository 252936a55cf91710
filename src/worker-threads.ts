/**
 * Starting Mailroom's worker threads (the SQLite writer, function runners, the HTTP thread) the same way whether
 * Mailroom runs from its compiled JavaScript or from its TypeScript source under tsx.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The module `name` next to the module at `base` (an import.meta.url): its .ts source under tsx, else the .js. */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

/**
 * Starts `entry` as a worker thread. Node 20 does not pass the main thread's `--import tsx` hooks on to workers,
 * so a .ts entry (tests, `node --import tsx`) is booted through tsx's API first; the compiled .js needs nothing.
 */
export function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
