/**
 * A real, in-process AlarmNotifier that keeps what it is given: Mailroom has no SNS topics yet, so tests observe
 * alarm actions here. Topics listed in `missing` refuse, as a topic that does not exist would.
 */
import type { AlarmNotification, AlarmNotifier } from '../../src/monitoring/index.js';

export class RecordingNotifier implements AlarmNotifier {
  readonly published: AlarmNotification[] = [];
  readonly missing = new Set<string>();

  async publish(notification: AlarmNotification): Promise<{ messageId: string }> {
    if (this.missing.has(notification.topicArn)) throw new Error(`Topic does not exist: ${notification.topicArn}`);
    this.published.push(notification);
    return { messageId: `message-${this.published.length}` };
  }

  /** The JSON messages published to `topicArn`, parsed. */
  messages(topicArn?: string): Record<string, unknown>[] {
    return this.published.filter((n) => topicArn === undefined || n.topicArn === topicArn).map((n) => JSON.parse(n.message) as Record<string, unknown>);
  }
}
