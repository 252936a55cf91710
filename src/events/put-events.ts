/**
 * PutEvents: validate each entry as AWS does (one bad entry never fails the others), build the EventBridge
 * envelope, match it against the bus's enabled rules, and write the event with one pending delivery per matched
 * target in a single durable transaction. The call answers only after that commit, so an acknowledged event is
 * never lost, and a crash between accepting and delivering leaves the deliveries waiting in the store.
 */
import { ServiceError } from '../errors.js';
import type { RequestContext } from '../protocols/context.js';
import { check, list, str, struct, timestamp } from '../protocols/shape.js';
import { timeOrderedUuid } from '../store/ids.js';
import type { NewDelivery } from '../store/records.js';
import type { IngestEntry } from '../store/store.js';
import type { BusRoutes, RoutedRule } from './router.js';
import { busNameOf } from './arns.js';
import type { EventsDeps } from './deps.js';
import { busNameOrArn } from './names.js';

/** AWS's limit on a PutEvents request, summed over its entries (raised from 256 KB in January 2026). */
export const MAX_REQUEST_ENTRIES_SIZE = 1024 * 1024;

const entryShape = struct({
  Time: timestamp,
  Source: str(),
  Resources: list(str()),
  DetailType: str(),
  Detail: str(),
  EventBusName: busNameOrArn,
  TraceHeader: str({ min: 1, max: 500 }),
});
const putShape = struct({ Entries: list(entryShape, { min: 1, max: 10 }), EndpointId: str() }, ['Entries']);

export interface PutEventsEntry {
  Time?: number | string;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** The EventBridge envelope, in AWS's key order. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export class PutEventsService {
  constructor(private readonly deps: EventsDeps) {}

  async put(input: unknown, ctx: RequestContext) {
    const req = check<{ Entries: PutEventsEntry[] }>(input, putShape);
    if (req.Entries.reduce((sum, e) => sum + entrySize(e), 0) > MAX_REQUEST_ENTRIES_SIZE) {
      throw new ServiceError('ValidationException', 'Total size of the entries in the request is over the limit.');
    }
    const now = this.deps.clock.now();
    const results: EntryResult[] = [];
    const batch: IngestEntry[] = [];
    for (const entry of req.Entries) {
      const outcome = await this.#prepare(entry, ctx, now);
      if ('ErrorCode' in outcome) results.push(outcome);
      else {
        batch.push(outcome);
        results.push({ EventId: outcome.event.id });
      }
    }
    if (batch.length > 0) await this.#ingest(batch);
    const failed = results.filter((r) => 'ErrorCode' in r).length;
    return { FailedEntryCount: failed, Entries: results };
  }

  /**
   * Puts an event that arrives from another bus (an event-bus target) on `bus`: a new event with a new id and the
   * original's content. Resolves with its id, or undefined when the bus does not exist.
   */
  async forward(bus: string, envelopeText: string): Promise<string | undefined> {
    const routes = await this.deps.router.routes(bus);
    if (!routes) return undefined;
    const now = this.deps.clock.now();
    const envelope = { ...(JSON.parse(envelopeText) as EventEnvelope), id: timeOrderedUuid(now) };
    await this.#ingest([{ event: { id: envelope.id, bus, receivedAt: now, payload: JSON.stringify(envelope) }, deliveries: this.#deliveries(routes.match(envelope), now), ...sealedBy(routes) }]);
    return envelope.id;
  }

  async #ingest(batch: IngestEntry[]): Promise<void> {
    await this.deps.store.ingest(batch);
    if (batch.some((e) => e.deliveries.length > 0)) this.deps.onDeliveriesRecorded?.();
    this.#countMatches(batch);
  }

  /** MatchedEvents and TriggeredRules of committed events, one metric update per request rather than per event. */
  #countMatches(batch: IngestEntry[]): void {
    const metrics = this.deps.metrics;
    if (!metrics) return;
    let matched = 0;
    const triggered = new Map<string, { bus: string; rule: string; n: number }>();
    for (const { event, deliveries } of batch) {
      if (deliveries.length === 0) continue;
      matched++;
      for (const rule of new Set(deliveries.map((d) => d.ruleName))) {
        const key = `${event.bus}/${rule}`;
        const t = triggered.get(key);
        if (t) t.n++;
        else triggered.set(key, { bus: event.bus, rule, n: 1 });
      }
    }
    if (matched > 0) metrics.add('AWS/Events', 'MatchedEvents', {}, matched);
    for (const { bus, rule, n } of triggered.values()) {
      metrics.add('AWS/Events', 'TriggeredRules', { RuleName: rule }, n);
      metrics.add('AWS/Events', 'TriggeredRules', { EventBusName: bus, RuleName: rule }, n);
    }
  }

  #deliveries(matched: RoutedRule[], now: number): NewDelivery[] {
    return matched.flatMap(({ rule, targets }) => targets.map((t) => ({ ruleName: rule.name, ruleArn: rule.arn, targetId: t.id, targetArn: t.arn, dueAt: now })));
  }

  async #prepare(entry: PutEventsEntry, ctx: RequestContext, now: number): Promise<IngestEntry | { ErrorCode: string; ErrorMessage: string }> {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (!entry[field]) return invalid('InvalidArgument', `Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
    }
    if (entry.Source!.startsWith('aws.')) return invalid('NotAuthorizedForSourceException', 'Not authorized for the source.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail!);
    } catch {
      return invalid('MalformedDetail', 'Detail is malformed.');
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return invalid('MalformedDetail', 'Detail is malformed.');
    const bus = busNameOf(entry.EventBusName);
    const routes = await this.deps.router.routes(bus);
    if (!routes) return invalid('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    const keyProblem = routes.keyRef === undefined ? undefined : this.deps.keyProblem?.(routes.keyRef);
    if (keyProblem) return invalid(keyProblem.code, `Event bus ${bus} cannot store events: ${keyProblem.message}`);

    const envelope: EventEnvelope = {
      version: '0',
      // Time-ordered (UUID v7) so the events index only appends: several times faster ingest than random ids.
      id: timeOrderedUuid(now),
      'detail-type': entry.DetailType!,
      source: entry.Source!,
      account: ctx.accountId,
      time: isoSeconds(entry.Time === undefined ? now : toMillis(entry.Time)),
      region: ctx.region,
      resources: entry.Resources ?? [],
      detail: detail as Record<string, unknown>,
    };
    return { event: { id: envelope.id, bus, receivedAt: now, payload: JSON.stringify(envelope) }, deliveries: this.#deliveries(routes.match(envelope), now), ...sealedBy(routes) };
  }
}

/** The IngestEntry field naming the bus's KMS key, when it has one. */
function sealedBy(routes: BusRoutes): { keyRef?: string } {
  return routes.keyRef === undefined ? {} : { keyRef: routes.keyRef };
}

function invalid(ErrorCode: string, ErrorMessage: string) {
  return { ErrorCode, ErrorMessage };
}

/** An entry's size as AWS computes it: UTF-8 bytes of Source, DetailType, Detail and each resource, +14 with Time. */
export function entrySize(entry: PutEventsEntry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

function toMillis(time: number | string): number {
  // SDKs send epoch seconds; hand-written clients may send ISO-8601.
  return typeof time === 'number' ? time * 1000 : Date.parse(time);
}

/** EventBridge's `time`: ISO-8601 to the second, in UTC. */
export function isoSeconds(ms: number): string {
  const second = Math.floor(ms / 1000);
  // Events arrive many per second: format each second once.
  if (second !== lastSecond) {
    lastSecond = second;
    lastIso = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
  }
  return lastIso;
}
let lastSecond = Number.NaN;
let lastIso = '';
