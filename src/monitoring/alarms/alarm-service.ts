/**
 * The alarm operations: PutMetricAlarm, DescribeAlarms, DescribeAlarmsForMetric, DeleteAlarms,
 * EnableAlarmActions, DisableAlarmActions, SetAlarmState and DescribeAlarmHistory. A new alarm starts in
 * INSUFFICIENT_DATA ("Unchecked: Initial alarm creation") and is first evaluated at the next evaluation time; an
 * updated alarm keeps its state. Every change is written with its history item.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import { ServiceError } from '../../errors.js';
import { encodeNextToken } from '../../paging.js';
import type { RequestContext } from '../../protocols/context.js';
import { int, list, str, struct } from '../../protocols/shape.js';
import type { AlarmHistoryItemType, AlarmRecord, AlarmStateValue } from '../../store/alarms.js';
import type { Store } from '../../store/store.js';
import {
  checkInput,
  decodeToken,
  dimensionMap,
  dimensions,
  metricName,
  namespace,
  period,
  statistic,
  timestampShape,
  toMillis,
  unit,
  validationError,
  type Dimension,
} from '../inputs.js';
import { dimensionsKey } from '../../store/metrics.js';
import { runActions } from './actions.js';
import { alarmArn, alarmName, describeAlarm, toAlarmConfig } from './config.js';
import { configurationItem, stateItem } from './history.js';
import type { AlarmNotifier } from './notifier.js';
import { nextEvaluationAfter } from './schedule.js';

/** Mailroom evaluates every alarm every minute; this bounds that work. */
export const MAX_ALARMS = 10_000;
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
const HISTORY_TYPES = ['ConfigurationUpdate', 'StateUpdate', 'Action'] as const;
const ALARM_TYPES = ['CompositeAlarm', 'MetricAlarm'] as const;

export interface AlarmDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  notifier: AlarmNotifier;
  /** Called after an alarm is created or changed, so the evaluator looks at it without waiting. */
  onAlarmsChanged?: () => void;
}

const names = list(alarmName, { max: 100 });
const describeShape = struct({
  AlarmNames: names,
  AlarmNamePrefix: alarmName,
  AlarmTypes: list(str({ enum: ALARM_TYPES })),
  ChildrenOfAlarmName: alarmName,
  ParentsOfAlarmName: alarmName,
  StateValue: str({ enum: STATES }),
  ActionPrefix: str({ min: 1, max: 1024 }),
  MaxRecords: int({ min: 1, max: 100 }),
  NextToken: str(),
});
const forMetricShape = struct(
  { MetricName: metricName, Namespace: namespace, Statistic: statistic, ExtendedStatistic: str(), Dimensions: dimensions, Period: period, Unit: unit },
  ['MetricName', 'Namespace'],
);
const namesShape = struct({ AlarmNames: names }, ['AlarmNames']);
const setStateShape = struct(
  { AlarmName: alarmName, StateValue: str({ enum: STATES }), StateReason: str({ max: 1023 }), StateReasonData: str({ max: 4000 }) },
  ['AlarmName', 'StateValue', 'StateReason'],
);
const historyShape = struct({
  AlarmName: alarmName,
  AlarmTypes: list(str({ enum: ALARM_TYPES })),
  HistoryItemType: str({ enum: HISTORY_TYPES }),
  StartDate: timestampShape,
  EndDate: timestampShape,
  MaxRecords: int({ min: 1, max: 100 }),
  NextToken: str(),
  ScanBy: str({ enum: ['TimestampDescending', 'TimestampAscending'] }),
});

interface DescribeAlarmsInput {
  AlarmNames?: string[];
  AlarmNamePrefix?: string;
  AlarmTypes?: string[];
  ChildrenOfAlarmName?: string;
  ParentsOfAlarmName?: string;
  StateValue?: AlarmStateValue;
  ActionPrefix?: string;
  MaxRecords?: number;
  NextToken?: string;
}

interface DescribeAlarmsForMetricInput {
  MetricName: string;
  Namespace: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
}

interface SetAlarmStateInput {
  AlarmName: string;
  StateValue: AlarmStateValue;
  StateReason: string;
  StateReasonData?: string;
}

interface DescribeAlarmHistoryInput {
  AlarmName?: string;
  AlarmTypes?: string[];
  HistoryItemType?: AlarmHistoryItemType;
  StartDate?: number | string;
  EndDate?: number | string;
  MaxRecords?: number;
  NextToken?: string;
  ScanBy?: 'TimestampDescending' | 'TimestampAscending';
}

export class AlarmService {
  constructor(private readonly deps: AlarmDeps) {}

  async put(input: unknown, ctx: RequestContext): Promise<object> {
    const { name, config, actionsEnabled } = toAlarmConfig(input, ctx);
    const existing = await this.deps.store.getAlarm(name);
    if (!existing && (await this.deps.store.countAlarms()) >= MAX_ALARMS) {
      throw new ServiceError('LimitExceededFault', `The maximum number of alarms (${MAX_ALARMS}) has been reached.`);
    }
    const now = this.deps.clock.now();
    const alarm: AlarmRecord = {
      name,
      arn: existing?.arn ?? alarmArn(ctx, name),
      config,
      actionsEnabled,
      configUpdatedAt: now,
      // Kept as stored for an update (see AlarmStore.putAlarm).
      state: existing?.state ?? { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: now, transitionedAt: now, version: 0 },
      nextEvaluationAt: existing?.nextEvaluationAt ?? nextEvaluationAfter(now, config.Period),
    };
    // Tags are accepted, as CloudWatch accepts them, but not kept: Mailroom has no CloudWatch tagging API yet.
    await this.deps.store.putAlarm(alarm, [configurationItem(alarm, existing ? 'Update' : 'Create', now)]);
    this.deps.onAlarmsChanged?.();
    return {};
  }

  async describe(input: unknown) {
    const req = checkInput<DescribeAlarmsInput>(input, describeShape);
    if (req.AlarmNames !== undefined && req.AlarmNamePrefix !== undefined) throw validationError('AlarmNames and AlarmNamePrefix cannot both be specified.');
    const composite = req.ChildrenOfAlarmName !== undefined || req.ParentsOfAlarmName !== undefined;
    // Without AlarmTypes, CloudWatch returns metric alarms only; Mailroom has no composite alarms to return.
    const metricAlarms = !composite && (req.AlarmTypes === undefined || req.AlarmTypes.includes('MetricAlarm'));
    const limit = req.MaxRecords ?? 50;
    const rows = metricAlarms
      ? await this.deps.store.listAlarms({
          names: req.AlarmNames,
          namePrefix: req.AlarmNamePrefix,
          state: req.StateValue,
          actionPrefix: req.ActionPrefix,
          after: decodeToken(req.NextToken),
          limit,
        })
      : [];
    const page = rows.slice(0, limit);
    return {
      MetricAlarms: page.map(describeAlarm),
      CompositeAlarms: [],
      ...(rows.length > limit && { NextToken: encodeNextToken(page[page.length - 1]!.name) }),
    };
  }

  async describeForMetric(input: unknown) {
    const req = checkInput<DescribeAlarmsForMetricInput>(input, forMetricShape);
    const wanted = req.Dimensions && dimensionsKey(dimensionMap(req.Dimensions));
    const alarms = await this.deps.store.listAlarms({ metric: { namespace: req.Namespace, name: req.MetricName }, limit: MAX_ALARMS });
    const matching = alarms.filter((a) => {
      const c = a.config;
      return (
        (req.Statistic === undefined || c.Statistic === req.Statistic) &&
        (req.ExtendedStatistic === undefined || c.ExtendedStatistic === req.ExtendedStatistic) &&
        (req.Period === undefined || c.Period === req.Period) &&
        (req.Unit === undefined || c.Unit === req.Unit) &&
        (wanted === undefined || dimensionsKey(dimensionMap(c.Dimensions)) === wanted)
      );
    });
    return { MetricAlarms: matching.map(describeAlarm) };
  }

  async delete(input: unknown): Promise<object> {
    const req = checkInput<{ AlarmNames: string[] }>(input, namesShape);
    const now = this.deps.clock.now();
    const alarms = (await Promise.all(req.AlarmNames.map((n) => this.deps.store.getAlarm(n)))).filter((a) => a !== undefined);
    const missing = await this.deps.store.deleteAlarms(req.AlarmNames, alarms.map((a) => configurationItem(a, 'Delete', now)));
    // CloudWatch deletes nothing when one of the alarms does not exist.
    if (missing.length > 0) throw new ServiceError('ResourceNotFound', `${missing.length} of ${req.AlarmNames.length} alarms were not found: ${missing.join(', ')}`);
    return {};
  }

  enableActions(input: unknown): Promise<object> {
    return this.#setActionsEnabled(input, true);
  }

  disableActions(input: unknown): Promise<object> {
    return this.#setActionsEnabled(input, false);
  }

  async #setActionsEnabled(input: unknown, enabled: boolean): Promise<object> {
    const req = checkInput<{ AlarmNames: string[] }>(input, namesShape);
    const now = this.deps.clock.now();
    await this.deps.store.setAlarmActionsEnabled(req.AlarmNames, enabled, (alarm) => [configurationItem({ ...alarm, actionsEnabled: enabled }, 'Update', now)]);
    return {};
  }

  /**
   * Sets the state until the next evaluation decides otherwise, as CloudWatch does for testing actions: a change
   * of StateValue runs the new state's actions.
   */
  async setState(input: unknown): Promise<object> {
    const req = checkInput<SetAlarmStateInput>(input, setStateShape);
    if (req.StateReasonData !== undefined) checkReasonData(req.StateReasonData);
    // Retried when an evaluation changes the state between the read and the write.
    for (;;) {
      const alarm = await this.deps.store.getAlarm(req.AlarmName);
      if (!alarm) throw new ServiceError('ResourceNotFound', `Alarm ${req.AlarmName} not found`);
      const now = this.deps.clock.now();
      const state = { value: req.StateValue, reason: req.StateReason, ...(req.StateReasonData !== undefined && { reasonData: req.StateReasonData }) };
      const moved = state.value !== alarm.state.value;
      const updated = await this.deps.store.changeAlarmState({
        name: alarm.name,
        expectedVersion: alarm.state.version,
        state: { ...state, updatedAt: now, transitionedAt: moved ? now : alarm.state.transitionedAt },
        history: [stateItem(alarm.name, alarm.state, state, now)],
      });
      if (!updated) continue;
      if (moved) await runActions({ ...this.deps, now: () => this.deps.clock.now() }, updated, alarm.state.value);
      return {};
    }
  }

  async history(input: unknown) {
    const req = checkInput<DescribeAlarmHistoryInput>(input, historyShape);
    if (req.AlarmTypes !== undefined && !req.AlarmTypes.includes('MetricAlarm')) return { AlarmHistoryItems: [] };
    const page = await this.deps.store.listAlarmHistory({
      alarmName: req.AlarmName,
      type: req.HistoryItemType,
      from: req.StartDate === undefined ? undefined : toMillis(req.StartDate),
      to: req.EndDate === undefined ? undefined : toMillis(req.EndDate),
      newestFirst: (req.ScanBy ?? 'TimestampDescending') === 'TimestampDescending',
      after: decodeToken(req.NextToken),
      limit: req.MaxRecords ?? 100,
    });
    return {
      AlarmHistoryItems: page.items.map((h) => ({
        AlarmName: h.alarmName,
        AlarmType: 'MetricAlarm',
        Timestamp: new Date(h.timestamp),
        HistoryItemType: h.type,
        HistorySummary: h.summary,
        HistoryData: h.data,
      })),
      ...(page.after !== undefined && { NextToken: encodeNextToken(page.after) }),
    };
  }
}

function checkReasonData(text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ServiceError('InvalidFormatFault', 'StateReasonData must be a JSON object.');
  }
}
