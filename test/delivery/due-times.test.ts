import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DueTimes } from '../../src/delivery/due-times.js';

describe('DueTimes', () => {
  it('gives the soonest due time, whatever the order they were added in', () => {
    const times = new DueTimes();
    assert.equal(times.soonest, undefined);
    for (const t of [500, 200, 900, 200, 700]) times.add(t);
    assert.equal(times.soonest, 200);
  });

  it('forgets what a claim has looked at, and keeps what falls due after it', () => {
    const times = new DueTimes();
    for (const t of [100, 200, 300]) times.add(t);
    // A timer that fires a millisecond early claims at 199: the retry due at 200 must still be known.
    times.claimedThrough(199);
    assert.equal(times.soonest, 200);
    times.claimedThrough(300);
    assert.equal(times.soonest, undefined);
  });

  it('keeps the soonest 1,024 when more are added', () => {
    const times = new DueTimes();
    for (let t = 2_000; t > 0; t--) times.add(t);
    times.claimedThrough(1_023);
    assert.equal(times.soonest, 1_024);
    times.claimedThrough(1_024);
    assert.equal(times.soonest, undefined, 'later ones were forgotten, for the safety poll to find');
  });
});
