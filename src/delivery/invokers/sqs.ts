/**
 * SQS queue targets: the shaped input becomes a message on one of Mailroom's own queues, sent as EventBridge
 * sends it. A queue that does not exist is NO_RESOURCE, and one whose Policy does not let the rule send is
 * NO_PERMISSIONS — both dead-lettered at once, as AWS does.
 */
import type { Clock } from '../../clock.js';
import { queueNameOf, serviceMessage } from '../../queues/internal-send.js';
import { serviceSendRefusal } from '../../queues/policy.js';
import type { NewQueueMessage } from '../../store/queues.js';
import type { Store } from '../../store/store.js';
import type { Invocation, InvocationResult, Invoker } from '../invoker.js';
import { EVENTS_SENDER } from '../queue-sink.js';

export class SqsInvoker implements Invoker {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Wakes long polls on the queue and counts the send. */
    private readonly sent: (messages: readonly NewQueueMessage[]) => void,
  ) {}

  handles(targetArn: string): boolean {
    return queueNameOf(targetArn) !== undefined;
  }

  async invoke(invocation: Invocation): Promise<InvocationResult> {
    const name = queueNameOf(invocation.targetArn)!;
    const queue = await this.store.getQueue(name);
    const missing: InvocationResult = { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: `Queue ${invocation.targetArn} does not exist.` };
    if (!queue) return missing;
    const refusal = serviceSendRefusal(queue, EVENTS_SENDER, invocation.ruleArn);
    if (refusal !== undefined) return { ok: false, retryable: false, errorCode: 'NO_PERMISSIONS', errorMessage: refusal };
    const message = serviceMessage(queue, invocation.input, {}, this.clock.now(), EVENTS_SENDER);
    if (!(await this.store.sendMessages([message]))) return missing;
    this.sent([message]);
    return { ok: true };
  }
}
