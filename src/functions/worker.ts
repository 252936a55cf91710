/**
 * The code that runs inside a function's worker thread: it loads the handler module on the first invocation (as
 * Lambda's init phase does), then runs one invocation at a time and posts the outcome back. Errors are reported in
 * the shape Lambda's Node.js runtime gives them (`errorType`, `errorMessage`, `trace`), including its init errors
 * (`Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, `Runtime.UserCodeSyntaxError`).
 *
 * Timeouts are not enforced here: a handler stuck in a loop never yields, so the runner terminates the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerInvocation, WorkerOutcome, WorkerSetup } from './protocol.js';

type Handler = (event: unknown, context: object) => unknown;

const setup = workerData as WorkerSetup;
let loading: Promise<Handler> | undefined;

async function load(): Promise<Handler> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(setup.moduleUrl)) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND') throw named('Runtime.ImportModuleError', `Error: Cannot find module '${setup.module}'`);
    if (e instanceof SyntaxError) throw named('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    throw err;
  }
  const handler = mod[setup.exportName];
  if (typeof handler !== 'function') throw named('Runtime.HandlerNotFound', `${setup.module}#${setup.exportName} is undefined or not exported`);
  return handler as Handler;
}

function named(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

async function run(msg: WorkerInvocation): Promise<WorkerOutcome> {
  let handler: Handler;
  try {
    handler = await (loading ??= load());
  } catch (err) {
    return { id: msg.id, ok: false, init: true, ...describe(err) };
  }
  const started = performance.now();
  const context = {
    ...msg.context,
    callbackWaitsForEmptyEventLoop: true,
    // Clock time: the wall time spent here, scaled the way the runner's clock runs.
    getRemainingTimeInMillis: () => Math.max(0, Math.round(msg.remainingMs - (performance.now() - started) * msg.timeScale)),
  };
  try {
    const result = await handler(msg.event, context);
    // Lambda hands back JSON: what does not survive JSON.stringify does not reach the caller either.
    return { id: msg.id, ok: true, result: JSON.stringify(result) };
  } catch (err) {
    return { id: msg.id, ok: false, init: false, ...describe(err) };
  }
}

function describe(err: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (err instanceof Error) return { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
  // Lambda reports a thrown non-Error by its type: `throw 'boom'` is errorType "string".
  return { errorType: typeof err, errorMessage: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err), trace: [] };
}

parentPort!.on('message', (msg: WorkerInvocation) => {
  void run(msg).then((outcome) => parentPort!.postMessage(outcome));
});
