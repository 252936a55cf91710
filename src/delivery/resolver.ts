/**
 * Looks up what a delivery needs about its target at attempt time: the target as configured now (from the bus's
 * in-memory routes, so no store read per attempt) and an API destination's rate limit (cached briefly, since it
 * changes only through the API; dropped when the configuration feed reports a change).
 */
import type { Clock } from '../clock.js';
import type { Router } from '../events/router.js';
import { parseEventsResourceArn } from '../events/arns.js';
import type { TargetRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { TargetResolver } from './target-handler.js';

const RATE_CACHE_MS = 10_000;

export class RoutedTargetResolver implements TargetResolver {
  readonly #rates = new Map<string, { rate: number | undefined; until: number }>();

  constructor(
    private readonly router: Router,
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async target(bus: string, rule: string, targetId: string): Promise<TargetRecord | undefined> {
    const routes = await this.router.routes(bus);
    return routes?.rules.get(rule)?.targets.find((t) => t.id === targetId);
  }

  /** An API destination changed somewhere: read rate limits again. */
  forgetRates(): void {
    this.#rates.clear();
  }

  async rateLimit(targetArn: string): Promise<number | undefined> {
    const parsed = parseEventsResourceArn(targetArn);
    if (parsed?.kind !== 'api-destination') return undefined;
    const now = this.clock.now();
    const cached = this.#rates.get(targetArn);
    if (cached && cached.until > now) return cached.rate;
    const rate = (await this.store.getApiDestination(parsed.name))?.invocationRateLimitPerSecond;
    this.#rates.set(targetArn, { rate, until: now + RATE_CACHE_MS });
    return rate;
  }
}
