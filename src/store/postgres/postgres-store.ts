/**
 * The scale-out store: PostgreSQL, shared by any number of Mailroom processes.
 *
 * - One connection pool. Every method is a statement (or a short transaction) on it; the hot paths — ingest,
 *   claims, settlements, receives, sends — are single statements in autocommit, one round trip each.
 * - `ingest` and `settle` go through group commit as on SQLite: calls made at the same time share one statement,
 *   so the per-event cost is a fraction of a round trip.
 * - Work is claimed across processes without blocking: deliveries, queue messages, move tasks and alarm
 *   evaluations are locked FOR UPDATE SKIP LOCKED in the statement that leases them (deliveries.ts,
 *   queue-messages.ts, move-tasks.ts, alarms.ts).
 * - Wake-ups cross processes with LISTEN/NOTIFY (`onWake`), a latency hint beside polling (wake-ups.ts).
 * - Migrations run under an advisory lock, so processes starting together migrate once (migrate.ts).
 * - Every column that can hold customer data is sealed in the process before it is sent and opened after it is
 *   read (src/store/sealing.ts), as on SQLite: nothing sensitive reaches PostgreSQL in plaintext. A call that meets
 *   a KMS key another process created re-reads the keyring and runs again (withLatestKeys).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../../clock.js';
import type {
  ApiDestinationRecord,
  BusRecord,
  ConnectionRecord,
  DeliveryRecord,
  DeliveryStatus,
  EventRecord,
  Page,
  PageRequest,
  RuleRecord,
  TargetRecord,
} from '../records.js';
import type { DeleteRuleResult, IngestEntry, PutTargetsResult, Store, StoreStats, WakeChannel } from '../store.js';
import type { AttemptRecord, ClaimedDelivery, ClaimRequest, DeliveryOutcome, FallbackDeadLetter, SettleResult } from '../deliveries.js';
import type { HandleResult, NewQueueMessage, QueueCounts, QueueGauges, QueueRecord, ReceivedMessage, ReceiveRequest } from '../queues.js';
import type { MetricDatum, MetricIdentity, MetricListQuery, MetricQuery } from '../metrics.js';
import type { AlarmFilter, AlarmHistoryFilter, AlarmHistoryRecord, AlarmRecord, AlarmStateChange } from '../alarms.js';
import type { CancelMoveTaskResult, MoveBatchRequest, MoveBatchResult, MoveTaskLease, MoveTaskRecord } from '../move-tasks.js';
import type { RedriveItem, RedriveResult, StoredMessage } from '../redrive.js';
import type { ConfigChange } from '../config-changes.js';
import { GroupCommit, GroupedCalls } from '../group-commit.js';
import { IdGenerator } from '../ids.js';
import { openKeyring, type Keyring, type RootKeyLog, type RootKeyOptions, type Sealer } from '../../keys/index.js';
import { sealWith } from '../../keys/sealer.js';
import { eventDataKey, withLatestKeys } from '../sealing.js';
import type { SigningKeyRecord, SubscriptionChanges, SubscriptionRecord, TopicCounts, TopicMessage, TopicRecord } from '../topics.js';
import type { KeyMaterialRecord, KeyringContents, KmsAliasRecord, KmsKeyRecord } from '../keys.js';
import { Alarms } from './alarms.js';
import { Buses } from './buses.js';
import { ConfigChanges } from './config-changes.js';
import { ApiDestinations, Connections } from './connections.js';
import { createPool } from './database.js';
import { Deliveries } from './deliveries.js';
import { Events } from './events.js';
import { Functions } from './functions.js';
import { PostgresKeyStore } from './key-store.js';
import { IngestTransaction, type SealedEntry } from './ingest-transaction.js';
import { Metrics } from './metrics.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { MoveTasks } from './move-tasks.js';
import { QueueMessages } from './queue-messages.js';
import { Queues } from './queues.js';
import { Redrive } from './redrive.js';
import { Rules } from './rules.js';
import { Tags } from './tags.js';
import { Targets } from './targets.js';
import { TopicMessages } from './topic-messages.js';
import { Topics } from './topics.js';
import { WakeUps } from './wake-ups.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10); the LISTEN connection comes on top. */
  poolSize?: number;
  /**
   * The root key that unlocks the keyring, shared by every process on the database: required (a file or base64),
   * since there is no data directory to keep a generated one in.
   */
  rootKey?: RootKeyOptions;
  /** Receives the root key's warnings; silent by default. */
  log?: RootKeyLog;
}

const SILENT: RootKeyLog = { warn: () => undefined };

/** Why a PostgreSQL store will not open without a root key. */
export class RootKeyRequiredError extends Error {
  constructor() {
    super('a PostgreSQL store needs its root key: --root-key-file or MAILROOM_ROOT_KEY, the same for every process on the database (docs/encryption.md)');
  }
}

export const DEFAULT_POOL_SIZE = 10;

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly instanceId = randomUUID();
  readonly #pool: pg.Pool;
  readonly #clock: Clock;
  readonly #buses: Buses;
  readonly #rules: Rules;
  readonly #targets: Targets;
  readonly #connections: Connections;
  readonly #apiDestinations: ApiDestinations;
  readonly #tags: Tags;
  readonly #events: Events;
  readonly #ingest: GroupCommit<SealedEntry[]>;
  readonly #deliveries: Deliveries;
  readonly #settle: GroupedCalls<DeliveryOutcome, SettleResult>;
  readonly #metrics: Metrics;
  readonly #functions: Functions;
  readonly #queues: Queues;
  readonly #messages: QueueMessages;
  readonly #moveTasks: MoveTasks;
  readonly #redrive: Redrive;
  readonly #alarms: Alarms;
  readonly #config: ConfigChanges;
  readonly #topics: Topics;
  readonly #topicMessages: TopicMessages;
  readonly #wakeUps: WakeUps;
  readonly #keyStore: PostgresKeyStore;
  readonly #sealer: Sealer;
  #closing: Promise<void> | undefined;

  /** Connects to the database at `url` (a postgres:// URL) and migrates it. */
  static async open(url: string, clock: Clock, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const rootKey = options.rootKey ?? {};
    if (rootKey.file === undefined && rootKey.base64 === undefined) throw new RootKeyRequiredError();
    const pool = createPool(url, options.poolSize ?? DEFAULT_POOL_SIZE);
    try {
      await migrate(pool, MIGRATIONS, clock.now());
      const keyStore = new PostgresKeyStore(pool);
      // A default file is never used: `rootKey` names the key (checked above).
      const sealer = await openKeyring(keyStore, rootKey, rootKey.file ?? '', clock, options.log ?? SILENT);
      return new PostgresStore(pool, url, clock, keyStore, sealer);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  private constructor(pool: pg.Pool, url: string, clock: Clock, keyStore: PostgresKeyStore, sealer: Sealer) {
    this.#pool = pool;
    this.#keyStore = keyStore;
    this.#sealer = sealer;
    this.#clock = clock;
    this.#config = new ConfigChanges(pool, this.instanceId, clock);
    this.#buses = new Buses(pool, this.#config);
    this.#rules = new Rules(pool, this.#config);
    this.#targets = new Targets(pool, this.#config);
    this.#connections = new Connections(pool, this.#config, sealer);
    this.#apiDestinations = new ApiDestinations(pool, this.#config);
    this.#tags = new Tags(pool);
    this.#events = new Events(pool, sealer);
    // One id generator for ingest and follow-ups alike, so this process's delivery ids strictly increase.
    const ids = new IdGenerator();
    const ingest = new IngestTransaction(pool, ids);
    this.#ingest = new GroupCommit((callers) => ingest.write(callers, this.#clock.now()));
    this.#deliveries = new Deliveries(pool, ids, sealer);
    this.#settle = new GroupedCalls((outcomes) => this.#deliveries.settle(outcomes, this.#clock.now()));
    this.#metrics = new Metrics(pool);
    this.#functions = new Functions(pool);
    this.#queues = new Queues(pool);
    this.#messages = new QueueMessages(pool, sealer);
    this.#moveTasks = new MoveTasks(pool);
    this.#redrive = new Redrive(pool, ids, sealer);
    this.#topics = new Topics(pool, sealer);
    this.#topicMessages = new TopicMessages(pool, ids, sealer);
    this.#alarms = new Alarms(pool);
    this.#wakeUps = new WakeUps(url, clock);
  }

  createBus(bus: BusRecord): Promise<boolean> {
    return this.#buses.create(bus);
  }
  getBus(name: string): Promise<BusRecord | undefined> {
    return this.#buses.get(name);
  }
  listBuses(page: PageRequest): Promise<Page<BusRecord>> {
    return this.#buses.list(page);
  }
  deleteBus(name: string): Promise<boolean> {
    return this.#buses.delete(name);
  }

  putRule(rule: RuleRecord): Promise<boolean> {
    return this.#rules.put(rule);
  }
  getRule(bus: string, name: string): Promise<RuleRecord | undefined> {
    return this.#rules.get(bus, name);
  }
  listRules(bus: string, page: PageRequest): Promise<Page<RuleRecord>> {
    return this.#rules.list(bus, page);
  }
  allRules(bus: string): Promise<RuleRecord[]> {
    return this.#rules.all(bus);
  }
  deleteRule(bus: string, name: string, force: boolean): Promise<DeleteRuleResult> {
    return this.#rules.delete(bus, name, force);
  }

  putTargets(bus: string, rule: string, targets: TargetRecord[], maxPerRule: number): Promise<PutTargetsResult> {
    return this.#targets.put(bus, rule, targets, maxPerRule);
  }
  removeTargets(bus: string, rule: string, ids: string[]): Promise<string[]> {
    return this.#targets.remove(bus, rule, ids);
  }
  listTargets(bus: string, rule: string): Promise<TargetRecord[]> {
    return this.#targets.list(bus, rule);
  }
  allTargets(bus: string): Promise<TargetRecord[]> {
    return this.#targets.all(bus);
  }
  ruleNamesByTarget(bus: string, targetArn: string, page: PageRequest): Promise<Page<string>> {
    return this.#targets.ruleNamesByTarget(bus, targetArn, page);
  }

  createConnection(connection: ConnectionRecord): Promise<boolean> {
    return this.#connections.create(connection);
  }
  getConnection(name: string): Promise<ConnectionRecord | undefined> {
    return withLatestKeys(this.keyring, () => this.#connections.get(name));
  }
  listConnections(page: PageRequest): Promise<Page<ConnectionRecord>> {
    return withLatestKeys(this.keyring, () => this.#connections.list(page));
  }
  deleteConnection(name: string): Promise<boolean> {
    return this.#connections.delete(name);
  }
  createApiDestination(destination: ApiDestinationRecord): Promise<boolean> {
    return this.#apiDestinations.create(destination);
  }
  getApiDestination(name: string): Promise<ApiDestinationRecord | undefined> {
    return this.#apiDestinations.get(name);
  }
  listApiDestinations(page: PageRequest): Promise<Page<ApiDestinationRecord>> {
    return this.#apiDestinations.list(page);
  }
  deleteApiDestination(name: string): Promise<boolean> {
    return this.#apiDestinations.delete(name);
  }

  tagResource(arn: string, tags: Record<string, string>): Promise<void> {
    return this.#tags.tag(arn, tags);
  }
  untagResource(arn: string, keys: string[]): Promise<void> {
    return this.#tags.untag(arn, keys);
  }
  listTags(arn: string): Promise<Record<string, string>> {
    return this.#tags.list(arn);
  }

  /**
   * Sealed, then submitted, synchronously: a call made before close() is in the last group, and a caller whose bus
   * key cannot be used fails alone, before joining a group.
   */
  ingest(entries: IngestEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return withLatestKeys(this.keyring, () => this.#ingest.submit(entries.map((e) => this.#sealEvent(e))));
  }
  #sealEvent(entry: IngestEntry): SealedEntry {
    const dataKey = eventDataKey(this.#sealer, entry);
    return { ...entry, sealed: { payload: sealWith(dataKey, Buffer.from(entry.event.payload, 'utf8')), keyId: dataKey.keyId } };
  }
  getEvent(id: string): Promise<EventRecord | undefined> {
    return withLatestKeys(this.keyring, () => this.#events.get(id));
  }
  listDeliveries(filter: { eventId?: string; status?: DeliveryStatus; limit: number }): Promise<DeliveryRecord[]> {
    return this.#events.listDeliveries(filter);
  }
  countDeliveries(status?: DeliveryStatus): Promise<number> {
    return this.#events.countDeliveries(status);
  }
  countEvents(): Promise<number> {
    return this.#events.count();
  }

  // Delivery engine.
  claimDue(request: ClaimRequest): Promise<ClaimedDelivery[]> {
    return this.#deliveries.claim(request);
  }
  nextDueAt(): Promise<number | undefined> {
    return this.#deliveries.nextDueAt();
  }
  settle(outcomes: DeliveryOutcome[]): Promise<SettleResult[]> {
    return this.#settle.call(outcomes);
  }
  release(ids: readonly string[], owner: string, now: number): Promise<void> {
    return this.#deliveries.release(ids, owner, now);
  }
  attemptHistory(deliveryId: string): Promise<AttemptRecord[]> {
    return this.#deliveries.history(deliveryId);
  }
  listFallbackDeadLetters(limit: number): Promise<FallbackDeadLetter[]> {
    return this.#deliveries.fallbacks(limit);
  }

  // Functions.
  putFunction(name: string, spec: string, now: number): Promise<void> {
    return this.#functions.put(name, spec, now);
  }
  deleteFunction(name: string): Promise<boolean> {
    return this.#functions.delete(name);
  }
  allFunctions(): Promise<Record<string, string>> {
    return this.#functions.all();
  }

  // Metrics.
  recordMetrics(data: MetricDatum[]): Promise<void> {
    return this.#metrics.record(data);
  }
  queryMetrics(query: MetricQuery): Promise<MetricDatum[]> {
    return this.#metrics.query(query);
  }
  listMetrics(query: MetricListQuery): Promise<{ items: MetricIdentity[]; after?: string }> {
    return this.#metrics.list(query);
  }

  // CloudWatch alarms.
  putAlarm(alarm: AlarmRecord, history: AlarmHistoryRecord[]): Promise<'created' | 'updated'> {
    return this.#alarms.put(alarm, history);
  }
  getAlarm(name: string): Promise<AlarmRecord | undefined> {
    return this.#alarms.get(name);
  }
  listAlarms(filter: AlarmFilter): Promise<AlarmRecord[]> {
    return this.#alarms.list(filter);
  }
  countAlarms(): Promise<number> {
    return this.#alarms.count();
  }
  deleteAlarms(names: string[], history: AlarmHistoryRecord[]): Promise<string[]> {
    return this.#alarms.delete(names, history);
  }
  setAlarmActionsEnabled(names: string[], enabled: boolean, history: (alarm: AlarmRecord) => AlarmHistoryRecord[]): Promise<void> {
    return this.#alarms.setActionsEnabled(names, enabled, history);
  }
  changeAlarmState(change: AlarmStateChange): Promise<AlarmRecord | undefined> {
    return this.#alarms.changeState(change);
  }
  claimDueAlarms(request: { now: number; owner: string; leaseUntil: number; limit: number; horizon: number }): Promise<AlarmRecord[]> {
    return this.#alarms.claim(request);
  }
  finishAlarmEvaluation(finish: { name: string; owner: string; nextEvaluationAt: number; change?: AlarmStateChange }): Promise<AlarmRecord | undefined> {
    return this.#alarms.finish(finish);
  }
  nextAlarmEvaluationAt(): Promise<number | undefined> {
    return this.#alarms.nextEvaluationAt();
  }
  addAlarmHistory(items: AlarmHistoryRecord[]): Promise<void> {
    return this.#alarms.addHistory(items);
  }
  listAlarmHistory(filter: AlarmHistoryFilter): Promise<{ items: AlarmHistoryRecord[]; after?: string }> {
    return this.#alarms.history(filter);
  }

  // SQS queues.
  createQueue(queue: QueueRecord, tags: Record<string, string>): Promise<boolean> {
    return this.#queues.create(queue, tags);
  }
  getQueue(name: string): Promise<QueueRecord | undefined> {
    return this.#queues.get(name);
  }
  listQueues(page: PageRequest): Promise<Page<QueueRecord>> {
    return this.#queues.list(page);
  }
  setQueueAttributes(name: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    return this.#queues.setAttributes(name, attributes, lastModifiedAt);
  }
  deleteQueue(name: string): Promise<boolean> {
    return this.#queues.delete(name);
  }
  deadLetterSourceQueues(deadLetterArn: string, page: PageRequest): Promise<Page<string>> {
    return this.#queues.deadLetterSources(deadLetterArn, page);
  }
  sendMessages(messages: NewQueueMessage[]): Promise<boolean> {
    return withLatestKeys(this.keyring, () => this.#messages.send(messages));
  }
  receiveMessages(request: ReceiveRequest): Promise<ReceivedMessage[]> {
    return withLatestKeys(this.keyring, () => this.#messages.receive(request));
  }
  nextVisibleAt(queue: string, now: number): Promise<number | undefined> {
    return this.#messages.nextVisibleAt(queue, now);
  }
  deleteMessages(queue: string, receiptHandles: string[]): Promise<HandleResult[]> {
    return this.#messages.deleteBatch(queue, receiptHandles);
  }
  changeMessageVisibility(queue: string, receiptHandle: string, visibleAt: number): Promise<HandleResult> {
    return this.#messages.changeVisibility(queue, receiptHandle, visibleAt);
  }
  purgeQueue(queue: string, now: number): Promise<boolean> {
    return this.#messages.purge(queue, now);
  }
  queueCounts(queue: string, now: number): Promise<QueueCounts> {
    return this.#messages.counts(queue, now);
  }
  queueGauges(now: number): Promise<QueueGauges[]> {
    return this.#messages.gauges(now);
  }
  deleteExpiredMessages(now: number): Promise<number> {
    return this.#messages.deleteExpired(now);
  }
  tagQueue(queue: string, tags: Record<string, string>): Promise<boolean> {
    return this.#queues.tag(queue, tags);
  }
  untagQueue(queue: string, keys: string[]): Promise<boolean> {
    return this.#queues.untag(queue, keys);
  }
  listQueueTags(queue: string): Promise<Record<string, string>> {
    return this.#queues.tags(queue);
  }

  // SQS message move tasks and dead-letter redrive.
  createMoveTask(task: MoveTaskRecord): Promise<boolean> {
    return this.#moveTasks.create(task);
  }
  getMoveTask(handle: string): Promise<MoveTaskRecord | undefined> {
    return this.#moveTasks.get(handle);
  }
  listMoveTasks(sourceQueue: string, limit: number): Promise<MoveTaskRecord[]> {
    return this.#moveTasks.list(sourceQueue, limit);
  }
  cancelMoveTask(handle: string, now: number): Promise<CancelMoveTaskResult> {
    return this.#moveTasks.cancel(handle, now);
  }
  claimMoveTasks(lease: MoveTaskLease, limit: number): Promise<{ tasks: MoveTaskRecord[]; nextLeaseEnd?: number }> {
    return this.#moveTasks.claim(lease, limit);
  }
  moveMessages(request: MoveBatchRequest): Promise<MoveBatchResult> {
    return this.#moveTasks.move(request);
  }
  releaseMoveTask(handle: string, owner: string): Promise<void> {
    return this.#moveTasks.release(handle, owner);
  }
  peekMessages(queue: string, now: number, page: { after?: string; limit: number }): Promise<Page<StoredMessage>> {
    return withLatestKeys(this.keyring, () => this.#redrive.peek(queue, now, page));
  }
  findMessage(queue: string, messageId: string, now: number): Promise<StoredMessage | undefined> {
    return withLatestKeys(this.keyring, () => this.#redrive.find(queue, messageId, now));
  }
  redriveDeadLetters(redrives: RedriveItem[], now: number): Promise<RedriveResult[]> {
    return this.#redrive.redrive(redrives, now);
  }

  // --- SNS topics (TopicStore): delegated to topics.ts and topic-messages.ts ---
  createTopic(topic: TopicRecord, tags: Record<string, string>): Promise<boolean> {
    return this.#topics.createTopic(topic, tags);
  }
  getTopic(arn: string): Promise<TopicRecord | undefined> {
    return this.#topics.getTopic(arn);
  }
  listTopics(page: PageRequest): Promise<Page<TopicRecord>> {
    return this.#topics.listTopics(page);
  }
  setTopicAttributes(arn: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    return this.#topics.setTopicAttributes(arn, attributes, lastModifiedAt);
  }
  deleteTopic(arn: string): Promise<boolean> {
    return this.#topics.deleteTopic(arn);
  }
  topicCounts(arn: string): Promise<TopicCounts> {
    return this.#topics.counts(arn);
  }
  createSubscription(subscription: SubscriptionRecord): Promise<{ created: boolean; subscription: SubscriptionRecord } | undefined> {
    return this.#topics.createSubscription(subscription);
  }
  getSubscription(arn: string): Promise<SubscriptionRecord | undefined> {
    return this.#topics.getSubscription(arn);
  }
  subscriptionByToken(token: string): Promise<SubscriptionRecord | undefined> {
    return this.#topics.subscriptionByToken(token);
  }
  listSubscriptions(page: PageRequest): Promise<Page<SubscriptionRecord>> {
    return this.#topics.listSubscriptions(page);
  }
  updateSubscription(arn: string, changes: SubscriptionChanges): Promise<boolean> {
    return this.#topics.updateSubscription(arn, changes);
  }
  deleteSubscription(arn: string): Promise<boolean> {
    return this.#topics.deleteSubscription(arn);
  }
  publish(topicArn: string, messages: TopicMessage[], dueAt: number): Promise<number | undefined> {
    return withLatestKeys(this.keyring, () => this.#topicMessages.publish(topicArn, messages, dueAt, this.#clock.now()));
  }
  sendToSubscription(subscriptionArn: string, message: TopicMessage, dueAt: number): Promise<boolean> {
    return withLatestKeys(this.keyring, () => this.#topicMessages.sendToSubscription(subscriptionArn, message, dueAt, this.#clock.now()));
  }
  signingKey(): Promise<SigningKeyRecord | undefined> {
    return this.#topics.signingKey();
  }
  putSigningKey(key: SigningKeyRecord): Promise<SigningKeyRecord> {
    return this.#topics.putSigningKey(key);
  }
  // --- end SNS topics ---

  // Configuration change log.
  latestConfigChange(): Promise<number> {
    return this.#config.latest();
  }
  readConfigChanges(after: number, limit: number): Promise<{ changes: ConfigChange[]; missed: boolean }> {
    return this.#config.read(after, limit);
  }
  pruneConfigChanges(before: number): Promise<number> {
    return this.#config.prune(before);
  }

  onWake(channel: WakeChannel, fn: (detail: string) => void): () => void {
    return this.#wakeUps.subscribe(channel, fn);
  }

  /** Resolves once wake-ups are being listened for (for tests: a notification sent afterwards reaches `onWake`). */
  wakeUpsReady(): Promise<void> {
    return this.#wakeUps.ready();
  }

  stats(): StoreStats {
    return { commits: this.#ingest.commits };
  }

  // --- keyring (KeyStore): delegated to key-store.ts ---
  get keyring(): Keyring {
    return this.#sealer.keyring;
  }
  getRootKeyCheck(): Promise<Buffer | undefined> {
    return this.#keyStore.getRootKeyCheck();
  }
  putRootKeyCheck(check: Buffer, now: number): Promise<boolean> {
    return this.#keyStore.putRootKeyCheck(check, now);
  }
  loadKeyring(): Promise<KeyringContents> {
    return this.#keyStore.loadKeyring();
  }
  createKmsKey(key: KmsKeyRecord, material: KeyMaterialRecord, alias?: KmsAliasRecord): Promise<void> {
    return this.#keyStore.createKmsKey(key, material, alias);
  }
  updateKmsKey(key: KmsKeyRecord): Promise<void> {
    return this.#keyStore.updateKmsKey(key);
  }
  addKeyMaterial(material: KeyMaterialRecord, key: KmsKeyRecord): Promise<void> {
    return this.#keyStore.addKeyMaterial(material, key);
  }
  deleteKmsKey(id: string): Promise<void> {
    return this.#keyStore.deleteKmsKey(id);
  }
  createKmsAlias(alias: KmsAliasRecord): Promise<boolean> {
    return this.#keyStore.createKmsAlias(alias);
  }
  updateKmsAlias(alias: KmsAliasRecord): Promise<boolean> {
    return this.#keyStore.updateKmsAlias(alias);
  }
  deleteKmsAlias(name: string): Promise<boolean> {
    return this.#keyStore.deleteKmsAlias(name);
  }
  // --- end keyring ---

  /** Commits what is queued, stops listening, then closes the pool. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.#closing ??= Promise.all([this.#ingest.close(), this.#settle.close()])
      .then(() => this.#wakeUps.close())
      .then(() => this.#pool.end());
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
