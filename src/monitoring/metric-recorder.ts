/**
 * Records metrics on hot paths without a store write per data point: values are aggregated in memory per
 * (metric, dimensions, minute) and flushed to the store every few seconds of clock time and on close. A crash
 * loses at most the last interval's counts — metrics, unlike events, are allowed to be approximate. A disabled
 * recorder drops every value: only for measuring what recording costs (bench/monitoring.ts).
 */
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock.js';
import { dimensionsKey, type MetricDatum, type MetricStore } from '../store/metrics.js';

const MINUTE = 60_000;

export class MetricRecorder {
  /** By series (namespace, name, dimensions; see #series), then by minute. */
  #pending = new Map<string, Map<number, MetricDatum>>();
  #timer: TimerHandle | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #keys = new Map<string, string>();
  /** Series keys of frozen dimension sets, by set, namespace and name: callers that reuse their sets freeze them. */
  readonly #seriesBySet = new WeakMap<Record<string, string>, Map<string, Map<string, string>>>();

  constructor(
    private readonly store: MetricStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly flushEveryMs = 5_000,
    private readonly enabled = true,
  ) {}

  /** Adds one value (a count of 1, a latency in ms, ...) to the current minute, or to the minute of `at`. */
  add(namespace: string, name: string, dimensions: Record<string, string>, value: number, unit = 'Count', at?: number): void {
    if (!this.enabled) return;
    const minute = Math.floor((at ?? this.clock.now()) / MINUTE) * MINUTE;
    const series = this.#series(namespace, name, dimensions);
    let byMinute = this.#pending.get(series);
    if (!byMinute) this.#pending.set(series, (byMinute = new Map()));
    const d = byMinute.get(minute);
    if (d) {
      d.sum += value;
      d.count += 1;
      if (value < d.min) d.min = value;
      if (value > d.max) d.max = value;
    } else {
      byMinute.set(minute, { namespace, name, dimensions, minute, unit, sum: value, count: 1, min: value, max: value });
    }
    this.#timer ??= this.clock.setTimer(this.flushEveryMs, () => void this.flush());
  }

  /**
   * The key of a metric's series. For a frozen dimension set, which cannot change, it is found by the set's
   * identity: no text is built per call, which matters at one call per metric per delivery.
   */
  #series(namespace: string, name: string, dimensions: Record<string, string>): string {
    if (!Object.isFrozen(dimensions)) return `${namespace}\u0000${name}\u0000${this.#dimensionsKey(dimensions)}`;
    let byNamespace = this.#seriesBySet.get(dimensions);
    if (!byNamespace) this.#seriesBySet.set(dimensions, (byNamespace = new Map()));
    let byName = byNamespace.get(namespace);
    if (!byName) byNamespace.set(namespace, (byName = new Map()));
    let series = byName.get(name);
    if (series === undefined) byName.set(name, (series = `${namespace}\u0000${name}\u0000${this.#dimensionsKey(dimensions)}`));
    return series;
  }

  /**
   * The canonical key of a dimension set, memoised by the set as written: this runs several times per event on the
   * ingest path, and sorting and serialising each time cost more than the rest of `add`.
   */
  #dimensionsKey(dimensions: Record<string, string>): string {
    let raw = '';
    for (const name in dimensions) raw += `${name}\u0000${dimensions[name]}\u0000`;
    let key = this.#keys.get(raw);
    if (key === undefined) {
      if (this.#keys.size >= 10_000) this.#keys.clear();
      key = dimensionsKey(dimensions);
      this.#keys.set(raw, key);
    }
    return key;
  }

  /** Writes what has been aggregated so far. */
  flush(): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    const data: MetricDatum[] = [];
    for (const byMinute of this.#pending.values()) data.push(...byMinute.values());
    this.#pending = new Map();
    if (data.length === 0) return this.#flushing;
    this.#flushing = this.#flushing.then(() =>
      this.store.recordMetrics(data).catch((err: unknown) => this.logger.error({ err, points: data.length }, 'could not record metrics')),
    );
    return this.#flushing;
  }
}
