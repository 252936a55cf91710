/**
 * Runs message move tasks in the background, on the injected clock (so `--time-scale` speeds them up), at each
 * task's MaxNumberOfMessagesPerSecond (absent: MAX_MOVE_RATE).
 *
 * - Leases: a process runs only tasks it has claimed; every batch renews the lease and is fenced by it in the
 *   store, so two processes on one database never run the same task. A process that dies simply lets its leases
 *   run out; another runner, which armed a timer for that lease's end, then takes the task over. A graceful stop
 *   gives leases back, so a restart resumes at once.
 * - Rate: a batch of ceil(rate / 10) messages (one transaction) every batch / rate seconds, on a fixed timeline —
 *   each batch is due one interval after the previous one was due, not after it finished — so the rate holds
 *   however long the store takes; a runner that fell more than a second behind starts a new timeline.
 * - Loud failures: a task that fails is logged as an error and counted (`Mailroom/Redrive` `MoveTaskFailures`);
 *   a batch that throws is logged and tried again a second later.
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { MoveTaskRecord, MoveTaskStore } from '../store/move-tasks.js';
import { MAX_MOVE_RATE } from './move-tasks.js';

export interface MoveTaskRunnerOptions {
  store: MoveTaskStore;
  clock: Clock;
  logger: Logger;
  metrics?: MetricRecorder;
  /** Identifies this process's leases. */
  owner: string;
  /** Wakes long polls of a queue that received moved messages. */
  arrived: (queue: string) => void;
  /** How long a claim lasts without a batch renewing it (clock time). */
  leaseMs?: number;
  /** At most this many tasks run in this process at once. */
  maxTasks?: number;
}

interface Running {
  task: MoveTaskRecord;
  /** When the next batch is due (clock time). */
  dueAt: number;
  timer?: TimerHandle;
  /** The batch in progress, if any. */
  batch?: Promise<void>;
}

const RETRY_MS = 1_000;

export class MoveTaskRunner {
  readonly #o: Required<Omit<MoveTaskRunnerOptions, 'metrics'>> & Pick<MoveTaskRunnerOptions, 'metrics'>;
  readonly #running = new Map<string, Running>();
  #pollTimer: TimerHandle | undefined;
  #claiming: Promise<void> | undefined;
  #claimAgain = false;
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(options: MoveTaskRunnerOptions) {
    this.#o = { leaseMs: 60_000, maxTasks: 64, ...options };
  }

  /** Nothing is being claimed or moved right now (tests on a ManualClock wait for this before advancing). */
  get idle(): boolean {
    return this.#claiming === undefined && [...this.#running.values()].every((r) => r.batch === undefined);
  }

  /** Tasks this process is running (for tests and diagnostics). */
  get runningTasks(): number {
    return this.#running.size;
  }

  /** Claims the tasks nobody holds (those of a previous run, after a restart) and starts the periodic claim. */
  start(): void {
    this.#started = true;
    this.#claim();
  }

  /**
   * A task was started or cancelled: claim it if it is new, or run its next batch now if it is ours (a pending
   * cancel is finished before anything more moves).
   */
  changed(handle: string): void {
    if (!this.#started || this.#stopping) return;
    const running = this.#running.get(handle);
    if (!running) return this.#claim();
    if (running.batch) return;
    running.timer?.cancel();
    this.#batch(running);
  }

  /** Stops claiming, lets batches in progress finish, and gives every lease back. */
  stop(): Promise<void> {
    return (this.#stopping ??= this.#shutdown());
  }

  #claim(): void {
    if (this.#claiming) {
      this.#claimAgain = true;
      return;
    }
    this.#claiming = this.#claimLoop().finally(() => {
      this.#claiming = undefined;
    });
  }

  async #claimLoop(): Promise<void> {
    let nextLeaseEnd: number | undefined;
    do {
      this.#claimAgain = false;
      if (this.#stopping) return;
      const free = this.#o.maxTasks - this.#running.size;
      try {
        const now = this.#o.clock.now();
        // With no room, claim nothing but still learn when to look again.
        const claimed = await this.#o.store.claimMoveTasks({ owner: this.#o.owner, now, leaseUntil: now + this.#o.leaseMs }, Math.max(0, free));
        nextLeaseEnd = claimed.nextLeaseEnd;
        for (const task of claimed.tasks) {
          const running: Running = { task, dueAt: this.#o.clock.now() };
          // Kept even when stopping, so that the shutdown gives its lease back.
          this.#running.set(task.handle, running);
          this.#o.logger.info({ task: task.handle, source: task.sourceArn, destination: task.destinationArn ?? "each message's source queue" }, 'message move task running');
          this.#batch(running);
        }
      } catch (err) {
        this.#o.logger.error({ err }, 'could not claim message move tasks; trying again shortly');
        nextLeaseEnd = this.#o.clock.now() + RETRY_MS;
      }
    } while (this.#claimAgain);
    // Look again when another process's lease may have run out (it died, or it gave the task back). Nothing to
    // watch, no timer: a task started in any process is claimed by that process's runner at once.
    this.#pollTimer?.cancel();
    this.#pollTimer = undefined;
    if (nextLeaseEnd !== undefined && !this.#stopping) {
      this.#pollTimer = this.#o.clock.setTimer(Math.max(0, nextLeaseEnd + 1 - this.#o.clock.now()), () => this.#claim());
    }
  }

  #batch(running: Running): void {
    running.timer = undefined;
    if (this.#stopping) return;
    running.batch = this.#runBatch(running).finally(() => {
      running.batch = undefined;
    });
  }

  async #runBatch(running: Running): Promise<void> {
    const { task } = running;
    const rate = task.maxPerSecond ?? MAX_MOVE_RATE;
    const size = Math.max(1, Math.ceil(rate / 10));
    const now = this.#o.clock.now();
    let result;
    try {
      result = await this.#o.store.moveMessages({ handle: task.handle, owner: this.#o.owner, now, leaseUntil: now + this.#o.leaseMs, max: size });
    } catch (err) {
      this.#o.logger.error({ err, task: task.handle, source: task.sourceArn }, 'a message move batch failed; trying again shortly');
      return this.#schedule(running, this.#o.clock.now() + RETRY_MS);
    }
    if (result.lost) {
      this.#running.delete(task.handle);
      this.#o.logger.warn({ task: task.handle }, 'message move task lease was lost; another process runs it now');
      return;
    }
    for (const queue of result.destinations) this.#o.arrived(queue);
    task.moved = result.total;
    if (result.status === 'RUNNING') {
      // The next batch is due when this one's messages have used up their share of the rate.
      const next = running.dueAt + (result.moved * 1000) / rate;
      return this.#schedule(running, next < this.#o.clock.now() - 1000 ? this.#o.clock.now() : next);
    }
    this.#running.delete(task.handle);
    const details = { task: task.handle, source: task.sourceArn, moved: result.total, toMove: task.toMove };
    if (result.status === 'FAILED') {
      this.#o.logger.error({ ...details, reason: result.failureReason }, 'message move task failed');
      this.#o.metrics?.add('Mailroom/Redrive', 'MoveTaskFailures', { QueueName: task.sourceQueue }, 1);
    } else {
      this.#o.logger.info(details, `message move task ${result.status === 'COMPLETED' ? 'completed' : 'cancelled'}`);
    }
  }

  #schedule(running: Running, dueAt: number): void {
    if (this.#stopping) return;
    running.dueAt = dueAt;
    running.timer = this.#o.clock.setTimer(Math.max(0, dueAt - this.#o.clock.now()), () => this.#batch(running));
  }

  async #shutdown(): Promise<void> {
    this.#pollTimer?.cancel();
    await this.#claiming;
    const all = [...this.#running.values()];
    for (const r of all) r.timer?.cancel();
    await Promise.all(all.map((r) => r.batch));
    for (const r of all) {
      await this.#o.store.releaseMoveTask(r.task.handle, this.#o.owner).catch((err: unknown) => this.#o.logger.warn({ err, task: r.task.handle }, 'could not give a message move task back; it resumes when its lease ends'));
    }
    this.#running.clear();
  }
}
