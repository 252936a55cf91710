/**
 * A move batch is one transaction (SQLite): when appending a copy fails halfway through a batch, the messages
 * already copied in that batch are not lost from the source nor duplicated — nothing of the batch is kept, the task
 * records no progress, and the next batch moves them all once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { task } from './move-task-contract.js';
import { message, queueRecord } from './queue-contract.js';

const T0 = Date.UTC(2026, 0, 1);
const root = mkdtempSync(join(tmpdir(), 'mailroom-move-batch-'));
after(() => rmSync(root, { recursive: true, force: true }));

it('a batch that fails halfway keeps every message where it was', async () => {
  const path = join(root, 'store.db');
  const store = await openStore({ path });
  try {
    await store.createQueue(queueRecord('dlq'), {});
    await store.createQueue(queueRecord('dest'), {});
    await store.sendMessages(['m1', 'm2', 'm3'].map((id) => message('dlq', id)));
    await store.createMoveTask(task('t', 'dlq', { destinationArn: queueRecord('dest').arn }));
    await store.claimMoveTasks({ owner: 'me', now: T0, leaseUntil: T0 + 60_000 }, 1);
    // The second copy into dest fails, as a full disk or a constraint would.
    const other = new Database(path);
    other.exec(`CREATE TRIGGER fail_second_copy BEFORE INSERT ON queue_messages
                WHEN NEW.queue = 'dest' AND (SELECT count(*) FROM queue_messages WHERE queue = 'dest') >= 1
                BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    await assert.rejects(store.moveMessages({ handle: 't', owner: 'me', now: T0, leaseUntil: T0 + 60_000, max: 10 }), /disk full/);
    const left = async (queue: string) => (await store.peekMessages(queue, T0, { limit: 10 })).items.map((m) => m.messageId);
    assert.deepEqual(await left('dlq'), ['m1', 'm2', 'm3']);
    assert.deepEqual(await left('dest'), []);
    assert.equal((await store.getMoveTask('t'))!.moved, 0);
    other.exec('DROP TRIGGER fail_second_copy');
    other.close();
    const retried = await store.moveMessages({ handle: 't', owner: 'me', now: T0 + 1, leaseUntil: T0 + 60_000, max: 10 });
    assert.ok(!retried.lost && retried.moved === 3);
    assert.deepEqual(await left('dlq'), []);
    assert.equal((await left('dest')).length, 3);
  } finally {
    await store.close();
  }
});
