/**
 * SQS queue targets: the shaped input becomes a message on one of Mailroom's own queues, sent as EventBridge
 * sends it. A queue that does not exist is NO_RESOURCE (dead-lettered at once, as AWS does).
 */
import type { Clock } from '../../clock.js';
import { queueNameOf, serviceMessage } from '../../queues/internal-send.js';
import type { Store } from '../../store/store.js';
import type { Invocation, InvocationResult, Invoker } from '../invoker.js';
import { EVENTS_SENDER } from '../queue-sink.js';

export class SqsInvoker implements Invoker {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Wakes long polls on the queue. */
    private readonly arrived: (queue: string) => void,
  ) {}

  handles(targetArn: string): boolean {
    return queueNameOf(targetArn) !== undefined;
  }

  async invoke(invocation: Invocation): Promise<InvocationResult> {
    const name = queueNameOf(invocation.targetArn)!;
    const queue = await this.store.getQueue(name);
    const missing: InvocationResult = { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: `Queue ${invocation.targetArn} does not exist.` };
    if (!queue) return missing;
    if (!(await this.store.sendMessages([serviceMessage(queue, invocation.input, {}, this.clock.now(), EVENTS_SENDER)]))) return missing;
    this.arrived(name);
    return { ok: true };
  }
}
