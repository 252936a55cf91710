/**
 * CloudWatch on the query protocol (API version 2010-08-01): each operation's input and output as the form and the
 * XML lay them out, from botocore's CloudWatch model (`cloudwatch/2010-08-01/service-2.json`, which lists `query`
 * among its protocols). Unlike SQS nothing is flattened and nothing renamed: lists are `Dimensions.member.1.Name`
 * in and `<Datapoints><member>..</member></Datapoints>` out, maps `<entry><key/><value/></entry>`.
 *
 * Inputs declare the members the operations read or refuse (Metrics on an alarm, Expression in a query: metric
 * math is refused, not ignored); members of the model Mailroom does not use (entity data, linked accounts, PromQL
 * criteria) are left out and so ignored, as the JSON wire ignores them. Outputs declare what the operations return.
 */
import type { QueryStructure } from '../protocols/query-shape.js';
import { qBoolean, qDouble, qInteger, qList, qMap, qString, qStruct, qTimestamp } from '../protocols/query-shape.js';

export const CLOUDWATCH_QUERY_VERSION = '2010-08-01';
export const CLOUDWATCH_XML_NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

const strings = qList(qString);
const dimensions = qList(qStruct({ Name: qString, Value: qString }));
const metric = qStruct({ Namespace: qString, MetricName: qString, Dimensions: dimensions });
const metricDataQueries = qList(
  qStruct({
    Id: qString,
    MetricStat: qStruct({ Metric: metric, Period: qInteger, Stat: qString, Unit: qString }),
    Expression: qString,
    Label: qString,
    ReturnData: qBoolean,
    Period: qInteger,
    AccountId: qString,
  }),
);
const metricDatum = qStruct({
  MetricName: qString,
  Dimensions: dimensions,
  Timestamp: qTimestamp,
  Value: qDouble,
  StatisticValues: qStruct({ SampleCount: qDouble, Sum: qDouble, Minimum: qDouble, Maximum: qDouble }),
  Values: qList(qDouble),
  Counts: qList(qDouble),
  Unit: qString,
  StorageResolution: qInteger,
});
/** The metric an alarm watches, and how: PutMetricAlarm's members, DescribeAlarmsForMetric's filter. */
const alarmMetric = { MetricName: qString, Namespace: qString, Statistic: qString, ExtendedStatistic: qString, Dimensions: dimensions, Period: qInteger, Unit: qString };
/** When the alarm goes off. */
const alarmRule = {
  EvaluationPeriods: qInteger,
  DatapointsToAlarm: qInteger,
  Threshold: qDouble,
  ComparisonOperator: qString,
  TreatMissingData: qString,
  EvaluateLowSampleCountPercentile: qString,
};
const alarmActions = { OKActions: strings, AlarmActions: strings, InsufficientDataActions: strings };
const metricAlarms = qList(
  qStruct({
    AlarmName: qString,
    AlarmArn: qString,
    AlarmDescription: qString,
    AlarmConfigurationUpdatedTimestamp: qTimestamp,
    ActionsEnabled: qBoolean,
    ...alarmActions,
    StateValue: qString,
    StateReason: qString,
    StateReasonData: qString,
    StateUpdatedTimestamp: qTimestamp,
    ...alarmMetric,
    ...alarmRule,
    StateTransitionedTimestamp: qTimestamp,
  }),
);
const alarmNames = qStruct({ AlarmNames: strings });
const messages = qList(qStruct({ Code: qString, Value: qString }));

/** Per operation: its input and, where it has one, its output (the `<Action>Result` element). */
export const CLOUDWATCH_QUERY_SHAPES = {
  PutMetricData: { input: qStruct({ Namespace: qString, MetricData: qList(metricDatum) }) },
  GetMetricStatistics: {
    input: qStruct({
      Namespace: qString,
      MetricName: qString,
      Dimensions: dimensions,
      StartTime: qTimestamp,
      EndTime: qTimestamp,
      Period: qInteger,
      Statistics: strings,
      ExtendedStatistics: strings,
      Unit: qString,
    }),
    output: qStruct({
      Label: qString,
      Datapoints: qList(
        qStruct({
          Timestamp: qTimestamp,
          SampleCount: qDouble,
          Average: qDouble,
          Sum: qDouble,
          Minimum: qDouble,
          Maximum: qDouble,
          Unit: qString,
          ExtendedStatistics: qMap(qDouble),
        }),
      ),
    }),
  },
  GetMetricData: {
    input: qStruct({
      MetricDataQueries: metricDataQueries,
      StartTime: qTimestamp,
      EndTime: qTimestamp,
      NextToken: qString,
      ScanBy: qString,
      MaxDatapoints: qInteger,
    }),
    output: qStruct({
      MetricDataResults: qList(
        qStruct({ Id: qString, Label: qString, Timestamps: qList(qTimestamp), Values: qList(qDouble), StatusCode: qString, Messages: messages }),
      ),
      NextToken: qString,
      Messages: messages,
    }),
  },
  ListMetrics: {
    input: qStruct({ Namespace: qString, MetricName: qString, Dimensions: dimensions, NextToken: qString, RecentlyActive: qString }),
    output: qStruct({ Metrics: qList(metric), NextToken: qString }),
  },
  PutMetricAlarm: {
    input: qStruct({
      AlarmName: qString,
      AlarmDescription: qString,
      ActionsEnabled: qBoolean,
      ...alarmActions,
      ...alarmMetric,
      ...alarmRule,
      Metrics: metricDataQueries,
      Tags: qList(qStruct({ Key: qString, Value: qString })),
      ThresholdMetricId: qString,
    }),
  },
  DescribeAlarms: {
    input: qStruct({
      AlarmNames: strings,
      AlarmNamePrefix: qString,
      AlarmTypes: strings,
      ChildrenOfAlarmName: qString,
      ParentsOfAlarmName: qString,
      StateValue: qString,
      ActionPrefix: qString,
      MaxRecords: qInteger,
      NextToken: qString,
    }),
    // Mailroom has no composite alarms: CompositeAlarms is always the empty list, so its element shape is never used.
    output: qStruct({ CompositeAlarms: qList(qStruct({})), MetricAlarms: metricAlarms, NextToken: qString }),
  },
  DescribeAlarmsForMetric: { input: qStruct(alarmMetric), output: qStruct({ MetricAlarms: metricAlarms }) },
  DeleteAlarms: { input: alarmNames },
  EnableAlarmActions: { input: alarmNames },
  DisableAlarmActions: { input: alarmNames },
  SetAlarmState: { input: qStruct({ AlarmName: qString, StateValue: qString, StateReason: qString, StateReasonData: qString }) },
  DescribeAlarmHistory: {
    input: qStruct({
      AlarmName: qString,
      AlarmTypes: strings,
      HistoryItemType: qString,
      StartDate: qTimestamp,
      EndDate: qTimestamp,
      MaxRecords: qInteger,
      NextToken: qString,
      ScanBy: qString,
    }),
    output: qStruct({
      AlarmHistoryItems: qList(
        qStruct({ AlarmName: qString, AlarmType: qString, Timestamp: qTimestamp, HistoryItemType: qString, HistorySummary: qString, HistoryData: qString }),
      ),
      NextToken: qString,
    }),
  },
} satisfies Record<string, { input: QueryStructure; output?: QueryStructure }>;

export type CloudWatchOperationName = keyof typeof CLOUDWATCH_QUERY_SHAPES;
