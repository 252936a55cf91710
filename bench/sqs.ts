/**
 * SQS throughput over the awsJson 1.0 protocol, end to end: a real `mailroom serve` process; N producers call
 * SendMessageBatch with 10 messages, M consumers call ReceiveMessage (MaxNumberOfMessages 10, WaitTimeSeconds 1)
 * and DeleteMessageBatch with what they got. A message counts once it has been sent, received and deleted.
 *
 * Two queues in the same run and server, measured in alternating order: one created with default attributes and
 * one with SqsManagedSseEnabled=false. Each is labelled by the attributes the server reports for it; queues are
 * encrypted by default, so the difference between the two is the cost of encryption at rest.
 *
 * The client is a lean keep-alive awsJson client (bench/lib/json-client.ts) running on the same cores as the
 * server; `--sdk` adds a figure with @aws-sdk/client-sqs as the client. `--cpu-prof DIR` writes the server's CPU
 * profile there.
 *
 *   node --import tsx bench/sqs.ts [--seconds 8] [--producers 16] [--consumers 32] [--rounds 3] [--body-bytes 512]
 *                                  [--sdk] [--cpu-prof DIR]
 */
import { parseArgs } from 'node:util';
import { SQSClient, SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { removeDir, startServerProcess } from '../test/helpers/server-process.js';
import { cpuSeconds } from './lib/cpu.js';
import { jsonClient } from './lib/json-client.js';
import { percentile } from './lib/load.js';

const RECEIVE_WAIT_SECONDS = 1;
/** How long consumers may take to drain the queue once producers stop, before the run counts as failed. */
const DRAIN_LIMIT_MS = 60_000;

interface Received {
  id: string;
  handle: string;
}

/** The three calls of the load, whatever the client. Each resolves with how many entries succeeded. */
interface Driver {
  send(queueUrl: string, bodies: string[]): Promise<number>;
  receive(queueUrl: string): Promise<Received[]>;
  delete(queueUrl: string, handles: string[]): Promise<number>;
  close(): void;
}

/** Each message carries one String attribute, so attribute storage (and sealing) is on the measured path. */
const attributes = (body: string) => ({ trace: { DataType: 'String', StringValue: body.slice(0, 24) } });

function leanDriver(url: string, sockets: number): Driver {
  const client = jsonClient(url, { jsonVersion: '1.0', sockets });
  const entriesOk = (text: string) => (JSON.parse(text) as { Successful: unknown[] }).Successful.length;
  return {
    send: async (QueueUrl, bodies) =>
      entriesOk(await client.call('AmazonSQS.SendMessageBatch', JSON.stringify({ QueueUrl, Entries: bodies.map((MessageBody, i) => ({ Id: `m${i}`, MessageBody, MessageAttributes: attributes(MessageBody) })) }))),
    receive: async (QueueUrl) => {
      const body = JSON.stringify({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: RECEIVE_WAIT_SECONDS, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
      const { Messages = [] } = JSON.parse(await client.call('AmazonSQS.ReceiveMessage', body)) as { Messages?: { MessageId: string; ReceiptHandle: string }[] };
      return Messages.map((m) => ({ id: m.MessageId, handle: m.ReceiptHandle }));
    },
    delete: async (QueueUrl, handles) =>
      entriesOk(await client.call('AmazonSQS.DeleteMessageBatch', JSON.stringify({ QueueUrl, Entries: handles.map((ReceiptHandle, i) => ({ Id: `d${i}`, ReceiptHandle })) }))),
    close: () => client.close(),
  };
}

function sdkDriver(url: string): Driver {
  const client = new SQSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret' } });
  return {
    send: async (QueueUrl, bodies) =>
      (await client.send(new SendMessageBatchCommand({ QueueUrl, Entries: bodies.map((MessageBody, i) => ({ Id: `m${i}`, MessageBody, MessageAttributes: attributes(MessageBody) })) }))).Successful?.length ?? 0,
    receive: async (QueueUrl) => {
      const out = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: RECEIVE_WAIT_SECONDS, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      return (out.Messages ?? []).map((m) => ({ id: m.MessageId!, handle: m.ReceiptHandle! }));
    },
    delete: async (QueueUrl, handles) =>
      (await client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: handles.map((ReceiptHandle, i) => ({ Id: `d${i}`, ReceiptHandle })) }))).Successful?.length ?? 0,
    close: () => client.destroy(),
  };
}

interface LoadShape {
  seconds: number;
  producers: number;
  consumers: number;
  bodyBytes: number;
}

interface PhaseResult {
  messagesPerSecond: number;
  /** Server CPU (all threads) per message sent, received and deleted, in microseconds; and the client's. */
  serverCpuUsPerMessage: number;
  /** The server's main thread alone. */
  mainThreadUsPerMessage: number;
  clientCpuUsPerMessage: number;
  messages: number;
  emptyReceives: number;
  duplicates: number;
  /** Messages sent but not yet deleted when the producers stopped: near 0 when consumers keep up. */
  backlog: number;
  latenciesMs: { send: number[]; receive: number[]; delete: number[] };
}

async function phase(driver: Driver, queueUrl: string, load: LoadShape, serverPid: number): Promise<PhaseResult> {
  const latenciesMs = { send: [] as number[], receive: [] as number[], delete: [] as number[] };
  const timed = async <T>(into: number[], call: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await call();
    into.push(performance.now() - t0);
    return result;
  };
  const padding = 'x'.repeat(Math.max(0, load.bodyBytes - 40));
  let sent = 0;
  let deleted = 0;
  let emptyReceives = 0;
  let duplicates = 0;
  let producing = true;
  let backlog = 0;
  const seen = new Set<string>();
  const serverCpu0 = cpuSeconds(serverPid);
  const mainThread0 = cpuSeconds(serverPid, serverPid);
  const clientCpu0 = process.cpuUsage();
  const start = performance.now();
  let producedAt = start;
  let lastDeleteAt = start;

  const producer = async (p: number) => {
    for (let i = 0; performance.now() < start + load.seconds * 1000; i++) {
      const bodies = Array.from({ length: 10 }, (_, k) => `{"p":${p},"i":${i},"k":${k},"pad":"${padding}"}`);
      // Not `sent += await ...`: that reads `sent` before the await and loses other producers' counts.
      const accepted = await timed(latenciesMs.send, () => driver.send(queueUrl, bodies));
      sent += accepted;
    }
  };
  const consumer = async () => {
    while (producing || deleted < sent) {
      if (!producing && performance.now() - producedAt > DRAIN_LIMIT_MS) throw new Error(`drain stalled: ${deleted} of ${sent} deleted`);
      const messages = await timed(latenciesMs.receive, () => driver.receive(queueUrl));
      if (messages.length === 0) {
        emptyReceives++;
        continue;
      }
      for (const m of messages) {
        if (seen.has(m.id)) duplicates++;
        seen.add(m.id);
      }
      const gone = await timed(latenciesMs.delete, () => driver.delete(queueUrl, messages.map((m) => m.handle)));
      deleted += gone;
      lastDeleteAt = performance.now();
    }
  };
  const producers = Promise.all(Array.from({ length: load.producers }, (_, p) => producer(p))).then(() => {
    producing = false;
    producedAt = performance.now();
    backlog = sent - deleted;
  });
  await Promise.all([producers, ...Array.from({ length: load.consumers }, () => consumer())]);
  const clientCpu = process.cpuUsage(clientCpu0);
  return {
    messagesPerSecond: deleted / ((lastDeleteAt - start) / 1000),
    serverCpuUsPerMessage: ((cpuSeconds(serverPid) - serverCpu0) * 1e6) / deleted,
    mainThreadUsPerMessage: ((cpuSeconds(serverPid, serverPid) - mainThread0) * 1e6) / deleted,
    clientCpuUsPerMessage: (clientCpu.user + clientCpu.system) / deleted,
    messages: deleted,
    emptyReceives,
    duplicates,
    backlog,
    latenciesMs,
  };
}

interface QueueFigures {
  label: string;
  messagesPerSecond: number[];
  serverCpuUsPerMessage: number[];
  mainThreadUsPerMessage: number[];
  clientCpuUsPerMessage: number[];
  messages: number;
  emptyReceives: number;
  duplicates: number;
  backlogs: number[];
  latenciesMs: { send: number[]; receive: number[]; delete: number[] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The queue's label: how it was created, and the attributes that decide how its messages are stored as the server reports them. */
async function describeQueue(call: (target: string, body: object) => Promise<Record<string, unknown>>, queueUrl: string, created: string): Promise<string> {
  const { Attributes: a } = (await call('AmazonSQS.GetQueueAttributes', { QueueUrl: queueUrl, AttributeNames: ['All'] })) as { Attributes: Record<string, string> };
  const kms = a.KmsMasterKeyId ? `, KmsMasterKeyId=${a.KmsMasterKeyId}` : '';
  return `created with ${created} → SqsManagedSseEnabled=${a.SqsManagedSseEnabled ?? '(absent)'}${kms}`;
}

export async function benchSqs(load: LoadShape & { rounds: number; sdk: boolean; cpuProfileDir?: string }) {
  const nodeArgs = load.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${load.cpuProfileDir}`] : [];
  const server = await startServerProcess({ nodeArgs });
  const control = jsonClient(server.url, { jsonVersion: '1.0', sockets: 1 });
  const call = async (target: string, body: object) => JSON.parse(await control.call(target, JSON.stringify(body))) as Record<string, unknown>;
  try {
    const queues: { url: string; figures: QueueFigures }[] = [];
    for (const [name, Attributes, created] of [
      ['bench-default', {}, 'default attributes'],
      ['bench-plaintext', { SqsManagedSseEnabled: 'false' }, 'SqsManagedSseEnabled=false'],
    ] as const) {
      const { QueueUrl } = (await call('AmazonSQS.CreateQueue', { QueueName: name, Attributes })) as { QueueUrl: string };
      const label = await describeQueue(call, QueueUrl, created);
      queues.push({ url: QueueUrl, figures: { label, messagesPerSecond: [], serverCpuUsPerMessage: [], mainThreadUsPerMessage: [], clientCpuUsPerMessage: [], messages: 0, emptyReceives: 0, duplicates: 0, backlogs: [], latenciesMs: { send: [], receive: [], delete: [] } } });
    }
    const sockets = load.producers + load.consumers;
    const run = async (driver: Driver, seconds: number, record: boolean) => {
      for (let round = 0; round < (record ? load.rounds : 1); round++) {
        // Alternate the order, so neither queue always runs on a warmer (or more loaded) machine.
        for (const q of round % 2 === 0 ? queues : [...queues].reverse()) {
          const r = await phase(driver, q.url, { ...load, seconds }, server.child.pid!);
          if (!record) continue;
          const f = q.figures;
          f.messagesPerSecond.push(r.messagesPerSecond);
          f.serverCpuUsPerMessage.push(r.serverCpuUsPerMessage);
          f.mainThreadUsPerMessage.push(r.mainThreadUsPerMessage);
          f.clientCpuUsPerMessage.push(r.clientCpuUsPerMessage);
          f.messages += r.messages;
          f.emptyReceives += r.emptyReceives;
          f.duplicates += r.duplicates;
          f.backlogs.push(r.backlog);
          for (const k of ['send', 'receive', 'delete'] as const) f.latenciesMs[k].push(...r.latenciesMs[k]);
        }
      }
    };
    const lean = leanDriver(server.url, sockets);
    try {
      // Warm up the server's JIT and SQLite's page cache on both queues first, as long as a measured round.
      await run(lean, load.seconds, false);
      await run(lean, load.seconds, true);
    } finally {
      lean.close();
    }
    let sdkFigures: PhaseResult | undefined;
    if (load.sdk) {
      const sdk = sdkDriver(server.url);
      try {
        sdkFigures = await phase(sdk, queues[0]!.url, load, server.child.pid!);
      } finally {
        sdk.close();
      }
    }
    for (const q of queues) {
      const { Attributes: a } = (await call('AmazonSQS.GetQueueAttributes', { QueueUrl: q.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })) as { Attributes: Record<string, string> };
      if (a.ApproximateNumberOfMessages !== '0' || a.ApproximateNumberOfMessagesNotVisible !== '0') throw new Error(`${q.figures.label}: queue not empty after the run: ${JSON.stringify(a)}`);
    }
    return { queues: queues.map((q) => q.figures), sdk: sdkFigures };
  } finally {
    control.close();
    await server.stop();
    removeDir(server.dataDir);
  }
}

const ms = (values: number[]) => `${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)}`;
const perSecond = (n: number) => Math.round(n).toLocaleString('en');

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: o } = parseArgs({
    options: {
      seconds: { type: 'string', default: '8' },
      producers: { type: 'string', default: '16' },
      // Twice the producers: a consumer makes two calls per batch (receive, delete) to a producer's one. With as many
      // consumers as producers the queue grew by 12,000-16,000 messages over a 6 s round while the server still had
      // CPU to spare: the figure measured the consumers' round trips, not the server (docs/benchmarks.md).
      consumers: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '3' },
      'body-bytes': { type: 'string', default: '512' },
      sdk: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
    },
  });
  const load = { seconds: Number(o.seconds), producers: Number(o.producers), consumers: Number(o.consumers), bodyBytes: Number(o['body-bytes']) };
  const result = await benchSqs({ ...load, rounds: Number(o.rounds), sdk: o.sdk, cpuProfileDir: o['cpu-prof'] });
  console.log(`${load.producers} producers × SendMessageBatch(10), ${load.consumers} consumers × ReceiveMessage(10, wait ${RECEIVE_WAIT_SECONDS} s) + DeleteMessageBatch(10); ${load.bodyBytes}-byte bodies + 1 attribute; ${load.seconds} s of sending per round, ${o.rounds} rounds, medians\n`);
  console.log('| queue | messages/s sent+received+deleted (each round) | server CPU µs/message: all threads / main thread (⇒ its ceiling, messages/s) | client CPU µs/message | SendMessageBatch p50 / p99 ms | ReceiveMessage p50 / p99 ms | DeleteMessageBatch p50 / p99 ms | empty receives | duplicates | backlog when sending stopped (each round) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const f of result.queues) {
    const each = f.messagesPerSecond.map(perSecond).join(', ');
    const main = median(f.mainThreadUsPerMessage);
    console.log(`| ${f.label} | **${perSecond(median(f.messagesPerSecond))}** (${each}) | ${median(f.serverCpuUsPerMessage).toFixed(0)} / ${main.toFixed(0)} (${perSecond(1e6 / main)}) | ${median(f.clientCpuUsPerMessage).toFixed(0)} | ${ms(f.latenciesMs.send)} | ${ms(f.latenciesMs.receive)} | ${ms(f.latenciesMs.delete)} | ${f.emptyReceives} | ${f.duplicates} | ${f.backlogs.map(perSecond).join(', ')} |`);
  }
  const [a, b] = result.queues;
  const change = (x: number, y: number) => `${x >= y ? '+' : '−'}${Math.abs((x / y - 1) * 100).toFixed(1)}%`;
  // Server CPU per message is the steadier measure of the two on a shared machine.
  console.log(`\nqueue ${a!.label} against queue ${b!.label}: server CPU per message ${change(median(a!.serverCpuUsPerMessage), median(b!.serverCpuUsPerMessage))}, throughput ${change(median(a!.messagesPerSecond), median(b!.messagesPerSecond))}`);
  if (result.sdk) {
    const s = result.sdk;
    console.log(`@aws-sdk/client-sqs as the client (${a!.label}, one round): ${perSecond(s.messagesPerSecond)} messages/s, client CPU ${s.clientCpuUsPerMessage.toFixed(0)} µs/message; p50 / p99 ms: send ${ms(s.latenciesMs.send)}, receive ${ms(s.latenciesMs.receive)}, delete ${ms(s.latenciesMs.delete)}`);
  }
}
