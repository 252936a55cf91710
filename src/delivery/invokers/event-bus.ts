/**
 * Event bus targets: the event is put on another bus, where that bus's rules match it afresh. It arrives as a new
 * event (new id, same source, detail-type, detail, resources and time), as a PutEvents would.
 */
import type { Invocation, InvocationResult, Invoker } from '../invoker.js';

/** Puts one event on a bus; resolves with the new event's id, or undefined when the bus does not exist. */
export type ForwardEvent = (bus: string, envelope: string) => Promise<string | undefined>;

const BUS_ARN = /^arn:aws[a-z-]*:events:[a-z0-9-]*:\d{12}:event-bus\/(.+)$/;

export class EventBusInvoker implements Invoker {
  constructor(private readonly forward: ForwardEvent) {}

  handles(targetArn: string): boolean {
    return BUS_ARN.test(targetArn);
  }

  async invoke(invocation: Invocation): Promise<InvocationResult> {
    const bus = BUS_ARN.exec(invocation.targetArn)![1]!;
    const id = await this.forward(bus, invocation.input);
    if (id === undefined) return { ok: false, retryable: false, errorCode: 'NO_RESOURCE', errorMessage: `Event bus ${bus} does not exist.` };
    return { ok: true };
  }
}
