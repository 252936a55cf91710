/**
 * CloudWatch: the metric services (PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics), the alarm
 * services and evaluator, and the operation table that rpc-v2-cbor, awsJson 1.0 and (once registered) the query
 * protocol serve. CloudWatch is query-compatible: errors carry `x-amzn-query-error` with the query code.
 *
 * For the query protocol (namespace http://monitoring.amazonaws.com/doc/2010-08-01/): the operations take the
 * awsJson-style input (timestamps as epoch seconds or ISO strings, lists as arrays) and return timestamps as Dates,
 * which the XML writer renders as ISO 8601.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { JsonService } from '../protocols/aws-json.js';
import type { CborService } from '../protocols/rpc-v2-cbor.js';
import type { Shape } from '../protocols/shape.js';
import type { Operation } from '../protocols/wire.js';
import type { Store } from '../store/store.js';
import { AlarmService, describeShape, forMetricShape, historyShape, namesShape, setStateShape } from './alarms/alarm-service.js';
import { putShape } from './alarms/config.js';
import { AlarmEvaluator } from './alarms/evaluator.js';
import type { AlarmNotifier } from './alarms/notifier.js';
import { GetMetricDataService, getMetricDataShape } from './get-metric-data.js';
import { GetMetricStatisticsService, getMetricStatisticsShape } from './get-metric-statistics.js';
import { ListMetricsService, listMetricsShape } from './list-metrics.js';
import { PutMetricDataService, putMetricDataShape } from './put-metric-data.js';

export type { AlarmNotification, AlarmNotifier } from './alarms/notifier.js';
export { topicsNotifier } from './alarms/notifier.js';
export { alarmMessage } from './alarms/message.js';

export const SERVICE_NAME = 'GraniteServiceVersion20100801';
export const QUERY_NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

/**
 * Each operation's input shape, for a protocol that must know member types to decode its input (the query
 * protocol's form parameters are all strings: `MetricData.member.1.Value=2.5`). Required members that CloudWatch
 * reports as MissingParameter are optional here; the operations check them.
 */
export const INPUT_SHAPES: Readonly<Record<string, Shape>> = {
  PutMetricData: putMetricDataShape,
  GetMetricStatistics: getMetricStatisticsShape,
  GetMetricData: getMetricDataShape,
  ListMetrics: listMetricsShape,
  PutMetricAlarm: putShape,
  DescribeAlarms: describeShape,
  DescribeAlarmsForMetric: forMetricShape,
  DeleteAlarms: namesShape,
  EnableAlarmActions: namesShape,
  DisableAlarmActions: namesShape,
  SetAlarmState: setStateShape,
  DescribeAlarmHistory: historyShape,
};

export interface CloudWatchDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Where alarm actions publish (Mailroom's SNS topics, or a library user's own). */
  notifier: AlarmNotifier;
  /** Flushes the in-process metric recorder before each evaluation round. */
  flushMetrics?: () => Promise<void>;
}

export class CloudWatch {
  readonly metricData: PutMetricDataService;
  readonly statistics: GetMetricStatisticsService;
  readonly data: GetMetricDataService;
  readonly metrics: ListMetricsService;
  readonly alarms: AlarmService;
  readonly evaluator: AlarmEvaluator;

  constructor(deps: CloudWatchDeps) {
    const notifier = deps.notifier;
    this.metricData = new PutMetricDataService(deps);
    this.statistics = new GetMetricStatisticsService(deps);
    this.data = new GetMetricDataService(deps);
    this.metrics = new ListMetricsService(deps);
    this.evaluator = new AlarmEvaluator({ store: deps.store, clock: deps.clock, logger: deps.logger, notifier, beforeRound: deps.flushMetrics });
    this.alarms = new AlarmService({ store: deps.store, clock: deps.clock, logger: deps.logger, notifier, onAlarmsChanged: () => this.evaluator.wake() });
  }

  /** The operations by name, the same functions for every protocol. */
  operations(): Readonly<Record<string, Operation>> {
    return {
      PutMetricData: (i) => this.metricData.put(i),
      GetMetricStatistics: (i) => this.statistics.get(i),
      GetMetricData: (i) => this.data.get(i),
      ListMetrics: (i) => this.metrics.list(i),
      PutMetricAlarm: (i, c) => this.alarms.put(i, c),
      DescribeAlarms: (i) => this.alarms.describe(i),
      DescribeAlarmsForMetric: (i) => this.alarms.describeForMetric(i),
      DeleteAlarms: (i) => this.alarms.delete(i),
      EnableAlarmActions: (i) => this.alarms.enableActions(i),
      DisableAlarmActions: (i) => this.alarms.disableActions(i),
      SetAlarmState: (i) => this.alarms.setState(i),
      DescribeAlarmHistory: (i) => this.alarms.history(i),
    };
  }

  /** rpc-v2-cbor: `POST /service/GraniteServiceVersion20100801/operation/<Operation>`. */
  cborService(): CborService {
    return { service: 'CloudWatch', serviceName: SERVICE_NAME, namespace: 'com.amazonaws.cloudwatch', queryCompatible: true, operations: this.operations() };
  }

  /** awsJson 1.0: `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`. */
  jsonService(): JsonService {
    return {
      service: 'CloudWatch',
      targetPrefix: SERVICE_NAME,
      jsonVersion: '1.0',
      errorTypePrefix: 'com.amazonaws.cloudwatch#',
      queryCompatible: true,
      operations: this.operations(),
    };
  }
}
