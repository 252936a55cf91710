/**
 * Runs an alarm's actions after a state change: only when actions are enabled, only the new state's list. SNS
 * topics get CloudWatch's alarm message through the AlarmNotifier; other kinds of action (EC2, Auto Scaling,
 * Systems Manager, ...) are not Mailroom's to perform and are recorded as failed. Every outcome is an Action
 * history item, and a failure is also logged.
 */
import type { Logger } from 'pino';
import type { AlarmRecord, AlarmStateValue } from '../../store/alarms.js';
import type { Store } from '../../store/store.js';
import { actionItem } from './history.js';
import { alarmMessage } from './message.js';
import type { AlarmNotifier } from './notifier.js';

export interface ActionDeps {
  store: Store;
  notifier: AlarmNotifier;
  logger: Logger;
  now: () => number;
}

export function actionsFor(alarm: AlarmRecord): string[] {
  const c = alarm.config;
  return alarm.state.value === 'ALARM' ? c.AlarmActions : alarm.state.value === 'OK' ? c.OKActions : c.InsufficientDataActions;
}

/** Publishes the change of `alarm` (already in its new state) from `oldState`; resolves when every action is recorded. */
export async function runActions(deps: ActionDeps, alarm: AlarmRecord, oldState: AlarmStateValue): Promise<void> {
  if (!alarm.actionsEnabled) return;
  const actions = actionsFor(alarm);
  if (actions.length === 0) return;
  const { subject, message } = alarmMessage(alarm, oldState, alarm.state.updatedAt);
  const items = await Promise.all(
    actions.map(async (action) => {
      const service = action.split(':')[2];
      try {
        if (service !== 'sns') throw new Error(`Mailroom does not perform ${service} actions`);
        const sent = await deps.notifier.publish({ topicArn: action, subject, message, alarmName: alarm.name, alarmArn: alarm.arn, newState: alarm.state.value });
        return actionItem(alarm.name, action, sent, alarm.state.updatedAt, deps.now());
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        deps.logger.warn({ alarm: alarm.name, action, err: error }, 'alarm action failed');
        return actionItem(alarm.name, action, { error }, alarm.state.updatedAt, deps.now());
      }
    }),
  );
  await deps.store.addAlarmHistory(items);
}
