/** GroupCommit on its own, with a scripted flush: grouping, per-item and whole-group failures, close. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit, type FlushOutcomes } from '../../src/store/group-commit.js';

/** A GroupCommit whose flush records the groups it saw and fails as `fail` says. */
function recording(fail: (items: string[]) => FlushOutcomes | Error = (items) => items.map(() => undefined)) {
  const groups: string[][] = [];
  const commit = new GroupCommit<string>((items) => {
    groups.push(items);
    const outcome = fail(items);
    if (outcome instanceof Error) throw outcome;
    return outcome;
  });
  return { commit, groups };
}

describe('GroupCommit', () => {
  it('flushes items submitted in the same turn as one group, and later ones in the next', async () => {
    const { commit, groups } = recording();
    await Promise.all(['a', 'b', 'c'].map((i) => commit.submit(i)));
    await commit.submit('d');
    assert.deepEqual(groups, [['a', 'b', 'c'], ['d']]);
    assert.equal(commit.commits, 2);
  });

  it('rejects only the items the flush reports as failed', async () => {
    const { commit } = recording((items) => items.map((i) => (i === 'bad' ? new Error(`refused ${i}`) : undefined)));
    const results = await Promise.allSettled(['ok1', 'bad', 'ok2'].map((i) => commit.submit(i)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /refused bad/);
  });

  it('rejects every caller of a group whose flush throws, and keeps working', async () => {
    let broken = true;
    const { commit, groups } = recording((items) => (broken ? new Error('disk on fire') : items.map(() => undefined)));
    const results = await Promise.allSettled(['a', 'b'].map((i) => commit.submit(i)));
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(commit.commits, 0);
    broken = false;
    await commit.submit('c');
    assert.deepEqual(groups, [['a', 'b'], ['c']]);
    assert.equal(commit.commits, 1);
  });

  it('queues items that arrive during an asynchronous flush for the next one', async () => {
    const groups: string[][] = [];
    let release!: () => void;
    let flushing!: () => void;
    const started = new Promise<void>((r) => (flushing = r));
    const commit = new GroupCommit<string>(async (items) => {
      groups.push(items);
      if (groups.length === 1) {
        flushing();
        await new Promise<void>((r) => (release = r));
      }
      return items.map(() => undefined);
    });
    const first = commit.submit('a');
    await started;
    const second = Promise.all([commit.submit('b'), commit.submit('c')]);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(groups, [['a'], ['b', 'c']]);
  });

  it('close waits for queued items, then refuses new ones', async () => {
    const { commit, groups } = recording();
    const queued = commit.submit('a');
    await commit.close();
    assert.deepEqual(groups, [['a']]);
    await queued;
    await assert.rejects(commit.submit('b'), /closed/);
  });
});
