/**
 * The store's side of CloudWatch metric alarms: their configuration, their state, their history, and the claims
 * through which alarm evaluators share the work.
 *
 * Evaluation is leased like deliveries are: each alarm has a next evaluation time; an evaluator claims the due
 * alarms with a lease that expires (`claimDueAlarms`), evaluates them, and hands back the outcome with the next
 * evaluation time (`finishAlarmEvaluation`). A claim is atomic, so when several processes share a database exactly
 * one of them evaluates an alarm for a given period; a process that dies mid-evaluation loses nothing, its leases
 * just expire. State changes carry the state version they were decided on, so a state set meanwhile (SetAlarmState,
 * another evaluator) is never overwritten by a stale decision.
 *
 * For backends: names compare by code point, as everywhere; every method that changes state or configuration
 * appends its history items in the same transaction; times are ms since the epoch.
 */

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** What PutMetricAlarm configures, validated, in CloudWatch's member names (stored as one JSON document). */
export interface AlarmConfig {
  AlarmDescription?: string;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  MetricName: string;
  Namespace: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions: { Name: string; Value: string }[];
  /** Seconds. */
  Period: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
}

export interface AlarmState {
  value: AlarmStateValue;
  reason: string;
  /** JSON text, as DescribeAlarms returns it. */
  reasonData?: string;
  /** When value, reason or reasonData last changed. */
  updatedAt: number;
  /** When value last changed. */
  transitionedAt: number;
  /** Grows by one with every state write; a conditional write names the version it was decided on. */
  version: number;
}

export interface AlarmRecord {
  name: string;
  arn: string;
  config: AlarmConfig;
  actionsEnabled: boolean;
  configUpdatedAt: number;
  state: AlarmState;
  /** When an evaluator should next look at the alarm. */
  nextEvaluationAt: number;
}

export type AlarmHistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';

export interface AlarmHistoryRecord {
  alarmName: string;
  timestamp: number;
  type: AlarmHistoryItemType;
  summary: string;
  /** JSON text, as DescribeAlarmHistory returns it. */
  data: string;
}

export interface AlarmFilter {
  /** Exactly these names (at most 100). */
  names?: string[];
  namePrefix?: string;
  state?: AlarmStateValue;
  /** Alarms with an action (OK, ALARM or INSUFFICIENT_DATA) starting with this prefix. */
  actionPrefix?: string;
  /** Exact metric, for DescribeAlarmsForMetric. */
  metric?: { namespace: string; name: string };
  /** Continue after this alarm name (exclusive); results are ordered by name. */
  after?: string;
  limit: number;
}

export interface AlarmHistoryFilter {
  alarmName?: string;
  type?: AlarmHistoryItemType;
  /** Items with from <= timestamp < to. */
  from?: number;
  to?: number;
  newestFirst: boolean;
  /** Continue after this item (an opaque cursor from a previous page). */
  after?: string;
  limit: number;
}

/** A state change to write, conditional on the state version it was decided on. */
export interface AlarmStateChange {
  name: string;
  /** The state's version when the change was decided; the write is skipped if it moved on. */
  expectedVersion: number;
  state: Omit<AlarmState, 'version'>;
  history: AlarmHistoryRecord[];
}

export interface AlarmStore {
  /**
   * Creates the alarm or replaces its configuration (PutMetricAlarm). An update keeps the state, its version and
   * the next evaluation time of the stored alarm, as CloudWatch keeps the state of an updated alarm.
   * Returns 'created' or 'updated'.
   */
  putAlarm(alarm: AlarmRecord, history: AlarmHistoryRecord[]): Promise<'created' | 'updated'>;
  getAlarm(name: string): Promise<AlarmRecord | undefined>;
  /** Matching alarms ordered by name, `limit + 1` at most so the caller can tell whether more follow. */
  listAlarms(filter: AlarmFilter): Promise<AlarmRecord[]>;
  countAlarms(): Promise<number>;
  /** Deletes all the named alarms, or none when one does not exist; returns the names that do not exist. */
  deleteAlarms(names: string[], history: AlarmHistoryRecord[]): Promise<string[]>;
  /** EnableAlarmActions / DisableAlarmActions; names that do not exist are ignored, as CloudWatch ignores them. */
  setAlarmActionsEnabled(names: string[], enabled: boolean, history: (alarm: AlarmRecord) => AlarmHistoryRecord[]): Promise<void>;

  /** Writes the state change if the state's version is still `expectedVersion`; returns the updated alarm, or undefined. */
  changeAlarmState(change: AlarmStateChange): Promise<AlarmRecord | undefined>;

  /**
   * Leases up to `limit` alarms whose next evaluation is due (nextEvaluationAt <= now) and which no live lease
   * holds, until `leaseUntil`, for `owner`; atomically, so two evaluators never get the same alarm. Alarms due,
   * and leases running, after `horizon` count as due and expired: nothing is scheduled or leased that far ahead, so
   * the clock went back (a process with a scaled clock restarted) and the alarm would otherwise wait for it.
   */
  claimDueAlarms(request: { now: number; owner: string; leaseUntil: number; limit: number; horizon: number }): Promise<AlarmRecord[]>;
  /**
   * Ends `owner`'s lease on the alarm: sets its next evaluation time and writes the state change, if any (under
   * the same version condition as changeAlarmState). Returns the alarm after a written change; undefined when
   * there was none, the lease was lost, or the alarm was deleted meanwhile.
   */
  finishAlarmEvaluation(finish: { name: string; owner: string; nextEvaluationAt: number; change?: AlarmStateChange }): Promise<AlarmRecord | undefined>;
  /** The earliest next evaluation time of any alarm (leased or not), or undefined when there are no alarms. */
  nextAlarmEvaluationAt(): Promise<number | undefined>;

  /** Appends history items (actions' outcomes, written after the actions ran). */
  addAlarmHistory(items: AlarmHistoryRecord[]): Promise<void>;
  /** History items in time order (newest first if asked), with a cursor when more may follow. */
  listAlarmHistory(filter: AlarmHistoryFilter): Promise<{ items: AlarmHistoryRecord[]; after?: string }>;
}
