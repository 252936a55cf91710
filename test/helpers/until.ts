/**
 * Waiting for a condition in in-process tests: checked once per turn of the event loop (so pending store calls and
 * I/O settle in between), bounded in real time, failing with what was awaited — never a fixed sleep.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';

export async function until(done: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await nextTurn();
  }
}
