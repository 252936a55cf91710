/**
 * What monitoring costs:
 * (a) metric recording on the delivery path: deliveries per second to a local HTTP sink (bench/delivery.ts (a)),
 *     with Mailroom's AWS/* metrics recorded and with the recorder switched off, alternating in the same run so
 *     both see the same machine; and (a′) the recorder's own cost per delivery, measured alone;
 * (b) one alarm evaluation round over 10,000 alarms (Mailroom's limit), each the default depth alarm — the seed's —
 *     on its own queue (AWS/SQS ApproximateNumberOfMessagesVisible, Maximum over 5 minutes, ten minutes of
 *     per-minute data each, half of them breaching), with no actions: the first round, in which every alarm leaves INSUFFICIENT_DATA (a state write and history
 *     item each), and a steady round a minute later, in which none changes.
 *
 *   node --import tsx bench/monitoring.ts [events for (a), default 20000] [alarms for (b), default 10000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/clock.js';
import pino from 'pino';
import { createMailroom } from '../src/mailroom.js';
import { dlqDepthAlarm } from '../src/monitoring/defaults/default-alarms.js';
import { MetricRecorder } from '../src/monitoring/metric-recorder.js';
import { openStore } from '../src/store/index.js';
import type { MetricDatum } from '../src/store/metrics.js';
import { deliveriesPerSecond } from './delivery.js';

const MINUTE = 60_000;

export async function recordingOverhead(events: number, rounds = 3): Promise<{ withMetrics: number[]; without: number[] }> {
  const withMetrics: number[] = [];
  const without: number[] = [];
  // A warm-up run first (JIT, the sink process, SQLite's first files), not counted.
  await deliveriesPerSecond(Math.min(events, 5_000));
  for (let i = 0; i < rounds; i++) {
    withMetrics.push((await deliveriesPerSecond(events)).perSecond);
    without.push((await deliveriesPerSecond(events, { metrics: false })).perSecond);
  }
  return { withMetrics, without };
}

/**
 * The recorder alone: the adds one successful delivery makes (its latency, and Invocations per account, rule, and
 * bus and rule — src/delivery/target-handler.ts), a million times, flushes included. A bound on (a) that the
 * machine's noise does not blur.
 */
export async function addsPerDelivery(deliveries = 1_000_000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = await openStore({ dataDir: dir, clock });
  const recorder = new MetricRecorder(store, clock, pino({ level: 'silent' }));
  try {
    const start = performance.now();
    for (let i = 0; i < deliveries; i++) {
      const d = { bus: 'orders', ruleName: `rule-${i % 10}` };
      recorder.add('AWS/Events', 'IngestionToInvocationStartLatency', {}, i % 50, 'Milliseconds');
      recorder.add('AWS/Events', 'Invocations', {}, 1);
      recorder.add('AWS/Events', 'Invocations', { RuleName: d.ruleName }, 1);
      recorder.add('AWS/Events', 'Invocations', { EventBusName: d.bus, RuleName: d.ruleName }, 1);
      // A minute of clock time every 10,000 deliveries: new buckets, and the recorder's flushes.
      if (i % 10_000 === 9_999) clock.advance(MINUTE);
    }
    await recorder.flush();
    return ((performance.now() - start) * 1000) / deliveries;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function evaluationRound(alarms: number): Promise<{ createMs: number; firstMs: number; steadyMs: number; inAlarm: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
  // 30 s past a 5-minute boundary: the alarms are first evaluated at 10:01:10, judging the period 09:55–10:00.
  const t0 = Date.UTC(2026, 0, 1, 10, 0, 30);
  const clock = new ManualClock(t0);
  const m = await createMailroom({ dataDir: dir, clock, deliver: false });
  try {
    const ctx = m.context();
    const queue = (i: number) => `q-${String(i).padStart(5, '0')}`;
    const start = performance.now();
    // The secure defaults' depth alarm, without its action (a notification is SNS's cost, not the evaluation's).
    for (let i = 0; i < alarms; i++) await m.cloudWatch.alarms.put(dlqDepthAlarm(`arn:aws:sqs:${ctx.region}:${ctx.accountId}:${queue(i)}`)!.input, ctx);
    const createMs = performance.now() - start;
    const data: MetricDatum[] = [];
    for (let i = 0; i < alarms; i++) {
      const visible = i % 2;
      for (let minute = t0 - 10 * MINUTE - (t0 % MINUTE); minute < t0 - (t0 % MINUTE); minute += MINUTE) {
        data.push({ namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue(i) }, minute, unit: 'Count', sum: visible, count: 1, min: visible, max: visible });
      }
    }
    for (let i = 0; i < data.length; i += 5_000) await m.store.recordMetrics(data.slice(i, i + 5_000));

    const round = async (to: number) => {
      const began = performance.now();
      clock.advance(to - clock.now());
      await m.cloudWatch.evaluator.idle();
      const next = await m.store.nextAlarmEvaluationAt();
      if (next === undefined || next <= clock.now()) throw new Error(`not every alarm was evaluated (next at ${next})`);
      return performance.now() - began;
    };
    const firstMs = await round(t0 + 40_000);
    const inAlarm = (await m.store.listAlarms({ state: 'ALARM', limit: alarms })).length;
    if (inAlarm !== Math.floor(alarms / 2)) throw new Error(`${inAlarm} alarms in ALARM, expected ${Math.floor(alarms / 2)}`);
    const steadyMs = await round(t0 + 40_000 + MINUTE);
    return { createMs, firstMs, steadyMs, inAlarm };
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const events = Number(process.argv[2] ?? 20_000);
  const a = await recordingOverhead(events);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const fmt = (xs: number[]) => xs.map((x) => Math.round(x).toLocaleString('en')).join(', ');
  console.log(`(a) deliveries/s to a local HTTP sink, ${events.toLocaleString('en')} events a run, alternating:`);
  console.log(`    with metrics:    ${fmt(a.withMetrics)}/s (mean ${Math.round(mean(a.withMetrics)).toLocaleString('en')})`);
  console.log(`    without metrics: ${fmt(a.without)}/s (mean ${Math.round(mean(a.without)).toLocaleString('en')})`);
  console.log(`    recording costs ${((1 - mean(a.withMetrics) / mean(a.without)) * 100).toFixed(1)}% of the throughput`);
  console.log(`(a′) the recorder alone: ${(await addsPerDelivery()).toFixed(2)} µs for the adds of one delivery`);
  const alarms = Number(process.argv[3] ?? 10_000);
  const b = await evaluationRound(alarms);
  console.log(`(b) ${alarms.toLocaleString('en')} alarms (created in ${(b.createMs / 1000).toFixed(1)} s, ${((b.createMs * 1000) / alarms).toFixed(0)} µs each):`);
  console.log(`    first round, every alarm changes state (${b.inAlarm.toLocaleString('en')} to ALARM): ${(b.firstMs / 1000).toFixed(2)} s, ${((b.firstMs * 1000) / alarms).toFixed(0)} µs an alarm`);
  console.log(`    steady round, no change: ${(b.steadyMs / 1000).toFixed(2)} s, ${((b.steadyMs * 1000) / alarms).toFixed(0)} µs an alarm (the budget: a minute)`);
}
