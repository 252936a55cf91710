/**
 * Where alarm actions go. CloudWatch publishes its alarm message to each SNS topic of the new state's actions;
 * Mailroom does the same through this interface, which the topics service implements (the lead wires it in).
 * Until then the default refuses, so an action is recorded as failed (Action history, log), never as sent.
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

export const noTopicsNotifier: AlarmNotifier = {
  publish: () => Promise.reject(new Error('SNS topics are not available in this Mailroom yet')),
};
