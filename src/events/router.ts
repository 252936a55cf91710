/**
 * The routing table of each bus, kept in memory: a pattern Matcher over the bus's enabled rules and the targets of
 * each rule, so PutEvents matches without reading rules from the store. It is loaded from the store on first use
 * and then refreshed incrementally — one rule and its targets re-read, one matcher entry replaced, never a full
 * rebuild — as rules and targets change, through this process (the services call `refresh` after each write) or
 * through any other process sharing the store (the Router listens to the configuration feed, config-feed.ts).
 *
 * A refresh re-reads the rule rather than applying what the caller wrote: when two processes change one rule at
 * once, what was written here may already be stale when it is applied. Refreshes of a bus run one after another,
 * each reading after the previous one, so the last one applied reads the newest state. A refresh that fails (the
 * store unreachable) forgets the bus instead: it is loaded again on next use, never left stale.
 */
import { Matcher, parsePattern } from '../patterns/index.js';
import type { ConfigChange } from '../store/config-changes.js';
import type { RuleRecord, TargetRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { ConfigListener } from './config-feed.js';

export interface RoutedRule {
  rule: RuleRecord;
  targets: TargetRecord[];
}

export class BusRoutes {
  readonly matcher = new Matcher<string>();
  readonly rules = new Map<string, RoutedRule>();
  /** The refresh in progress or last done; the next one starts after it. */
  #refreshing: Promise<void> = Promise.resolve();

  /** The bus's KmsKeyIdentifier: the KMS key that seals its events at rest (alias/aws/events when absent). */
  constructor(readonly keyRef?: string) {}

  /** The enabled rules whose pattern matches the event, with their targets. */
  match(event: object): RoutedRule[] {
    const names = this.matcher.matchEvent(event);
    const out: RoutedRule[] = [];
    for (const name of names) {
      const routed = this.rules.get(name);
      if (routed) out.push(routed);
    }
    return out;
  }

  putRule(rule: RuleRecord): void {
    const existing = this.rules.get(rule.name);
    this.rules.set(rule.name, { rule, targets: existing?.targets ?? [] });
    // Only enabled rules with a pattern take part in matching; schedule-only and disabled rules are kept for their targets.
    if (rule.eventPattern !== undefined && rule.state !== 'DISABLED') this.matcher.add(rule.name, parsePattern(rule.eventPattern));
    else this.matcher.remove(rule.name);
  }

  deleteRule(name: string): void {
    this.rules.delete(name);
    this.matcher.remove(name);
  }

  setTargets(rule: string, targets: TargetRecord[]): void {
    const routed = this.rules.get(rule);
    if (routed) routed.targets = targets;
  }

  /** Runs `fn` after every refresh queued before it. */
  queue(fn: () => Promise<void>): Promise<void> {
    const run = this.#refreshing.then(fn);
    this.#refreshing = run.catch(() => {});
    return run;
  }
}

export class Router implements ConfigListener {
  readonly #buses = new Map<string, Promise<BusRoutes | undefined>>();

  constructor(private readonly store: Store) {}

  /** The routes of a bus, loading them on first use; undefined when the bus does not exist. */
  routes(bus: string): Promise<BusRoutes | undefined> {
    let routes = this.#buses.get(bus);
    if (!routes) {
      const loading = this.#load(bus);
      routes = loading;
      this.#buses.set(bus, loading);
      // Neither a failed load nor a missing bus is cached: the bus may be created, or the store recover.
      const forget = () => this.#buses.get(bus) === loading && this.#buses.delete(bus);
      loading.then((r) => r ?? forget(), forget);
    }
    return routes;
  }

  async #load(bus: string): Promise<BusRoutes | undefined> {
    const record = await this.store.getBus(bus);
    if (!record) return undefined;
    const [rules, targets] = await Promise.all([this.store.allRules(bus), this.store.allTargets(bus)]);
    const routes = new BusRoutes(record.kmsKeyIdentifier || undefined);
    for (const rule of rules) routes.putRule(rule);
    const byRule = new Map<string, TargetRecord[]>();
    for (const t of targets) byRule.set(t.rule, [...(byRule.get(t.rule) ?? []), t]);
    for (const [rule, list] of byRule) routes.setTargets(rule, list);
    return routes;
  }

  /**
   * Re-reads one rule and its targets into the bus's routes, after a write that changed either (or deleted the
   * rule). Only a loaded bus is refreshed: an unloaded one reads the committed state when first used.
   */
  async refresh(bus: string, rule: string): Promise<void> {
    const loading = this.#buses.get(bus);
    const routes = await loading?.catch(() => undefined);
    if (!routes) return;
    try {
      await routes.queue(async () => {
        const [record, targets] = await Promise.all([this.store.getRule(bus, rule), this.store.listTargets(bus, rule)]);
        if (!record) return routes.deleteRule(rule);
        routes.putRule(record);
        routes.setTargets(rule, targets);
      });
    } catch (err) {
      if (this.#buses.get(bus) === loading) this.#buses.delete(bus);
      throw err;
    }
  }

  /** The bus was created or deleted: whatever was loaded for it is read again on next use. */
  forget(bus: string): void {
    this.#buses.delete(bus);
  }

  /** Another process's change (this process's own were refreshed when it made them). */
  changed(change: ConfigChange, own: boolean): Promise<void> | void {
    if (own || change.bus === undefined) return;
    if (change.kind === 'bus') return this.forget(change.bus);
    return this.refresh(change.bus, change.name);
  }

  reset(): void {
    this.#buses.clear();
  }
}
