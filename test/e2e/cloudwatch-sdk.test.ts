/**
 * CloudWatch end to end with @aws-sdk/client-cloudwatch v3 against a `mailroom serve` process at --time-scale 600
 * (a simulated minute in 0.1 s). This SDK version sends awsJson 1.0 by default (checked below); the same client
 * configured with the SDK's own AwsSmithyRpcV2CborProtocol sends rpc-v2-cbor, so every step runs over both. Waits
 * for simulated time are SQS long polls on an empty queue, never sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { decodeCbor, encodeCbor } from '../../src/protocols/rpc-v2-cbor.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const SERVICE_PATH = '/service/GraniteServiceVersion20100801/operation/';

describe('CloudWatch with @aws-sdk/client-cloudwatch', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  let json: CloudWatchClient;
  let cbor: CloudWatchClient;
  let sqs: SQSClient;
  let tickQueue: string;
  const sent: { protocol: string; path: string; headers: Record<string, string> }[] = [];

  function client(protocol?: typeof AwsSmithyRpcV2CborProtocol): CloudWatchClient {
    const c = new CloudWatchClient({ endpoint: server.url, region: REGION, credentials, ...(protocol && { protocol }) });
    c.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { path: string; headers: Record<string, string> };
        sent.push({ protocol: protocol ? 'cbor' : 'json', path: request.path, headers: request.headers });
        return next(args);
      },
      { step: 'finalizeRequest' },
    );
    return c;
  }

  /** Lets about 20 simulated seconds pass: an empty long poll. */
  const tick = () => sqs.send(new ReceiveMessageCommand({ QueueUrl: tickQueue, WaitTimeSeconds: 20 }));
  const serverNow = async () => Date.parse(((await (await fetch(`${server.url}/_mailroom/clock`)).json()) as { now: string }).now);
  /** Polls `read` (letting simulated time pass between reads) until `done` holds for its result. */
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const value = await read();
      if (done(value)) return value;
      await tick();
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  before(async () => {
    server = await startServerProcess({ timeScale: 600 });
    json = client();
    cbor = client(AwsSmithyRpcV2CborProtocol);
    sqs = new SQSClient({ endpoint: server.url, region: REGION, credentials });
    tickQueue = (await sqs.send(new CreateQueueCommand({ QueueName: 'tick' }))).QueueUrl!;
  });
  after(async () => {
    json.destroy();
    cbor.destroy();
    sqs.destroy();
    await server.stop();
    removeDir(server.dataDir);
  });

  it('sends awsJson 1.0 by default and rpc-v2-cbor with the CBOR protocol, and both read the same metrics', async () => {
    sent.length = 0;
    await cbor.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'Orders', Values: [1, 2, 3], Counts: [1, 1, 2], Dimensions: [{ Name: 'Store', Value: 'A' }], Unit: 'Count' }] }));
    await json.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'Orders', Value: 4, Dimensions: [{ Name: 'Store', Value: 'A' }], Unit: 'Count' }] }));
    assert.equal(sent[0]!.path, `${SERVICE_PATH}PutMetricData`);
    assert.equal(sent[0]!.headers['smithy-protocol'], 'rpc-v2-cbor');
    assert.equal(sent[0]!.headers['content-type'], 'application/cbor');
    assert.equal(sent[1]!.path, '/');
    assert.equal(sent[1]!.headers['x-amz-target'], 'GraniteServiceVersion20100801.PutMetricData');
    assert.equal(sent[1]!.headers['content-type'], 'application/x-amz-json-1.0');

    const now = await serverNow();
    const query = { Namespace: 'Shop', MetricName: 'Orders', Dimensions: [{ Name: 'Store', Value: 'A' }], StartTime: new Date(now - 3_600_000), EndTime: new Date(now + 60_000), Period: 3600 };
    for (const c of [json, cbor]) {
      const stats = await c.send(new GetMetricStatisticsCommand({ ...query, Statistics: ['Sum', 'SampleCount', 'Average', 'Maximum'] }));
      const total = stats.Datapoints!.reduce((n, d) => n + d.Sum!, 0);
      assert.equal(total, 1 + 2 + 3 * 2 + 4);
      assert.equal(stats.Datapoints!.reduce((n, d) => n + d.SampleCount!, 0), 5);
      assert.ok(stats.Datapoints!.every((d) => d.Timestamp instanceof Date && d.Unit === 'Count'));
      const listed = await c.send(new ListMetricsCommand({ Namespace: 'Shop' }));
      assert.deepEqual(listed.Metrics, [{ Namespace: 'Shop', MetricName: 'Orders', Dimensions: [{ Name: 'Store', Value: 'A' }] }]);
      const data = await c.send(
        new GetMetricDataCommand({
          StartTime: query.StartTime,
          EndTime: query.EndTime,
          MetricDataQueries: [{ Id: 'orders', MetricStat: { Metric: { Namespace: 'Shop', MetricName: 'Orders', Dimensions: query.Dimensions }, Period: 3600, Stat: 'p50' }, Label: 'median' }],
        }),
      );
      const [result] = data.MetricDataResults!;
      assert.equal(result!.Label, 'median');
      assert.equal(result!.StatusCode, 'Complete');
      assert.ok(result!.Timestamps![0] instanceof Date);
    }
  });

  it('shows AWS/Events metrics for real PutEvents and deliveries', async () => {
    const events = new EventBridgeClient({ endpoint: server.url, region: REGION, credentials });
    try {
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'orders-target' }))).QueueUrl!;
      await events.send(new CreateEventBusCommand({ Name: 'orders' }));
      await events.send(new PutRuleCommand({ Name: 'placed', EventBusName: 'orders', EventPattern: '{"source":["shop"]}' }));
      await events.send(new PutTargetsCommand({ Rule: 'placed', EventBusName: 'orders', Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:orders-target' }] }));
      const entry = { EventBusName: 'orders', Source: 'shop', DetailType: 'Order Placed', Detail: '{"id":1}' };
      await events.send(new PutEventsCommand({ Entries: [entry, entry, entry] }));
      let received = 0;
      while (received < 3) received += (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }))).Messages?.length ?? 0;

      const dims = [{ Name: 'EventBusName', Value: 'orders' }, { Name: 'RuleName', Value: 'placed' }];
      const sumOf = async (MetricName: string) => {
        const now = await serverNow();
        const { Datapoints } = await cbor.send(new GetMetricStatisticsCommand({ Namespace: 'AWS/Events', MetricName, Dimensions: dims, StartTime: new Date(now - 3_600_000), EndTime: new Date(now + 60_000), Period: 3600, Statistics: ['Sum'] }));
        return Datapoints!.reduce((n, d) => n + d.Sum!, 0);
      };
      await until(() => sumOf('Invocations'), (n) => n === 3, 'Invocations to reach 3');
      assert.equal(await sumOf('TriggeredRules'), 3);
      const { Metrics } = await json.send(new ListMetricsCommand({ Namespace: 'AWS/Events', Dimensions: [{ Name: 'RuleName', Value: 'placed' }] }));
      const names = new Set(Metrics!.map((m) => m.MetricName));
      for (const name of ['Invocations', 'TriggeredRules']) assert.ok(names.has(name), `${name} listed: ${[...names].join(', ')}`);
    } finally {
      events.destroy();
    }
  });

  it('takes an alarm to ALARM and back to OK as simulated minutes pass', async () => {
    await cbor.send(
      new PutMetricAlarmCommand({
        AlarmName: 'dlq-depth',
        Namespace: 'Shop',
        MetricName: 'DeadLetters',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    const describe = async () => (await json.send(new DescribeAlarmsCommand({ AlarmNames: ['dlq-depth'] }))).MetricAlarms![0]!;
    // At 600× the first evaluation may already have run; the history below shows it started in INSUFFICIENT_DATA.
    assert.ok((await describe()).AlarmConfigurationUpdatedTimestamp instanceof Date);
    await until(describe, (a) => a.StateValue === 'OK', 'the first evaluation');
    await cbor.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'DeadLetters', Value: 2 }] }));
    const alarmed = await until(describe, (a) => a.StateValue === 'ALARM', 'ALARM');
    assert.match(alarmed.StateReason!, /^Threshold Crossed: 1 out of the last 1 datapoints \[2\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than or equal to the threshold \(1\.0\)/);
    assert.equal(JSON.parse(alarmed.StateReasonData!).recentDatapoints[0], 2);
    await until(describe, (a) => a.StateValue === 'OK', 'back to OK');
    const history = await cbor.send(new DescribeAlarmHistoryCommand({ AlarmName: 'dlq-depth', HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' }));
    assert.deepEqual(history.AlarmHistoryItems!.map((h) => h.HistorySummary), [
      'Alarm updated from INSUFFICIENT_DATA to OK',
      'Alarm updated from OK to ALARM',
      'Alarm updated from ALARM to OK',
    ]);
    await json.send(new DeleteAlarmsCommand({ AlarmNames: ['dlq-depth'] }));
  });

  it("refuses bad input with CloudWatch's codes over both protocols", async () => {
    for (const c of [json, cbor]) {
      const cases: [() => Promise<unknown>, string, string, RegExp][] = [
        [() => c.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ MetricName: 'x', Value: NaN }] })), 'InvalidParameterValueException', 'InvalidParameterValue', /MetricData\.member\.1\.Value/],
        [() => c.send(new PutMetricDataCommand({ Namespace: 'Shop', MetricData: [{ Value: 1 } as never] })), 'MissingRequiredParameterException', 'MissingParameter', /MetricData\.member\.1\.MetricName is required/],
        [
          () => c.send(new GetMetricStatisticsCommand({ Namespace: 'Shop', MetricName: 'x', StartTime: new Date(0), EndTime: new Date(60_000), Period: 60 })),
          'InvalidParameterCombinationException',
          'InvalidParameterCombination',
          /Statistics or ExtendedStatistics/,
        ],
        [
          () => c.send(new PutMetricAlarmCommand({ AlarmName: 'bad', Namespace: 'Shop', MetricName: 'x', Statistic: 'Sum', Period: 45, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' })),
          'ValidationException',
          'ValidationError',
          /Period must be 10, 20, 30 or a multiple of 60/,
        ],
        [
          () => c.send(new GetMetricDataCommand({ StartTime: new Date(0), EndTime: new Date(60_000), MetricDataQueries: [{ Id: 'm', Expression: 'SUM(METRICS())' }] })),
          'ValidationException',
          'ValidationError',
          /Metric math is not supported/,
        ],
        [() => c.send(new DeleteAlarmsCommand({ AlarmNames: ['never-created'] })), 'ResourceNotFound', 'ResourceNotFound', /never-created/],
        [() => c.send(new DescribeAlarmsCommand({ NextToken: 'forged' })), 'InvalidNextToken', 'InvalidNextToken', /NextToken/],
      ];
      for (const [call, name, code, message] of cases) {
        await assert.rejects(call(), (err: Error & { Code?: string; $metadata?: { httpStatusCode?: number } }) => {
          assert.equal(err.name, name, `${err.name}: ${err.message}`);
          assert.equal(err.Code, code);
          assert.match(err.message, message);
          return true;
        });
      }
    }
  });

  it('answers malformed CBOR and mixed protocols on the wire', async () => {
    const post = (path: string, body: Buffer, headers: Record<string, string>) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'smithy-protocol': 'rpc-v2-cbor', 'content-type': 'application/cbor', ...headers }, body });
    const garbage = await post(`${SERVICE_PATH}ListMetrics`, Buffer.from([0xbf, 0x61]), {});
    assert.equal(garbage.status, 400);
    assert.equal(garbage.headers.get('smithy-protocol'), 'rpc-v2-cbor');
    assert.equal(garbage.headers.get('x-amzn-query-error'), 'SerializationException;Sender');
    assert.deepEqual(Object.keys(decodeCbor(Buffer.from(await garbage.arrayBuffer())) as object).sort(), ['__type', 'message']);
    const mixed = await post(`${SERVICE_PATH}ListMetrics`, encodeCbor({}), { 'x-amz-target': 'GraniteServiceVersion20100801.ListMetrics' });
    assert.equal(mixed.status, 400);
    const unknown = await post(`${SERVICE_PATH}DescribeEverything`, encodeCbor({}), {});
    assert.equal((decodeCbor(Buffer.from(await unknown.arrayBuffer())) as { __type: string }).__type, 'com.amazonaws.cloudwatch#UnknownOperationException');
    const empty = await post(`${SERVICE_PATH}DeleteAlarms`, encodeCbor({ AlarmNames: [] }), {});
    assert.equal(empty.status, 200);
    assert.equal((await empty.arrayBuffer()).byteLength, 0, 'no output, no body');
  });
});
