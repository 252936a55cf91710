/**
 * The AWS/SQS gauges — `ApproximateNumberOfMessagesVisible`, `…NotVisible`, `…Delayed` and
 * `ApproximateAgeOfOldestMessage` (seconds) — sampled for every queue at the start of each minute of the clock's
 * time, with one store read for all queues, and recorded through the MetricRecorder like the counts. An empty
 * queue reports zeros, so an alarm on a queue sees a datapoint every minute.
 *
 * Every process that runs a sampler records its samples: on one shared database the Average, Minimum and Maximum
 * stay right, the Sum counts each process's sample.
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import type { MetricRecorder } from '../monitoring/metric-recorder.js';
import type { QueueStore } from '../store/queues.js';
import { SQS_NAMESPACE } from './queue-metrics.js';

const MINUTE = 60_000;

export class QueueGaugeSampler {
  #timer: TimerHandle | undefined;
  #sampling: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly store: Pick<QueueStore, 'queueGauges'>,
    private readonly clock: Clock,
    private readonly metrics: MetricRecorder,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.#arm();
  }

  /** Samples every queue as of `now`, recorded in the minute of `now`. */
  async sample(now = this.clock.now()): Promise<void> {
    const gauges = await this.store.queueGauges(now);
    for (const g of gauges) {
      const dimensions = { QueueName: g.queue };
      this.metrics.add(SQS_NAMESPACE, 'ApproximateNumberOfMessagesVisible', dimensions, g.visible, 'Count', now);
      this.metrics.add(SQS_NAMESPACE, 'ApproximateNumberOfMessagesNotVisible', dimensions, g.inFlight, 'Count', now);
      this.metrics.add(SQS_NAMESPACE, 'ApproximateNumberOfMessagesDelayed', dimensions, g.delayed, 'Count', now);
      const age = g.oldestSentAt === undefined ? 0 : Math.max(0, Math.floor((now - g.oldestSentAt) / 1000));
      this.metrics.add(SQS_NAMESPACE, 'ApproximateAgeOfOldestMessage', dimensions, age, 'Seconds', now);
    }
  }

  /** Resolves once the sample the timer last started (if any) is recorded. */
  settled(): Promise<void> {
    return this.#sampling;
  }

  /** Stops sampling and waits for a sample in progress, so none reads a closed store. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    await this.#sampling;
  }

  #arm(): void {
    if (this.#stopped) return;
    // The next minute boundary, computed afresh each time so the samples never drift off it.
    this.#timer = this.clock.setTimer(MINUTE - (this.clock.now() % MINUTE), () => {
      // The tick's time, not the time the sample gets to run: a sample waiting behind a slow one still describes
      // (and is recorded in) its own minute.
      const now = this.clock.now();
      this.#arm();
      // Samples run one after another: a slow store delays the next one rather than overlapping it.
      this.#sampling = this.#sampling.then(() => this.sample(now)).catch((err: unknown) => this.logger.error({ err }, 'could not sample the queue gauges'));
    });
  }
}
