/** Time-ordered ids: delivery ids and event UUIDs sort by time and never repeat. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdGenerator, timeOrderedUuid } from '../../src/store/ids.js';

describe('IdGenerator', () => {
  it('makes 26-character ids that strictly increase, even when the clock steps back', () => {
    const ids = new IdGenerator();
    const times = [1000, 1000, 1001, 5000, 4000, 4000, 6000];
    const made = times.map((t) => ids.next(t));
    for (const id of made) assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    for (let i = 1; i < made.length; i++) assert.ok(made[i - 1] < made[i], `${made[i - 1]} < ${made[i]}`);
  });

  it('starts each id with its time, so ids from different generators sort by time', () => {
    const a = new IdGenerator().next(Date.UTC(2026, 0, 1));
    const b = new IdGenerator().next(Date.UTC(2026, 0, 1) + 1);
    assert.ok(a < b);
  });
});

describe('timeOrderedUuid', () => {
  it('is a version 7 UUID carrying the time, sorting by it', () => {
    const t = Date.UTC(2026, 0, 1);
    const id = timeOrderedUuid(t);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), t);
    assert.ok(timeOrderedUuid(t) < timeOrderedUuid(t + 1));
    assert.notEqual(timeOrderedUuid(t), timeOrderedUuid(t));
  });
});
