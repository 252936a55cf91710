/**
 * Lambda-style functions: registration (spec), running handlers in worker threads (runner), and the asynchronous
 * invocation schedule with its destination records (retry). The dispatcher drives them; nothing here persists.
 */
export { FunctionRunner, type FunctionResult, type FunctionRunnerOptions, type InvokeContext } from './runner.js';
export { failureRecord, functionErrorDelayMs, nextRetry, successRecord, throttleDelayMs, type AsyncInvocationState, type FailureKind, type InvocationRecord, type RecordInput, type RetryDecision } from './retry.js';
export { FunctionSpecError, functionArn, parseHandler, resolveFunctionSpec, type FunctionSpec } from './spec.js';
