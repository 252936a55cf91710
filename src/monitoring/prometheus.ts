/**
 * The Prometheus text exposition (format 0.0.4) of what Mailroom measures: every stored metric's figures for the
 * latest complete minute of the clock (its sum, sample count, minimum and maximum, as gauges labelled by its
 * dimensions), and the process's health: uptime, heap, event-loop delay, pending deliveries and alarms by state.
 * Hand-written: the format is a few lines of text and no Prometheus library is installed.
 *
 *   mailroom_aws_events_invocations_sum{event_bus_name="default",rule_name="orders"} 3
 */
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import { aggregate, type PeriodDatapoint } from './statistics.js';

const MINUTE = 60_000;
const MAX_SERIES = 10_000;
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

export interface ExpositionSources {
  store: Store;
  clock: Clock;
  /** Event-loop delay since the previous scrape (reset after each read); absent in processes that do not sample it. */
  eventLoopDelay?: IntervalHistogram;
}

/** `IngestionToInvocationStartLatency` → `ingestion_to_invocation_start_latency`; anything else not [a-z0-9_] → `_`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function labelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(map: Record<string, string>): string {
  const entries = Object.entries(map).map(([k, v]) => `${snakeCase(k) || 'dimension'}="${labelValue(v)}"`);
  return entries.length ? `{${entries.sort().join(',')}}` : '';
}

class Families {
  readonly #families = new Map<string, { help: string; lines: string[] }>();
  add(name: string, help: string, labelText: string, value: number): void {
    let family = this.#families.get(name);
    if (!family) this.#families.set(name, (family = { help, lines: [] }));
    family.lines.push(`${name}${labelText} ${Number.isFinite(value) ? value : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN'}`);
  }
  text(): string {
    return [...this.#families].map(([name, f]) => `# HELP ${name} ${f.help}\n# TYPE ${name} gauge\n${f.lines.join('\n')}\n`).join('');
  }
}

const FIGURES: [suffix: string, what: string, value: (p: PeriodDatapoint) => number][] = [
  ['sum', 'sum', (p) => p.sum],
  ['count', 'sample count', (p) => p.sampleCount],
  ['min', 'minimum', (p) => p.minimum],
  ['max', 'maximum', (p) => p.maximum],
];

export async function exposition(sources: ExpositionSources): Promise<string> {
  const families = new Families();
  const minute = Math.floor(sources.clock.now() / MINUTE) * MINUTE - MINUTE;
  const { items } = await sources.store.listMetrics({ since: minute, limit: MAX_SERIES });
  for (const metric of items) {
    const rows = await sources.store.queryMetrics({ ...metric, from: minute, to: minute + MINUTE });
    const [point] = aggregate(rows, MINUTE, 0);
    if (!point) continue;
    const base = `mailroom_${snakeCase(metric.namespace)}_${snakeCase(metric.name)}`;
    for (const [suffix, what, value] of FIGURES) {
      families.add(`${base}_${suffix}`, `${metric.name} (${metric.namespace}), ${what} over the latest complete minute.`, labels(metric.dimensions), value(point));
    }
  }
  families.add('mailroom_process_uptime_seconds', 'Seconds since the process started.', '', process.uptime());
  const memory = process.memoryUsage();
  families.add('mailroom_process_heap_used_bytes', 'V8 heap in use.', '', memory.heapUsed);
  families.add('mailroom_process_resident_memory_bytes', 'Resident set size.', '', memory.rss);
  const delay = sources.eventLoopDelay;
  if (delay && delay.count > 0) {
    families.add('mailroom_event_loop_delay_seconds', 'Event-loop delay since the previous scrape.', '{quantile="0.5"}', delay.percentile(50) / 1e9);
    families.add('mailroom_event_loop_delay_seconds', 'Event-loop delay since the previous scrape.', '{quantile="0.99"}', delay.percentile(99) / 1e9);
    families.add('mailroom_event_loop_delay_seconds', 'Event-loop delay since the previous scrape.', '{quantile="1"}', delay.max / 1e9);
    delay.reset();
  }
  families.add('mailroom_deliveries_pending', 'Deliveries waiting to be made or retried.', '', await sources.store.countDeliveries('pending'));
  for (const state of STATES) {
    const alarms = await sources.store.listAlarms({ state, limit: MAX_SERIES });
    families.add('mailroom_alarms', 'CloudWatch alarms by state.', `{state="${state}"}`, alarms.length);
  }
  return families.text();
}
