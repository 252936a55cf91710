/**
 * Function targets, as EventBridge invokes Lambda: asynchronously. The rule's delivery succeeds once the function
 * has accepted the event into its own queue (a 'function' delivery, with Lambda's retry semantics, settled by the
 * FunctionHandler); a function that does not exist is NO_RESOURCE, which the rule target's DLQ receives.
 */
import type { Invocation, InvocationResult, Invoker } from '../invoker.js';

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]*:\d{12}:function:([A-Za-z0-9_-]+)(:\$LATEST)?$/;

export class AsyncFunctionInvoker implements Invoker {
  constructor(private readonly exists: (name: string) => boolean) {}

  handles(targetArn: string): boolean {
    return FUNCTION_ARN.test(targetArn);
  }

  async invoke(invocation: Invocation): Promise<InvocationResult> {
    const name = FUNCTION_ARN.exec(invocation.targetArn)![1]!;
    if (!this.exists(name)) return { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: `Function not found: ${invocation.targetArn}` };
    return { ok: true, enqueued: { kind: 'function', input: invocation.input } };
  }
}
