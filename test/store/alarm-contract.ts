/**
 * The AlarmStore and metric parts of the store contract (called by contract.ts), so every backend keeps alarm
 * state, history and evaluation claims, and merges metric distributions, the same way. Times are explicit: the
 * store never reads a clock for these.
 */
import assert from 'node:assert/strict';
import type { AlarmConfig, AlarmHistoryRecord, AlarmRecord } from '../../src/store/alarms.js';
import type { MetricDatum } from '../../src/store/metrics.js';
import type { Store } from '../../src/store/store.js';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

/** A minimal alarm configuration: Sum of App/Errors over 60 s, 1 of 1 above 1. */
export function alarmConfig(extra: Partial<AlarmConfig> = {}): AlarmConfig {
  return {
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    MetricName: 'Errors',
    Namespace: 'App',
    Statistic: 'Sum',
    Dimensions: [],
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanThreshold',
    ...extra,
  };
}

export function alarmRecord(name: string, extra: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    name,
    arn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`,
    config: alarmConfig({ AlarmActions: [`arn:aws:sns:us-east-1:000000000000:${name}-topic`] }),
    actionsEnabled: true,
    configUpdatedAt: T0,
    state: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', updatedAt: T0, transitionedAt: T0, version: 0 },
    nextEvaluationAt: T0 + MINUTE,
    ...extra,
  };
}

function historyItem(alarmName: string, timestamp: number, summary: string, type: AlarmHistoryRecord['type'] = 'StateUpdate'): AlarmHistoryRecord {
  return { alarmName, timestamp, type, summary, data: '{}' };
}

function datum(extra: Partial<MetricDatum>): MetricDatum {
  return { namespace: 'App', name: 'Latency', dimensions: {}, minute: T0, unit: 'None', sum: 0, count: 0, min: 0, max: 0, ...extra };
}

type Test = (title: string, fn: () => Promise<void>) => void;

export function alarmContract(test: Test, store: () => Store): void {
  const names = async (filter: Partial<Parameters<Store['listAlarms']>[0]> = {}) => (await store().listAlarms({ limit: 100, ...filter })).map((a) => a.name);

  test('putAlarm creates, and an update replaces the configuration but keeps state and schedule', async () => {
    assert.equal(await store().putAlarm(alarmRecord('cpu'), [historyItem('cpu', T0, 'Alarm "cpu" created', 'ConfigurationUpdate')]), 'created');
    const changed = await store().changeAlarmState({
      name: 'cpu',
      expectedVersion: 0,
      state: { value: 'ALARM', reason: 'high', reasonData: '{"a":1}', updatedAt: T0 + 1, transitionedAt: T0 + 1 },
      history: [],
    });
    assert.equal(changed?.state.version, 1);
    const update = alarmRecord('cpu', { actionsEnabled: false, configUpdatedAt: T0 + 5, nextEvaluationAt: T0 + 99 * MINUTE });
    update.config.Threshold = 9;
    assert.equal(await store().putAlarm(update, []), 'updated');
    const stored = await store().getAlarm('cpu');
    assert.equal(stored?.config.Threshold, 9);
    assert.equal(stored?.actionsEnabled, false);
    assert.equal(stored?.configUpdatedAt, T0 + 5);
    assert.deepEqual(stored?.state, { value: 'ALARM', reason: 'high', reasonData: '{"a":1}', updatedAt: T0 + 1, transitionedAt: T0 + 1, version: 1 });
    assert.equal(stored?.nextEvaluationAt, T0 + MINUTE);
    assert.equal(await store().countAlarms(), 1);
    assert.equal(await store().getAlarm('nope'), undefined);
  });

  test('listAlarms filters by names, prefix, state, action prefix and metric, ordered by name', async () => {
    await store().putAlarm(alarmRecord('b-2'), []);
    await store().putAlarm(alarmRecord('a-1'), []);
    const other = alarmRecord('b-1');
    other.config = { ...other.config, MetricName: 'Latency', AlarmActions: [], OKActions: ['arn:aws:sns:us-east-1:000000000000:ops'] };
    await store().putAlarm(other, []);
    await store().changeAlarmState({ name: 'b-2', expectedVersion: 0, state: { value: 'OK', reason: 'fine', updatedAt: T0, transitionedAt: T0 }, history: [] });
    assert.deepEqual(await names(), ['a-1', 'b-1', 'b-2']);
    assert.deepEqual(await names({ names: ['b-2', 'a-1', 'zz'] }), ['a-1', 'b-2']);
    assert.deepEqual(await names({ namePrefix: 'b-' }), ['b-1', 'b-2']);
    assert.deepEqual(await names({ state: 'OK' }), ['b-2']);
    assert.deepEqual(await names({ actionPrefix: 'arn:aws:sns:us-east-1:000000000000:op' }), ['b-1']);
    assert.deepEqual(await names({ metric: { namespace: 'App', name: 'Errors' } }), ['a-1', 'b-2']);
    assert.deepEqual(await names({ after: 'a-1', limit: 1 }), ['b-1', 'b-2'], 'limit + 1 rows tell the caller more follow');
  });

  test('deleteAlarms deletes all or, when one is missing, none', async () => {
    await store().putAlarm(alarmRecord('a'), []);
    await store().putAlarm(alarmRecord('b'), []);
    assert.deepEqual(await store().deleteAlarms(['a', 'missing'], [historyItem('a', T0, 'deleted')]), ['missing']);
    assert.deepEqual(await names(), ['a', 'b']);
    assert.deepEqual((await store().listAlarmHistory({ newestFirst: true, limit: 10 })).items, [], 'no history for a refused delete');
    assert.deepEqual(await store().deleteAlarms(['a', 'b'], [historyItem('a', T0, 'Alarm "a" deleted', 'ConfigurationUpdate')]), []);
    assert.deepEqual(await names(), []);
    assert.equal((await store().listAlarmHistory({ alarmName: 'a', newestFirst: true, limit: 10 })).items.length, 1, 'history outlives the alarm');
  });

  test('setAlarmActionsEnabled changes only what differs, with history for each change', async () => {
    await store().putAlarm(alarmRecord('a'), []);
    await store().putAlarm(alarmRecord('b', { actionsEnabled: false }), []);
    await store().setAlarmActionsEnabled(['a', 'b', 'missing'], false, (alarm) => [historyItem(alarm.name, T0, 'updated', 'ConfigurationUpdate')]);
    assert.equal((await store().getAlarm('a'))?.actionsEnabled, false);
    const history = await store().listAlarmHistory({ newestFirst: true, limit: 10 });
    assert.deepEqual(history.items.map((h) => h.alarmName), ['a']);
  });

  test('changeAlarmState writes only on the expected version, with its history', async () => {
    await store().putAlarm(alarmRecord('a'), []);
    const state = { value: 'ALARM' as const, reason: 'r', updatedAt: T0 + 1, transitionedAt: T0 + 1 };
    assert.equal(await store().changeAlarmState({ name: 'a', expectedVersion: 5, state, history: [historyItem('a', T0, 'x')] }), undefined);
    assert.equal((await store().getAlarm('a'))?.state.value, 'INSUFFICIENT_DATA');
    const changed = await store().changeAlarmState({ name: 'a', expectedVersion: 0, state, history: [historyItem('a', T0 + 1, 'Alarm updated from INSUFFICIENT_DATA to ALARM')] });
    assert.equal(changed?.state.value, 'ALARM');
    assert.equal(changed?.state.reasonData, undefined);
    const history = await store().listAlarmHistory({ newestFirst: true, limit: 10 });
    assert.deepEqual(history.items.map((h) => h.summary), ['Alarm updated from INSUFFICIENT_DATA to ALARM']);
    assert.equal(await store().changeAlarmState({ name: 'missing', expectedVersion: 0, state, history: [] }), undefined);
  });

  test('claimDueAlarms leases due alarms to one evaluator at a time; finish needs the lease', async () => {
    await store().putAlarm(alarmRecord('due-1', { nextEvaluationAt: T0 }), []);
    await store().putAlarm(alarmRecord('due-2', { nextEvaluationAt: T0 + 1000 }), []);
    await store().putAlarm(alarmRecord('later', { nextEvaluationAt: T0 + 10 * MINUTE }), []);
    assert.equal(await store().nextAlarmEvaluationAt(), T0);
    const now = T0 + 2000;
    const [first, second] = await Promise.all([
      store().claimDueAlarms({ now, owner: 'one', leaseUntil: now + MINUTE, limit: 10, horizon: now + 10 * MINUTE }),
      store().claimDueAlarms({ now, owner: 'two', leaseUntil: now + MINUTE, limit: 10, horizon: now + 10 * MINUTE }),
    ]);
    const claimed = [...first!, ...second!].map((a) => a.name).sort();
    assert.deepEqual(claimed, ['due-1', 'due-2'], 'each due alarm claimed exactly once');
    const holder = first!.some((a) => a.name === 'due-1') ? 'one' : 'two';
    const thief = holder === 'one' ? 'two' : 'one';
    assert.equal(await store().finishAlarmEvaluation({ name: 'due-1', owner: thief, nextEvaluationAt: T0 + 5 * MINUTE }), undefined);
    assert.equal((await store().getAlarm('due-1'))?.nextEvaluationAt, T0, 'a finish without the lease writes nothing');

    const changed = await store().finishAlarmEvaluation({
      name: 'due-1',
      owner: holder,
      nextEvaluationAt: T0 + 5 * MINUTE,
      change: { name: 'due-1', expectedVersion: 0, state: { value: 'OK', reason: 'ok', updatedAt: now, transitionedAt: now }, history: [historyItem('due-1', now, 'to OK')] },
    });
    assert.equal(changed?.state.value, 'OK');
    assert.equal((await store().getAlarm('due-1'))?.nextEvaluationAt, T0 + 5 * MINUTE);
    // Leased (due-2) and not yet due (due-1, later): nothing to claim until the lease runs out.
    assert.deepEqual(await store().claimDueAlarms({ now: now + 1, owner: 'three', leaseUntil: now + MINUTE, limit: 10, horizon: now + 10 * MINUTE }), []);
    const taken = await store().claimDueAlarms({ now: now + MINUTE, owner: 'three', leaseUntil: now + 2 * MINUTE, limit: 10, horizon: now + 10 * MINUTE });
    assert.deepEqual(taken.map((a) => a.name), ['due-2'], 'an expired lease is taken over');
    assert.equal(await store().finishAlarmEvaluation({ name: 'due-2', owner: 'three', nextEvaluationAt: T0 + 6 * MINUTE }), undefined, 'no change: nothing returned');
    assert.equal((await store().getAlarm('due-2'))?.nextEvaluationAt, T0 + 6 * MINUTE);
    assert.equal(await store().nextAlarmEvaluationAt(), T0 + 5 * MINUTE);
    // A clock that went back finds alarms scheduled beyond its horizon due.
    const back = await store().claimDueAlarms({ now: T0 - 60 * MINUTE, owner: 'four', leaseUntil: T0 - 59 * MINUTE, limit: 10, horizon: T0 - 55 * MINUTE });
    assert.deepEqual(back.map((a) => a.name).sort(), ['due-1', 'due-2', 'later']);
  });

  test('listAlarmHistory filters by alarm, type and time, in either order, a page at a time', async () => {
    await store().addAlarmHistory([
      historyItem('a', T0, 'a1', 'ConfigurationUpdate'),
      historyItem('a', T0 + 1, 'a2'),
      historyItem('b', T0 + 1, 'b1'),
      historyItem('a', T0 + 2, 'a3', 'Action'),
    ]);
    const all = await store().listAlarmHistory({ newestFirst: false, limit: 10 });
    assert.deepEqual(all.items.map((h) => h.summary), ['a1', 'a2', 'b1', 'a3']);
    assert.equal(all.after, undefined);
    assert.deepEqual((await store().listAlarmHistory({ alarmName: 'a', newestFirst: true, limit: 10 })).items.map((h) => h.summary), ['a3', 'a2', 'a1']);
    assert.deepEqual((await store().listAlarmHistory({ type: 'StateUpdate', newestFirst: true, limit: 10 })).items.map((h) => h.summary), ['b1', 'a2']);
    assert.deepEqual((await store().listAlarmHistory({ from: T0 + 1, to: T0 + 2, newestFirst: false, limit: 10 })).items.map((h) => h.summary), ['a2', 'b1']);
    const page1 = await store().listAlarmHistory({ newestFirst: true, limit: 2 });
    assert.deepEqual(page1.items.map((h) => h.summary), ['a3', 'b1']);
    const page2 = await store().listAlarmHistory({ newestFirst: true, limit: 2, after: page1.after });
    assert.deepEqual(page2.items.map((h) => h.summary), ['a2', 'a1']);
    assert.equal(page2.after, undefined);
  });

  test('recordMetrics merges aggregates and distributions; unknown distributions stay unknown', async () => {
    await store().recordMetrics([
      datum({ sum: 3, count: 2, min: 1, max: 2, distribution: [[2, 1], [1, 1]] }),
      datum({ sum: 5, count: 1, min: 5, max: 5 }),
      datum({ name: 'Recorded', sum: 6, count: 3, min: 1, max: 3 }),
      datum({ name: 'Recorded', sum: 1, count: 1, min: 1, max: 1 }),
    ]);
    const [latency] = await store().queryMetrics({ namespace: 'App', name: 'Latency', dimensions: {}, from: T0, to: T0 + MINUTE });
    assert.deepEqual({ ...latency }, datum({ sum: 8, count: 3, min: 1, max: 5, distribution: [[1, 1], [2, 1], [5, 1]] }));
    const [recorded] = await store().queryMetrics({ namespace: 'App', name: 'Recorded', dimensions: {}, from: T0, to: T0 + MINUTE });
    assert.equal(recorded?.distribution, undefined);
    assert.equal(recorded?.count, 4);
  });

  test('listMetrics lists metrics with data since a time, filtered by dimensions, a page at a time', async () => {
    await store().recordMetrics([
      datum({ namespace: 'A', name: 'x', dimensions: { Queue: 'q1' }, minute: T0 }),
      datum({ namespace: 'A', name: 'x', dimensions: { Queue: 'q2', Env: 'prod' }, minute: T0 }),
      datum({ namespace: 'A', name: 'y', dimensions: {}, minute: T0 - 10 * MINUTE }),
      datum({ namespace: 'B', name: 'x', dimensions: { Queue: 'q1' }, minute: T0 }),
    ]);
    const list = async (q: Partial<Parameters<Store['listMetrics']>[0]>) => store().listMetrics({ since: T0 - 60 * MINUTE, limit: 10, ...q });
    assert.deepEqual((await list({})).items.map((m) => `${m.namespace}/${m.name}/${JSON.stringify(m.dimensions)}`), [
      'A/x/{"Env":"prod","Queue":"q2"}',
      'A/x/{"Queue":"q1"}',
      'A/y/{}',
      'B/x/{"Queue":"q1"}',
    ]);
    assert.equal((await list({ since: T0 })).items.length, 3);
    assert.equal((await list({ namespace: 'A', name: 'x' })).items.length, 2);
    assert.deepEqual((await list({ dimensions: [{ name: 'Queue', value: 'q1' }] })).items.map((m) => m.namespace), ['A', 'B']);
    assert.deepEqual((await list({ dimensions: [{ name: 'Env' }] })).items.map((m) => m.dimensions.Queue), ['q2']);
    const page1 = await list({ limit: 3 });
    assert.equal(page1.items.length, 3);
    const page2 = await list({ limit: 3, after: page1.after });
    assert.deepEqual(page2.items.map((m) => m.namespace), ['B']);
    assert.equal(page2.after, undefined);
  });
}
