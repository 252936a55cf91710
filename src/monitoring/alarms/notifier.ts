/**
 * Where alarm actions go. CloudWatch publishes its alarm message to each SNS topic of the new state's actions;
 * Mailroom does the same through this interface: `topicsNotifier` publishes to Mailroom's own topics, and a library
 * user may pass another. A publish that fails is recorded as a failed action (Action history, log), never as sent.
 */
import type { AlarmStateValue } from '../../store/alarms.js';

export interface AlarmNotification {
  /** The action's ARN: an SNS topic. */
  topicArn: string;
  /** `ALARM: "name" in US East (N. Virginia)`, for SNS's Subject. */
  subject: string;
  /** CloudWatch's alarm message JSON (see message.ts), for SNS's Message. */
  message: string;
  alarmName: string;
  alarmArn: string;
  newState: AlarmStateValue;
}

export interface AlarmNotifier {
  /** Publishes to the topic; resolves with the message id, rejects when the topic is missing or refuses. */
  publish(notification: AlarmNotification): Promise<{ messageId: string }>;
}

/** Publishes through Mailroom's SNS topics, so the message reaches every confirmed subscription durably. */
export function topicsNotifier(topics: { publish(topicArn: string, message: string, subject?: string): Promise<string> }): AlarmNotifier {
  return { publish: async (n) => ({ messageId: await topics.publish(n.topicArn, n.message, n.subject) }) };
}
