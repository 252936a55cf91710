/**
 * Shared setup for the in-process SQS tests: a Mailroom on a ManualClock in a temp directory, and small helpers
 * for asserting SQS errors and for waiting (on events, never sleeps) until a long poll is parked.
 */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ManualClock } from '../../src/clock.js';
import { ServiceError } from '../../src/errors.js';
import { createMailroom, type Mailroom } from '../../src/mailroom.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

export const T0 = Date.UTC(2026, 2, 1, 12, 0, 0);

export interface SqsFixture {
  mailroom: Mailroom;
  clock: ManualClock;
  close(): Promise<void>;
}

export async function openFixture(): Promise<SqsFixture> {
  const dir = tempDataDir('mailroom-sqs-');
  const clock = new ManualClock(T0);
  const mailroom = await createMailroom({ dataDir: dir, clock });
  return {
    mailroom,
    clock,
    close: async () => {
      await mailroom.close();
      removeDir(dir);
    },
  };
}

/** Asserts that `promise` rejects with the SQS error `code`, optionally with a message matching `message`. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ServiceError, `expected ServiceError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/**
 * Resolves once `n` long polls are parked (each loop turn lets the pending store calls settle). Bounded in real
 * time, not turns: a receive's store call may wait for an ingest commit's fsync first, which on a loaded machine
 * outlasts a thousand turns.
 */
export async function untilWaiting(mailroom: Mailroom, n = 1): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (mailroom.sqs.waitingReceivers !== n) {
    if (Date.now() > deadline) assert.fail(`expected ${n} waiting receivers, have ${mailroom.sqs.waitingReceivers}`);
    await nextTurn();
  }
}
