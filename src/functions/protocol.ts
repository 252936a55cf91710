/**
 * The messages between the function runner and its worker threads (kept apart so the worker does not import the
 * runner, and the runner does not load the worker's code).
 */

/** Given to a worker once, at start. */
export interface WorkerSetup {
  /** File URL of the handler module. */
  moduleUrl: string;
  /** As the user wrote it, for error messages. */
  module: string;
  exportName: string;
}

/** One invocation, runner → worker. */
export interface WorkerInvocation {
  id: number;
  event: unknown;
  /** The plain members of Lambda's context object; the worker adds the methods. */
  context: {
    functionName: string;
    functionVersion: string;
    invokedFunctionArn: string;
    memoryLimitInMB: string;
    awsRequestId: string;
    logGroupName: string;
    logStreamName: string;
  };
  /** The function's time left at dispatch, in clock time. */
  remainingMs: number;
  /** Clock milliseconds per wall millisecond, for getRemainingTimeInMillis. */
  timeScale: number;
}

/** worker → runner. `init` errors mean the module could not be loaded; the runner discards that worker. */
export type WorkerOutcome =
  | { id: number; ok: true; /** JSON text, or undefined when the handler returned undefined. */ result: string | undefined }
  | { id: number; ok: false; init: boolean; errorType: string; errorMessage: string; trace: string[] };
