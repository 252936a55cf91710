/**
 * The routing table of each bus, kept in memory: a pattern Matcher over the bus's enabled rules and the targets of
 * each rule. It is loaded from the store on first use and then updated incrementally as rules and targets change
 * through this process (a rule change touches one matcher entry, never a full rebuild), so PutEvents matches
 * without reading rules from the store.
 */
import { Matcher, parsePattern } from '../patterns/index.js';
import type { RuleRecord, TargetRecord } from '../store/records.js';
import type { Store } from '../store/store.js';

export interface RoutedRule {
  rule: RuleRecord;
  targets: TargetRecord[];
}

export class BusRoutes {
  readonly matcher = new Matcher<string>();
  readonly rules = new Map<string, RoutedRule>();

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
}

export class Router {
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

  // Changes apply only to buses already loaded; an unloaded bus reads the committed state when first used.
  async ruleChanged(rule: RuleRecord): Promise<void> {
    (await this.#loaded(rule.bus))?.putRule(rule);
  }
  async ruleDeleted(bus: string, name: string): Promise<void> {
    (await this.#loaded(bus))?.deleteRule(name);
  }
  async targetsChanged(bus: string, rule: string): Promise<void> {
    const routes = await this.#loaded(bus);
    if (routes) routes.setTargets(rule, await this.store.listTargets(bus, rule));
  }
  busDeleted(bus: string): void {
    this.#buses.delete(bus);
  }

  async #loaded(bus: string): Promise<BusRoutes | undefined> {
    const routes = this.#buses.get(bus);
    return routes ? await routes.catch(() => undefined) : undefined;
  }
}
