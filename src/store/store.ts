/**
 * The one interface every backend implements (SQLite embedded, PostgreSQL for scale-out). Services never touch a
 * driver or SQL; they call these methods. Every method is async so a networked backend fits the same shape.
 * The contract suite in test/store/contract.ts runs against every implementation.
 */
import type {
  ApiDestinationRecord,
  BusRecord,
  ConnectionRecord,
  DeliveryRecord,
  DeliveryStatus,
  EventRecord,
  NewDelivery,
  Page,
  PageRequest,
  RuleRecord,
  TargetRecord,
} from './records.js';
import type { DeliveryStore } from './deliveries.js';
import type { QueueStore } from './queues.js';
import type { MetricStore } from './metrics.js';
import type { FunctionStore } from './functions.js';
import type { TopicStore } from './topics.js';
import type { MoveTaskStore } from './move-tasks.js';
import type { RedriveStore } from './redrive.js';
import type { AlarmStore } from './alarms.js';
import type { KeyStore } from './keys.js';
import type { Keyring } from '../keys/keyring.js';
import type { ConfigChangeStore } from './config-changes.js';

/** An event to ingest with the deliveries its matched targets need; both are written in one transaction. */
export interface IngestEntry {
  event: EventRecord;
  deliveries: NewDelivery[];
  /** The KMS key that seals the payload at rest: the bus's KmsKeyIdentifier; absent means alias/aws/events. */
  keyRef?: string;
}

/** Counters a backend keeps since it was opened, for tests and diagnostics. */
export interface StoreStats {
  /** Transactions committed by `ingest`; concurrent calls share one, so this grows slower than the calls. */
  commits: number;
}

/**
 * What a wake-up is about: `deliveries` were recorded (or fell due again by a release), messages were sent to a
 * queue (`queues`, with the queue's name as the detail), or configuration changes were logged (`config`).
 */
export type WakeChannel = 'deliveries' | 'queues' | 'config';

export type DeleteRuleResult = 'deleted' | 'not-found' | 'has-targets';
export type PutTargetsResult = 'ok' | 'rule-not-found' | 'limit-exceeded';

export interface Store extends AsyncDisposable, DeliveryStore, MetricStore, FunctionStore, QueueStore, MoveTaskStore, RedriveStore, AlarmStore, TopicStore, KeyStore, ConfigChangeStore {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * The KMS keys that seal this store's records, unlocked with the root key at open (src/keys/). The store seals
   * and opens its payload columns with them (src/store/sealing.ts); the KMS service manages them.
   */
  readonly keyring: Keyring;

  // Event buses. The `default` bus is created by the migrations, so it always exists.
  createBus(bus: BusRecord): Promise<boolean>; // false when the name is taken
  getBus(name: string): Promise<BusRecord | undefined>;
  listBuses(page: PageRequest): Promise<Page<BusRecord>>;
  /** Deletes the bus with its rules and targets; false when it did not exist. */
  deleteBus(name: string): Promise<boolean>;

  // Rules.
  /** Creates or replaces a rule (PutRule is an upsert); returns true when it was created. */
  putRule(rule: RuleRecord): Promise<boolean>;
  getRule(bus: string, name: string): Promise<RuleRecord | undefined>;
  listRules(bus: string, page: PageRequest): Promise<Page<RuleRecord>>;
  /** Every rule of a bus, for compiling its matcher. */
  allRules(bus: string): Promise<RuleRecord[]>;
  deleteRule(bus: string, name: string, force: boolean): Promise<DeleteRuleResult>;

  // Targets.
  /** Adds or replaces targets by Id, refusing atomically if the rule would end up with more than `maxPerRule`. */
  putTargets(bus: string, rule: string, targets: TargetRecord[], maxPerRule: number): Promise<PutTargetsResult>;
  /** Removes targets by Id; returns the Ids that were not there. */
  removeTargets(bus: string, rule: string, ids: string[]): Promise<string[]>;
  listTargets(bus: string, rule: string): Promise<TargetRecord[]>;
  /** Every target of every rule of a bus, for ingest (the matcher maps rules to these). */
  allTargets(bus: string): Promise<TargetRecord[]>;
  /** Names of rules on `bus` that have a target with this ARN, ascending. */
  ruleNamesByTarget(bus: string, targetArn: string, page: PageRequest): Promise<Page<string>>;

  // Connections and API destinations.
  createConnection(connection: ConnectionRecord): Promise<boolean>;
  getConnection(name: string): Promise<ConnectionRecord | undefined>;
  listConnections(page: PageRequest): Promise<Page<ConnectionRecord>>;
  deleteConnection(name: string): Promise<boolean>;
  createApiDestination(destination: ApiDestinationRecord): Promise<boolean>;
  getApiDestination(name: string): Promise<ApiDestinationRecord | undefined>;
  listApiDestinations(page: PageRequest): Promise<Page<ApiDestinationRecord>>;
  deleteApiDestination(name: string): Promise<boolean>;

  // Tags, by resource ARN.
  tagResource(arn: string, tags: Record<string, string>): Promise<void>;
  untagResource(arn: string, keys: string[]): Promise<void>;
  listTags(arn: string): Promise<Record<string, string>>;

  // Events and their deliveries.
  /**
   * Durably writes the events and their pending deliveries. Resolves only once they are committed with a full
   * sync; concurrent calls share one commit (group commit).
   */
  ingest(entries: IngestEntry[]): Promise<void>;
  getEvent(id: string): Promise<EventRecord | undefined>;
  listDeliveries(filter: { eventId?: string; status?: DeliveryStatus; limit: number }): Promise<DeliveryRecord[]>;
  countDeliveries(status?: DeliveryStatus): Promise<number>;
  countEvents(): Promise<number>;

  stats(): StoreStats;

  /**
   * Present on backends that several processes share (PostgreSQL): calls `fn` whenever any process, this one
   * included, commits deliveries, queue messages or configuration changes, so a dispatcher, a long poll or the
   * configuration feed can look at once. A latency hint
   * only — a wake-up can be lost (a dropped connection) — so a subscriber still polls. Returns the unsubscribe.
   */
  onWake?(channel: WakeChannel, fn: (detail: string) => void): () => void;

  close(): Promise<void>;
}
