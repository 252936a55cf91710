/**
 * What every EventBridge service needs; built once by createMailroom and shared.
 */
import type { Clock } from '../clock.js';
import type { RuleRecord, TargetRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Router } from './router.js';

export interface EventsDeps {
  store: Store;
  clock: Clock;
  router: Router;
  /** Where ingest records MatchedEvents and TriggeredRules. */
  metrics?: { add(namespace: string, name: string, dimensions: Record<string, string>, value: number): void };
  /** Called after an ingest commit that recorded deliveries, so the dispatcher claims them at once. */
  onDeliveriesRecorded?: () => void;
  /**
   * Why a bus's KMS key cannot seal events now (KMS's error code and message), or undefined when it can: PutEvents
   * then fails those entries alone, with that code, instead of the whole request.
   */
  keyProblem?: (keyRef: string) => { code: string; message: string } | undefined;
  /** Called after PutTargets stored targets (the secure defaults' alarms, docs/monitoring.md); never throws. */
  targetsPut?: (rule: RuleRecord, targets: readonly TargetRecord[]) => Promise<void>;
}

/** awsJson timestamps are epoch seconds. */
export const epochSeconds = (ms: number): number => ms / 1000;
