import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, ScaledClock } from '../src/clock.js';

describe('ManualClock', () => {
  it('fires timers in time order, each at its own time, only when advanced past them', () => {
    const clock = new ManualClock(1_000);
    const fired: [string, number][] = [];
    clock.setTimer(300, () => fired.push(['b', clock.now()]));
    clock.setTimer(100, () => fired.push(['a', clock.now()]));
    const cancelled = clock.setTimer(200, () => fired.push(['never', clock.now()]));
    cancelled.cancel();
    clock.advance(99);
    assert.deepEqual(fired, []);
    clock.advance(500);
    assert.deepEqual(fired, [['a', 1_100], ['b', 1_300]]);
    assert.equal(clock.now(), 1_599);
    assert.equal(clock.pendingTimers, 0);
  });

  it('fires timers that timers set, when they fall inside the same advance', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    clock.setTimer(10, () => {
      at.push(clock.now());
      clock.setTimer(10, () => at.push(clock.now()));
    });
    clock.advance(25);
    assert.deepEqual(at, [10, 20]);
  });

  it('sleeps until advanced, and rejects when aborted', async () => {
    const clock = new ManualClock(0);
    const slept = clock.sleep(50);
    clock.advance(50);
    await slept;
    const controller = new AbortController();
    const aborted = clock.sleep(50, controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(aborted, /stop/);
    assert.equal(clock.pendingTimers, 0);
  });
});

describe('ScaledClock', () => {
  it('runs N times faster than the wall clock', async () => {
    const realStart = Date.now();
    const clock = new ScaledClock(1000);
    const start = clock.now();
    // Starts at the real time: only the real milliseconds since construction, scaled, can separate them.
    assert.ok(Math.abs(start - realStart) <= (Date.now() - realStart + 1) * 1000, 'scaled time starts at the real time');
    await clock.sleep(2_000); // two simulated seconds: about 2 ms of real time
    const simulated = clock.now() - start;
    assert.ok(simulated >= 2_000);
    assert.ok(simulated <= (Date.now() - realStart + 1) * 1000, 'no faster than N times the real time');
  });

  it('refuses a scale that is not a positive number', () => {
    assert.throws(() => new ScaledClock(0), RangeError);
    assert.throws(() => new ScaledClock(Number.NaN), RangeError);
  });
});
