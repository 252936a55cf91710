/**
 * The function runner with real worker threads running the TypeScript fixtures under tsx: results, Lambda's
 * context, function errors, clock-driven timeouts, load failures, warm reuse, throttling and shutdown.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { FunctionRunner, type FunctionResult } from '../../src/functions/runner.js';
import { resolveFunctionSpec } from '../../src/functions/spec.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fn = (name: string, handler: string, extra: object = {}) => resolveFunctionSpec({ name, handler, ...extra });

function failure(result: FunctionResult) {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return result as Extract<FunctionResult, { ok: false }>;
}

// In Node 20, but in TypeScript's ES2024 lib, newer than the project's.
const { waitAsync } = Atomics as unknown as { waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: unknown } };

/** Resolves once the hang fixture has raised its flag: the handler is running. */
async function started(flag: Int32Array): Promise<void> {
  const wait = waitAsync(flag, 0, 0);
  if (wait.async) await wait.value;
}

describe('FunctionRunner', () => {
  let clock: ManualClock;
  let runner: FunctionRunner;

  beforeEach(() => {
    clock = new ManualClock();
    runner = new FunctionRunner({ clock, baseDir: FIXTURES });
  });
  afterEach(() => runner.close());

  it('runs an async handler and gives it Lambda\'s context', async () => {
    const result = await runner.invokeFunction(fn('echo', 'echo.ts'), { order: 42 }, { awsRequestId: 'req-1' });
    assert.ok(result.ok);
    const r = result.result as Record<string, unknown>;
    assert.deepEqual(r.event, { order: 42 });
    assert.equal(r.functionName, 'echo');
    assert.equal(r.functionVersion, '$LATEST');
    assert.equal(r.invokedFunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:echo');
    assert.equal(r.awsRequestId, 'req-1');
    assert.ok(typeof r.remaining === 'number' && r.remaining > 0 && r.remaining <= 3000, `remaining ${r.remaining}`);
  });

  it('runs a synchronous handler named after #', async () => {
    assert.deepEqual(await runner.invokeFunction(fn('adder', 'echo.ts#add'), { a: 2, b: 3 }), { ok: true, result: { sum: 5 } });
  });

  it('reuses a warm worker between invocations', async () => {
    runner = new FunctionRunner({ clock, baseDir: FIXTURES, concurrency: 1 });
    const spec = fn('counter', 'echo.ts#count');
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await runner.invokeFunction(spec, {}));
    assert.deepEqual(results, [1, 2, 3].map((n) => ({ ok: true, result: n })));
  });

  it('reports a throw or rejection as a function error, as Lambda shapes it', async () => {
    const spec = fn('fail', 'fail.ts');
    const typeError = failure(await runner.invokeFunction(spec, { how: 'type-error' }));
    assert.equal(typeError.kind, 'function-error');
    assert.equal(typeError.errorType, 'TypeError');
    assert.match(typeError.errorMessage, /Cannot read properties of null/);
    assert.match(typeError.trace[0]!, /^TypeError: /);
    const rejected = failure(await runner.invokeFunction(spec, { how: 'reject' }));
    assert.deepEqual([rejected.errorType, rejected.errorMessage], ['RangeError', 'out of range']);
    const thrownString = failure(await runner.invokeFunction(spec, { how: 'string' }));
    assert.deepEqual([thrownString.errorType, thrownString.errorMessage], ['string', 'plain string']);
  });

  it('reports a handler that exits the runtime, and replaces that worker', async () => {
    const spec = fn('fail', 'fail.ts');
    const exited = failure(await runner.invokeFunction(spec, { how: 'exit' }));
    assert.deepEqual([exited.kind, exited.errorType], ['function-error', 'Runtime.ExitError']);
    assert.match(exited.errorMessage, /exit status 3/);
    assert.equal(failure(await runner.invokeFunction(spec, { how: 'reject' })).errorType, 'RangeError');
  });

  it('times out after timeoutSeconds of clock time, terminating the stuck handler, and recovers', async () => {
    runner = new FunctionRunner({ clock, baseDir: FIXTURES, concurrency: 1 });
    const spec = fn('hang', 'hang.ts', { timeoutSeconds: 5 });
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const pending = runner.invokeFunction(spec, { hang: true, started: flag });
    await started(flag);
    clock.advance(4_999);
    clock.advance(1);
    const timedOut = failure(await pending);
    assert.deepEqual([timedOut.kind, timedOut.errorType, timedOut.errorMessage], ['timeout', 'Sandbox.Timedout', 'Task timed out after 5.00 seconds']);
    assert.deepEqual(await runner.invokeFunction(spec, { hang: false }), { ok: true, result: 'alive' });
    assert.equal(clock.pendingTimers, 0);
  });

  it('reports modules that do not load as function errors', async () => {
    const missing = failure(await runner.invokeFunction(fn('missing', 'nowhere.js'), {}));
    assert.deepEqual([missing.kind, missing.errorType], ['function-error', 'Runtime.ImportModuleError']);
    assert.match(missing.errorMessage, /Cannot find module 'nowhere.js'/);
    const noExport = failure(await runner.invokeFunction(fn('no-handler', 'no-handler.ts'), {}));
    assert.deepEqual([noExport.errorType, noExport.errorMessage], ['Runtime.HandlerNotFound', 'no-handler.ts#handler is undefined or not exported']);
    const syntax = failure(await runner.invokeFunction(fn('syntax', 'syntax-error.mjs'), {}));
    assert.equal(syntax.kind, 'function-error');
    assert.deepEqual([syntax.errorType, syntax.errorMessage], ['Runtime.UserCodeSyntaxError', 'SyntaxError: Unexpected end of input']);
  });

  it('throttles past the waiting limit, and ends running and waiting work on close', async () => {
    runner = new FunctionRunner({ clock, baseDir: FIXTURES, concurrency: 1, maxQueued: 1 });
    const spec = fn('hang', 'hang.ts');
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const running = runner.invokeFunction(spec, { hang: true, started: flag });
    await started(flag);
    const waiting = runner.invokeFunction(spec, { hang: false });
    const throttled = failure(await runner.invokeFunction(spec, { hang: false }));
    assert.deepEqual([throttled.kind, throttled.errorType], ['throttled', 'TooManyRequestsException']);
    await runner.close();
    assert.equal(failure(await running).kind, 'throttled');
    assert.equal(failure(await waiting).errorType, 'Mailroom.ShuttingDown');
  });

  it('stops an invocation the dispatcher aborts, as a system error', async () => {
    const controller = new AbortController();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const pending = runner.invokeFunction(fn('hang', 'hang.ts'), { hang: true, started: flag }, {}, controller.signal);
    await started(flag);
    controller.abort();
    const aborted = failure(await pending);
    assert.deepEqual([aborted.kind, aborted.errorType], ['throttled', 'Mailroom.Aborted']);
  });
});
