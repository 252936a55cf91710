/**
 * Three `mailroom serve --store postgres://...` processes on one embedded PostgreSQL, under load, losing nothing:
 *
 * - PutEvents go round-robin to the live processes; a rule sends every event to an API destination (a local HTTP
 *   sink). SendMessageBatch goes round-robin too, and a consumer on every process receives and deletes.
 * - Mid-load, one process is killed with `kill -9`; later it is started again, and then all three are restarted one
 *   after the other (SIGTERM, start again) while the load goes on.
 * - Every event a process accepted is delivered at least once (the deliveries the killed process had leased fall
 *   due again when their lease runs out), and every message a process accepted is received. No message is received
 *   twice inside its visibility timeout: for two receives of one message, the second answer came at least the
 *   visibility timeout after the first request was sent (a bound that only a real double claim can break).
 * - A CloudWatch alarm, evaluated by whichever process leases it, notifies the alerts webhook exactly once.
 *
 * Time runs 10× (`--time-scale`) from one origin (`--time-origin`) shared by every process, as their leases and
 * visibility timeouts must agree: they are seconds of wall time. (At 20× an API destination's 5 s timeout is 250 ms
 * of wall time, which a starved sink missed under heavy load: most attempts timed out and backed off for hours.) Every wait is for an event (a count reached, a
 * request arriving), bounded; the load's phases are counted in events accepted.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateApiDestinationCommand, CreateConnectionCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSink, type HttpSink } from '../helpers/http-sink.js';
import { TEST_ROOT_KEY, testDatabase } from '../helpers/postgres.js';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import pg from 'pg';
import { within } from './delivery-helpers.js';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const TIME_SCALE = 10;
const TIME_ORIGIN = Date.now();
/** The work queue's visibility timeout: 60 s of the servers' clock, 6 s of wall time. */
const VISIBILITY_SECONDS = 60;
const VISIBILITY_WALL_MS = (VISIBILITY_SECONDS * 1000) / TIME_SCALE;
const ALARM = 'load-alarm';
const ALERTS_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:mailroom-alerts';
/** Accepted events not yet delivered, at the most, before the producers wait: the load follows what delivery keeps up with. */
const BACKLOG = 1000;

const db = await testDatabase();

/** One of the three processes, as a load balancer sees it: its clients while it is up, nothing while it is down. */
interface Slot {
  server?: ServerProcess;
  events?: EventBridgeClient;
  sqs?: SQSClient;
  dataDirs: string[];
}

/** One receive of a message: when its request was sent, and when its answer came (wall clock). */
interface Receive {
  sentAt: number;
  answeredAt: number;
  consumer: number;
}

let store: string;
/** Order ids the API destination received. */
const delivered = new Set<string>();
let api: HttpSink;
let alerts: HttpSink;
const slots: Slot[] = [{ dataDirs: [] }, { dataDirs: [] }, { dataDirs: [] }];

async function start(slot: Slot): Promise<void> {
  // maxAttempts 1: a call to a process that dies is an error, counted as not accepted, never silently retried.
  const server = await startServerProcess({ store, timeScale: TIME_SCALE, env: { MAILROOM_ROOT_KEY: TEST_ROOT_KEY.base64 }, args: ['--time-origin', String(TIME_ORIGIN), '--alerts-webhook', `${alerts.url}/alerts`] });
  const config = { endpoint: server.url, region: REGION, credentials, maxAttempts: 1 };
  Object.assign(slot, { server, events: new EventBridgeClient(config), sqs: new SQSClient(config) });
  slot.dataDirs.push(server.dataDir);
  progressed();
}

/** Takes the slot out of the rotation, then stops its process: gracefully, or with kill -9. */
async function stop(slot: Slot, how: 'stop' | 'kill'): Promise<void> {
  const { server, events, sqs } = slot;
  Object.assign(slot, { server: undefined, events: undefined, sqs: undefined });
  await server?.[how]();
  events?.destroy();
  sqs?.destroy();
}

const live = () => slots.filter((s) => s.server !== undefined);

// The test's own progress (events accepted, messages received, processes up, notifications): waits wake on it.
const waiting: (() => void)[] = [];
function progressed(): void {
  for (const wake of waiting.splice(0)) wake();
}

/** Waits, progress by progress, until `done()` holds; fails naming `what` after `ms`. */
async function waitFor(done: () => boolean, what: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) assert.fail(`timed out waiting for ${what()}`);
    await within(new Promise<void>((resolve) => waiting.push(resolve)), left, what()).catch(() => undefined);
  }
}

before(async () => {
  api = await startSink((req, res) => {
    res.end('{"ok":true}');
    delivered.add((JSON.parse(req.body) as { id: string }).id);
    progressed();
  });
  alerts = await startSink((_req, res) => {
    res.end('ok');
    progressed();
  });
  store = await db.freshSchema();
  // Started together, so they also migrate the schema together.
  await Promise.all(slots.map(start));
});

after(async () => {
  for (const slot of slots) {
    await stop(slot, 'stop');
    for (const dir of slot.dataDirs) removeDir(dir);
  }
  await api.close();
  await alerts.close();
});

/** What the outbox holds, for a failure's message: deliveries by status, leased or not, retried or not. */
async function deliveryStates(): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: store });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT status, lease_owner IS NOT NULL AS leased, attempts > 0 AS retried, count(*)::int AS n, min(due_at) AS "firstDue"
       FROM deliveries GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

it('three processes under load: a kill -9 and a rolling restart lose no event and no message; one alarm, one notification', { timeout: 900_000 }, async () => {
  const admin = slots[0]!;
  const { QueueUrl } = await admin.sqs!.send(new CreateQueueCommand({ QueueName: 'work', Attributes: { VisibilityTimeout: String(VISIBILITY_SECONDS) } }));
  const conn = await admin.events!.send(new CreateConnectionCommand({ Name: 'api', AuthorizationType: 'API_KEY', AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } } }));
  const dest = await admin.events!.send(new CreateApiDestinationCommand({ Name: 'orders-api', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: `${api.url}/orders`, HttpMethod: 'POST' }));
  await admin.events!.send(new PutRuleCommand({ Name: 'orders', EventPattern: JSON.stringify({ source: ['load'] }) }));
  await admin.events!.send(new PutTargetsCommand({ Rule: 'orders', Targets: [{ Id: 'api', Arn: dest.ApiDestinationArn, InputPath: '$.detail' }] }));
  const cw = new CloudWatchClient({ endpoint: admin.server!.url, region: REGION, credentials });
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: ALARM,
      Namespace: 'Load',
      MetricName: 'Spike',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      AlarmActions: [ALERTS_TOPIC_ARN],
    }),
  );

  // Every process has the rule (read at start, or from the configuration change log): a probe through each arrives.
  for (const [i, slot] of slots.entries()) {
    await slot.events!.send(new PutEventsCommand({ Entries: [{ Source: 'load', DetailType: 'Probe', Detail: JSON.stringify({ id: `probe-${i}` }) }] }));
  }
  await waitFor(() => [0, 1, 2].every((i) => delivered.has(`probe-${i}`)), () => `probes delivered: ${[...delivered].join(', ')}`, 60_000);

  // The load: PutEvents and SendMessageBatch round-robin over the live processes, consumers on every live one.
  const accepted = new Set<string>();
  const sent = new Set<string>();
  const receives = new Map<string, Receive[]>();
  let failedCalls = 0;
  let loading = true;
  let consuming = true;
  let turn = 0;
  const nextLive = () => {
    const up = live();
    return up[turn++ % up.length];
  };

  async function produce(producer: number): Promise<void> {
    for (let batch = 0; loading; batch++) {
      await waitFor(() => accepted.size - delivered.size < BACKLOG || !loading, () => `the backlog to drop below ${BACKLOG}`, 180_000);
      const slot = nextLive();
      if (!slot) continue;
      const ids = Array.from({ length: 10 }, (_, i) => `p${producer}-b${batch}-${i}`);
      try {
        const out = await slot.events!.send(new PutEventsCommand({ Entries: ids.map((id) => ({ Source: 'load', DetailType: 'Order', Detail: JSON.stringify({ id }) })) }));
        out.Entries!.forEach((e, i) => e.EventId && accepted.add(ids[i]!));
        progressed();
        const msgs = await slot.sqs!.send(new SendMessageBatchCommand({ QueueUrl, Entries: ids.map((id, i) => ({ Id: String(i), MessageBody: id })) }));
        for (const ok of msgs.Successful ?? []) sent.add(ids[Number(ok.Id)]!);
        progressed();
      } catch {
        // The process went down under this call (or its client was closed): nothing counted as accepted.
        failedCalls++;
      }
    }
  }

  async function consume(consumer: number): Promise<void> {
    while (consuming) {
      const slot = slots[consumer]!;
      if (!slot.sqs) {
        await waitFor(() => slot.sqs !== undefined || !consuming, () => `process ${consumer} back`, 180_000);
        continue;
      }
      const sentAt = Date.now();
      try {
        const { Messages = [] } = await slot.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }));
        const answeredAt = Date.now();
        for (const m of Messages) receives.set(m.Body!, [...(receives.get(m.Body!) ?? []), { sentAt, answeredAt, consumer }]);
        progressed();
        if (Messages.length > 0) await slot.sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      } catch {
        failedCalls++;
      }
    }
  }

  const acceptedReaches = (n: number, what: string) => waitFor(() => accepted.size >= n, () => `${n} events accepted (${what}; ${accepted.size} so far)`, 180_000);
  const alarmNotifications = () =>
    alerts.requests.filter((r) => {
      try {
        const message = JSON.parse((JSON.parse(r.body) as { Message: string }).Message) as { AlarmName?: string; NewStateValue?: string };
        return message.AlarmName === ALARM && message.NewStateValue === 'ALARM';
      } catch {
        return false;
      }
    });

  const work = [produce(0), produce(1), consume(0), consume(1), consume(2)];
  try {
    await acceptedReaches(100, 'three processes');
    // The alarm's metric spikes once; whichever process leases the evaluation notifies the alerts topic.
    await cw.send(new PutMetricDataCommand({ Namespace: 'Load', MetricData: [{ MetricName: 'Spike', Value: 1 }] }));
    await waitFor(() => alarmNotifications().length >= 1, () => 'the alarm notification', 120_000);

    await acceptedReaches(accepted.size + 100, 'before the kill');
    await stop(slots[1]!, 'kill');
    await acceptedReaches(accepted.size + 100, 'two processes, one killed');
    await start(slots[1]!);

    // The rolling restart: each process in turn stops gracefully and starts again, under load.
    for (const slot of slots) {
      await acceptedReaches(accepted.size + 100, 'before a restart');
      await stop(slot, 'stop');
      await start(slot);
    }
    await acceptedReaches(accepted.size + 100, 'after the rolling restart');
    loading = false;
    const unreceived = () => [...sent].filter((id) => !receives.has(id));
    await waitFor(() => unreceived().length === 0, () => `${unreceived().length} of ${sent.size} accepted messages not received`, 120_000);
  } finally {
    loading = false;
    consuming = false;
    progressed();
  }
  await Promise.all(work);
  cw.destroy();

  const missing = () => [...accepted].filter((id) => !delivered.has(id));
  // The killed process's leased deliveries fall due when their lease (5 min, 30 s of wall time) runs out.
  await waitFor(() => missing().length === 0, () => `${missing().length} of ${accepted.size} accepted events delivered, e.g. ${missing().slice(0, 3).join(', ')}`, 300_000).catch(async (error: Error) => {
    assert.fail(`${error.message}; deliveries in the database: ${JSON.stringify(await deliveryStates())}`);
  });

  const doubles: string[] = [];
  for (const [id, list] of receives) {
    list.sort((a, b) => a.sentAt - b.sentAt);
    for (let i = 1; i < list.length; i++) {
      if (list[i]!.answeredAt - list[i - 1]!.sentAt < VISIBILITY_WALL_MS) doubles.push(`${id}: consumers ${list[i - 1]!.consumer} and ${list[i]!.consumer}`);
    }
  }
  assert.deepEqual(doubles, [], 'no message received twice inside its visibility timeout');
  assert.ok(accepted.size >= 700, `load went on through every phase (${accepted.size} events, ${sent.size} messages, ${failedCalls} calls failed)`);

  // Long after the spike (a restart of every process since), still the one notification.
  const notified = alarmNotifications();
  assert.equal(notified.length, 1, `one ALARM notification, got ${notified.length}`);
});
