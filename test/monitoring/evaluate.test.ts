/**
 * Alarm evaluation as a pure function: every ComparisonOperator at and around the threshold, CloudWatch's table of
 * TreatMissingData cases (docs, "How alarm state is evaluated when data is missing", 3 of 3 over a 5-period
 * range), M-of-N, and the reasons' exact wording.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, type EvaluatedPeriod } from '../../src/monitoring/alarms/evaluate.js';
import type { AlarmConfig } from '../../src/store/alarms.js';
import { alarmConfig } from '../store/alarm-contract.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0);
const MINUTE = 60_000;

const config = (extra: Partial<AlarmConfig> = {}) => alarmConfig({ EvaluationPeriods: 3, Threshold: 5, ...extra });

/**
 * Periods written as CloudWatch's docs write them, oldest to newest: `X` breaching (10), `0` not breaching (1),
 * `-` missing. Returned newest first, as the evaluator hands them over.
 */
function periods(pattern: string): EvaluatedPeriod[] {
  const cells = pattern.split(' ');
  return cells
    .map((c, i) => {
      const start = T0 + i * MINUTE;
      return c === '-' ? { start } : { start, value: c === 'X' ? 10 : 1, sampleCount: 1 };
    })
    .reverse();
}

const stateOf = (c: AlarmConfig, pattern: string) => evaluate(c, periods(pattern), T0 + 10 * MINUTE)?.state ?? 'retain';

describe('alarm evaluation', () => {
  it('compares with each operator at, below and above the threshold', () => {
    const cases: [string, number, boolean][] = [
      ['GreaterThanOrEqualToThreshold', 5, true],
      ['GreaterThanOrEqualToThreshold', 4.99, false],
      ['GreaterThanThreshold', 5, false],
      ['GreaterThanThreshold', 5.01, true],
      ['LessThanThreshold', 5, false],
      ['LessThanThreshold', 4.99, true],
      ['LessThanOrEqualToThreshold', 5, true],
      ['LessThanOrEqualToThreshold', 5.01, false],
    ];
    for (const [op, value, alarm] of cases) {
      const c = config({ ComparisonOperator: op, EvaluationPeriods: 1 });
      const decision = evaluate(c, [{ start: T0, value, sampleCount: 1 }], T0 + MINUTE);
      assert.equal(decision?.state, alarm ? 'ALARM' : 'OK', `${op} with ${value}`);
    }
  });

  it("follows CloudWatch's table for every TreatMissingData (3 of 3)", () => {
    // Data points (oldest → newest) → state for missing, ignore, breaching, notBreaching.
    const table: [string, string, string, string, string][] = [
      ['0 - X - X', 'OK', 'OK', 'OK', 'OK'],
      ['- - - - 0', 'OK', 'OK', 'OK', 'OK'],
      ['- - - - -', 'INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK'],
      ['0 X X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['- - X - -', 'ALARM', 'retain', 'ALARM', 'OK'],
    ];
    for (const [pattern, ...expected] of table) {
      const got = ['missing', 'ignore', 'breaching', 'notBreaching'].map((t) => stateOf(config({ TreatMissingData: t }), pattern));
      assert.deepEqual(got, expected, pattern);
    }
    assert.equal(stateOf(config(), '- - - - -'), 'INSUFFICIENT_DATA', 'missing is the default');
  });

  it('goes to ALARM on M of N breaching datapoints', () => {
    const c = (t: string) => config({ DatapointsToAlarm: 2, TreatMissingData: t });
    const table: [string, string, string, string, string][] = [
      ['0 0 0 X X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 0 X 0 X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['0 0 X 0 0', 'OK', 'OK', 'OK', 'OK'],
      ['- - X - X', 'ALARM', 'ALARM', 'ALARM', 'ALARM'],
      ['- - X - 0', 'OK', 'retain', 'ALARM', 'OK'],
      ['- - - - X', 'ALARM', 'retain', 'ALARM', 'OK'],
    ];
    for (const [pattern, ...expected] of table) {
      assert.deepEqual(['missing', 'ignore', 'breaching', 'notBreaching'].map((t) => stateOf(c(t), pattern)), expected, pattern);
    }
  });

  it("words the reasons as CloudWatch does", () => {
    const one = config({ EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    const alarm = evaluate(one, [{ start: T0, value: 1, sampleCount: 1 }], T0 + MINUTE + 10_000)!;
    assert.equal(
      alarm.reason,
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (01/01/26 10:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    assert.deepEqual(JSON.parse(alarm.reasonData), {
      version: '1.0',
      queryDate: '2026-01-01T10:01:10.000+0000',
      startDate: '2026-01-01T10:00:00.000+0000',
      statistic: 'Sum',
      period: 60,
      recentDatapoints: [1],
      threshold: 1,
      evaluatedDatapoints: [{ timestamp: '2026-01-01T10:00:00.000+0000', sampleCount: 1, value: 1 }],
    });
    assert.match(alarm.reasonData, /"threshold":1\.0,/);
    const ok = evaluate(one, [{ start: T0, value: 0.5, sampleCount: 2 }], T0 + MINUTE)!;
    assert.equal(
      ok.reason,
      'Threshold Crossed: 1 out of the last 1 datapoints [0.5 (01/01/26 10:00:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
    const three = evaluate(config({ DatapointsToAlarm: 2 }), periods('0 X X'), T0)!;
    assert.equal(
      three.reason,
      'Threshold Crossed: 2 out of the last 3 datapoints [10.0 (01/01/26 10:02:00), 10.0 (01/01/26 10:01:00)] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
    assert.equal(evaluate(config(), periods('- - -'), T0)!.reason, 'Insufficient Data: 3 datapoints were unknown.');
    assert.equal(
      evaluate(config({ EvaluationPeriods: 1, TreatMissingData: 'notBreaching' }), periods('- - -'), T0)!.reason,
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
    assert.equal(
      evaluate(config({ TreatMissingData: 'breaching' }), periods('- - - - -'), T0)!.reason,
      'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].',
    );
  });
});
