/**
 * What an operator sees of metrics and alarms without an SDK: Prometheus's GET /metrics (the latest complete
 * minute's figures with their dimensions as labels, plus process health), and the `mailroom alarms list` and
 * `mailroom metrics` commands, all against a server process at --time-scale 60: a simulated minute a second, slow
 * enough that the CLI, which takes about a second to start, still finds the data in its window.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { callJson } from '../helpers/aws-json.js';
import { REPO_ROOT, removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const CW = 'GraniteServiceVersion20100801';
const json10 = { 'content-type': 'application/x-amz-json-1.0' };

describe('metrics and alarms for operators', { timeout: 60_000 }, () => {
  let server: ServerProcess;

  const cw = async (operation: string, body: object) => {
    const response = await callJson(server.url, `${CW}.${operation}`, body, json10);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };
  const sqs = (operation: string, body: object) => callJson(server.url, `AmazonSQS.${operation}`, body, json10);
  /** Lets about 20 simulated seconds pass: an empty long poll. */
  const tick = () => sqs('ReceiveMessage', { QueueUrl: `${server.url}/000000000000/tick`, WaitTimeSeconds: 20 });
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args, '--endpoint', server.url], { cwd: REPO_ROOT, encoding: 'utf8' });

  before(async () => {
    server = await startServerProcess({ timeScale: 60 });
    await sqs('CreateQueue', { QueueName: 'tick' });
    await cw('PutMetricData', { Namespace: 'Shop', MetricData: [{ MetricName: 'OrdersPlaced', Values: [2, 5], Dimensions: [{ Name: 'StoreId', Value: 'A"1' }] }] });
    await cw('PutMetricAlarm', {
      AlarmName: 'orders-burst',
      Namespace: 'Shop',
      MetricName: 'OrdersPlaced',
      Dimensions: [{ Name: 'StoreId', Value: 'A"1' }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 1,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    // Until the minute of the data is complete and the alarm has been evaluated.
    for (let i = 0; i < 100; i++) {
      const { MetricAlarms } = (await cw('DescribeAlarms', {})) as { MetricAlarms: { StateValue: string }[] };
      if (MetricAlarms[0]!.StateValue === 'ALARM') break;
      await tick();
    }
  });
  after(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('exposes the figures of the latest complete minute and process health to Prometheus', async () => {
    // The minute the data went into is complete: at most one more simulated minute to wait for it to be the latest.
    let text = '';
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${server.url}/metrics`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      text = await response.text();
      if (text.includes('mailroom_shop_orders_placed_sum')) break;
      await tick();
    }
    assert.match(text, /# TYPE mailroom_shop_orders_placed_sum gauge\nmailroom_shop_orders_placed_sum\{store_id="A\\"1"\} 7\n/);
    assert.match(text, /\nmailroom_shop_orders_placed_count\{store_id="A\\"1"\} 2\n/);
    assert.match(text, /\nmailroom_shop_orders_placed_max\{store_id="A\\"1"\} 5\n/);
    assert.match(text, /\nmailroom_process_uptime_seconds \d+(\.\d+)?\n/);
    assert.match(text, /\nmailroom_process_heap_used_bytes \d+\n/);
    assert.match(text, /\nmailroom_deliveries_pending 0\n/);
    assert.match(text, /\nmailroom_alarms\{state="ALARM"\} 1\n/);
    assert.match(text, /\nmailroom_event_loop_delay_seconds\{quantile="0\.99"\} [\d.e-]+\n/);
  });

  it('lists alarms with `mailroom alarms list`', () => {
    const all = cli('alarms', 'list');
    assert.equal(all.status, 0, all.stderr);
    const [header, row] = all.stdout.trim().split('\n');
    assert.match(header!, /^NAME\s+STATE\s+METRIC\s+CONDITION\s+SINCE$/);
    assert.match(row!, /^orders-burst\s+ALARM\s+Shop OrdersPlaced StoreId=A"1 Sum\/60s\s+> 5 for 1 of 2\s+\d{4}-\d\d-\d\dT/);
    const none = cli('alarms', 'list', '--state', 'OK');
    assert.equal(none.stdout.trim(), 'no alarms');
    const bad = cli('alarms', 'list', '--state', 'RED');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /ValidationException: 1 validation error detected: Value 'RED' at 'stateValue'/);
  });

  it('shows the last minutes of each metric with `mailroom metrics`', () => {
    const shown = cli('metrics', '--namespace', 'Shop', '--minutes', '60');
    assert.equal(shown.status, 0, shown.stderr);
    const lines = shown.stdout.trim().split('\n');
    assert.equal(lines[0], 'Sum per minute (UTC, server clock)');
    assert.match(lines[1]!, /^METRIC\s+(\d\d:\d\d\s+){59}\d\d:\d\d$/);
    assert.match(lines[2]!, /^Shop OrdersPlaced StoreId=A"1\s+.*\b7\b/);
    const max = cli('metrics', '--namespace', 'Shop', '--statistic', 'Maximum', '--minutes', '60');
    assert.match(max.stdout, /\b5\b/);
    assert.equal(cli('metrics', '--minutes', '0').status, 1);
  });
});
