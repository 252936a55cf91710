/**
 * Alarm history items as DescribeAlarmHistory returns them: ConfigurationUpdate ("Alarm "cpu" created"),
 * StateUpdate ("Alarm updated from OK to ALARM", with old and new state in HistoryData) and Action ("Successfully
 * executed action arn:..." or "Failed to execute action arn:...").
 */
import type { AlarmHistoryRecord, AlarmRecord, AlarmState } from '../../store/alarms.js';

type ConfigurationChange = 'Create' | 'Update' | 'Delete';

const SUMMARY: Record<ConfigurationChange, string> = { Create: 'created', Update: 'updated', Delete: 'deleted' };
const MEMBER: Record<ConfigurationChange, string> = { Create: 'createdAlarm', Update: 'updatedAlarm', Delete: 'deletedAlarm' };

/** The alarm in HistoryData's lower-camel form. */
function alarmData(alarm: AlarmRecord): Record<string, unknown> {
  const { Dimensions, OKActions, ...rest } = alarm.config;
  const camel = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]));
  return {
    alarmName: alarm.name,
    alarmArn: alarm.arn,
    actionsEnabled: alarm.actionsEnabled,
    ...camel,
    okActions: OKActions,
    dimensions: Dimensions.map((d) => ({ name: d.Name, value: d.Value })),
  };
}

export function configurationItem(alarm: AlarmRecord, change: ConfigurationChange, at: number): AlarmHistoryRecord {
  return {
    alarmName: alarm.name,
    timestamp: at,
    type: 'ConfigurationUpdate',
    summary: `Alarm "${alarm.name}" ${SUMMARY[change]}`,
    data: JSON.stringify({ version: '1.0', type: change, [MEMBER[change]]: alarmData(alarm) }),
  };
}

function stateData(state: Pick<AlarmState, 'value' | 'reason' | 'reasonData'>) {
  return {
    stateValue: state.value,
    stateReason: state.reason,
    ...(state.reasonData !== undefined && { stateReasonData: JSON.parse(state.reasonData) as unknown }),
  };
}

export function stateItem(alarmName: string, from: AlarmState, to: Pick<AlarmState, 'value' | 'reason' | 'reasonData'>, at: number): AlarmHistoryRecord {
  return {
    alarmName,
    timestamp: at,
    type: 'StateUpdate',
    summary: `Alarm updated from ${from.value} to ${to.value}`,
    data: JSON.stringify({ version: '1.0', oldState: stateData(from), newState: stateData(to) }),
  };
}

export function actionItem(alarmName: string, action: string, outcome: { messageId: string } | { error: string }, stateUpdatedAt: number, at: number): AlarmHistoryRecord {
  const ok = 'messageId' in outcome;
  return {
    alarmName,
    timestamp: at,
    type: 'Action',
    summary: ok ? `Successfully executed action ${action}` : `Failed to execute action ${action}. Received error: "${outcome.error}"`,
    data: JSON.stringify({
      actionState: ok ? 'Succeeded' : 'Failed',
      stateUpdateTimestamp: stateUpdatedAt,
      notificationResource: action,
      ...(ok ? { publishedMessage: { messageId: outcome.messageId } } : { error: outcome.error }),
    }),
  };
}
