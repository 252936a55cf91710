/**
 * The embedded store: one SQLite file in WAL mode, two connections to it.
 *
 * - `ingest` goes through group commit (concurrent PutEvents share one fsync) to a writer thread with its own
 *   connection (writer.ts), so the inserts and the fsync run beside the event loop instead of blocking it. While
 *   one group is being committed there, the next one accumulates here.
 * - The delivery engine's claims and its settles that change only a delivery's state ride with those groups
 *   (delivery-protocol.ts, delivery-writes.ts): their queries ran at ~40 µs of the event loop per delivery, the most
 *   of its work (docs/benchmarks.md). The thread opens the claimed payloads with data keys and the KMS keys' states
 *   given from here, where the keyring is (OpeningKeys); outcomes that write more (attempt records, dead letters,
 *   follow-ups) are sealed and settled on the main connection.
 * - SQS's sends, receives and deletes ride with those groups too (queue-offload.ts, queue-writes.ts), sealed and
 *   opened on the thread with the data keys handed to it (ThreadKeys): their statements and ciphers were most of
 *   the event loop's work per message (docs/benchmarks.md).
 * - Everything else runs on the main connection, synchronously: reads (WAL readers never wait for the writer and
 *   see every group acknowledged so far) and the control-plane writes (buses, rules, targets, ...), each its own
 *   small transaction.
 *
 * The two connections share SQLite's one write lock. The main thread keeps them from contending for it: it runs
 * control-plane writes only between ingest commits (`#write`), so neither the event loop nor the writer thread
 * ever sits in SQLite's busy handler, and neither can starve the other. A control-plane write waits (asynchronously)
 * for at most one commit. busy_timeout still covers other processes (a CLI); for them, the read-then-write
 * transactions begin IMMEDIATE, since a deferred one fails with SQLITE_BUSY if another connection commits between
 * its read and its write.
 *
 * Payload columns are sealed and opened with the keyring (src/store/sealing.ts), which `open` unlocks with the root
 * key before anything else. Event payloads get their data key here and are sealed on the writer thread.
 */
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
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
import type { DeleteRuleResult, IngestEntry, PutTargetsResult, Store, StoreStats } from '../store.js';
import { GroupCommit, type FlushOutcomes } from '../group-commit.js';
import { Buses } from './buses.js';
import { ApiDestinations, Connections } from './connections.js';
import { openDatabase, readSettings, type Settings } from './database.js';
import { Events } from './events.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { Rules } from './rules.js';
import { Tags } from './tags.js';
import { Targets } from './targets.js';
import { SqliteQueueStore, type QueueCommits } from './queue-store.js';
import { answerQueueJobs, isQueueJob, QueueOffload, queueWork, type QueueJob } from './queue-offload.js';
import { ThreadKeys } from './thread-keys.js';
import type { HandleResult, NewQueueMessage, QueueCounts, QueueGauges, QueueRecord, ReceivedMessage, ReceiveRequest } from '../queues.js';
import { Checkpointer } from './checkpointer.js';
import { WalSync } from './wal-sync.js';
import { WriteBatch } from './write-batch.js';
import { WriterThread } from './writer.js';
import { Deliveries, settlesOnThread } from './deliveries.js';
import { packSettle, type DeliveryReply, type PackedClaim } from './delivery-protocol.js';
import { fromWire, isWireError } from './wire-error.js';
import { prepareMessageInsert } from './queue-messages.js';
import { Metrics } from './metrics.js';
import { Functions } from './functions.js';
import type { MetricDatum, MetricIdentity, MetricListQuery, MetricQuery } from '../metrics.js';
import type { AlarmFilter, AlarmHistoryFilter, AlarmHistoryRecord, AlarmRecord, AlarmStateChange } from '../alarms.js';
import { Alarms } from './alarms.js';
import { IdGenerator } from '../ids.js';
import type { AttemptRecord, ClaimedDelivery, ClaimRequest, DeliveryOutcome, FallbackDeadLetter, SettleResult } from '../deliveries.js';
import type { SigningKeyRecord, SubscriptionChanges, SubscriptionRecord, TopicCounts, TopicMessage, TopicRecord } from '../topics.js';
import { SqliteTopicStore } from './topic-store.js';
import type { CancelMoveTaskResult, MoveBatchRequest, MoveBatchResult, MoveTaskLease, MoveTaskRecord } from '../move-tasks.js';
import type { RedriveItem, RedriveResult, StoredMessage } from '../redrive.js';
import { SqliteMoveTasks } from './move-tasks.js';
import { SqliteRedrive } from './redrive.js';
import { KeyError, openKeyring, type Keyring, type RootKeyLog, type RootKeyOptions, type Sealer } from '../../keys/index.js';
import type { KeyMaterialRecord, KeyringContents, KmsAliasRecord, KmsKeyRecord } from '../keys.js';
import { eventDataKey, messageColumns, withLatestKeys } from '../sealing.js';
import { SqliteKeyStore } from './key-store.js';
import type { ThreadWork, WriterEntry } from './writer-protocol.js';

/** How a store finds its root key, and where it says what it did with it. */
export interface KeyOptions {
  rootKey?: RootKeyOptions;
  log?: RootKeyLog;
}

const SILENT: RootKeyLog = { warn: () => undefined };
import { LOGGED_CHANGES as log, removedAny, type ConfigChange, type NewConfigChange } from '../config-changes.js';
import { SqliteConfigChanges } from './config-changes.js';

interface SettleBatch {
  outcomes: DeliveryOutcome[];
  results?: SettleResult[];
}

/**
 * Work for the writer thread, riding with ingest's groups: the delivery engine's (delivery-protocol.ts) and SQS's
 * (queue-offload.ts). The thread answers it before the group's commit: the answer is set on it and `done` called
 * then (with the error that kept it out, if one did), or with the group's failure if the thread died first.
 */
type ThreadJob = (({ claim: ClaimRequest; answer?: PackedClaim } | { settle: SettleBatch }) & { done: (error?: Error) => void }) | QueueJob;

/** What the writer thread commits: an ingest caller's entries, or work. */
type WriterJob = WriterEntry[] | ThreadJob;


export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly instanceId = randomUUID();
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #buses: Buses;
  readonly #rules: Rules;
  readonly #targets: Targets;
  readonly #connections: Connections;
  readonly #apiDestinations: ApiDestinations;
  readonly #tags: Tags;
  readonly #events: Events;
  readonly #writer: WriterThread;
  readonly #ingest: GroupCommit<WriterJob>;
  readonly #deliveries: Deliveries;
  readonly #metrics: Metrics;
  readonly #functions: Functions;
  readonly #settle: GroupCommit<SettleBatch>;
  readonly #queues: SqliteQueueStore;
  readonly #walSync: WalSync;
  readonly #checkpointer: Checkpointer;
  readonly #queueBatch: WriteBatch;
  readonly #topics: SqliteTopicStore;
  readonly #moveTasks: SqliteMoveTasks;
  readonly #redrive: SqliteRedrive;
  readonly #alarms: Alarms;
  readonly #keyStore: SqliteKeyStore;
  readonly #sealer: Sealer;
  readonly #threadKeys: ThreadKeys;
  readonly #config: SqliteConfigChanges;
  #closing: Promise<void> | undefined;

  /**
   * Opens (creating if needed) and migrates the database file at `path`, then unlocks its keyring with the root key
   * (by default the file root.key beside the database, generated on a first run: see src/keys/root-key.ts).
   */
  static async open(path: string, clock: Clock, keys: KeyOptions = {}): Promise<SqliteStore> {
    const db = openDatabase(path);
    try {
      migrate(db, MIGRATIONS, clock.now());
      let store: SqliteStore | undefined;
      // Until the store exists nothing else writes, so the keyring's first writes need not wait for a commit.
      const keyStore = new SqliteKeyStore(db, (fn) => (store ? store.#write(fn) : Promise.resolve().then(fn)));
      const sealer = await openKeyring(keyStore, keys.rootKey ?? {}, join(dirname(path), 'root.key'), clock, keys.log ?? SILENT);
      store = new SqliteStore(db, path, clock, keyStore, sealer);
      return store;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(db: Database.Database, path: string, clock: Clock, keyStore: SqliteKeyStore, sealer: Sealer) {
    this.#db = db;
    this.#clock = clock;
    this.#keyStore = keyStore;
    this.#sealer = sealer;
    this.#buses = new Buses(db);
    this.#rules = new Rules(db);
    this.#targets = new Targets(db);
    this.#connections = new Connections(db, sealer);
    this.#apiDestinations = new ApiDestinations(db);
    this.#tags = new Tags(db);
    this.#events = new Events(db, sealer);
    this.#writer = new WriterThread(path);
    this.#ingest = new GroupCommit((jobs) => this.#flush(jobs));
    this.#threadKeys = new ThreadKeys(sealer);
    this.#deliveries = new Deliveries(db, new IdGenerator(), prepareMessageInsert(db, (m) => messageColumns(sealer, m)), sealer, this.#threadKeys);
    this.#metrics = new Metrics(db);
    this.#functions = new Functions(db);
    // SQS sends commit on the writer thread without an fsync, then wait for the WAL's shared one (see #outboxWrite).
    this.#walSync = new WalSync(`${path}-wal`);
    // Checkpoints move off the event loop once the main connection writes in earnest (see #outboxWrite).
    this.#checkpointer = new Checkpointer(db, path);
    // Visibility changes and expiry sweeps: the writes of a turn of the event loop share one unsynced commit.
    this.#queueBatch = new WriteBatch(db, (run) => this.#write(() => this.#outboxWrite(run)));
    const batch = this.#queueBatch;
    const offload = new QueueOffload((job) => this.#threadJob(job), sealer, this.#threadKeys, this.#walSync);
    const queueCommits: QueueCommits = {
      control: (write) => this.#write(write),
      relaxed: (write) => batch.submit(write),
      send: (messages) => offload.send(messages),
      receive: (request) => offload.receive(request),
      delete: (queue, handles) => offload.delete(queue, handles),
    };
    this.#queues = new SqliteQueueStore(db, sealer, queueCommits, () => this.#clock.now());
    this.#topics = new SqliteTopicStore(db, clock, (fn) => this.#write(fn), sealer);
    this.#moveTasks = new SqliteMoveTasks(db);
    this.#redrive = new SqliteRedrive(db, new IdGenerator(), sealer);
    this.#alarms = new Alarms(db);
    this.#config = new SqliteConfigChanges(db, this.instanceId, clock);
    // Outcomes settled at the same time share one commit, like ingest; each batch gets its own results back. These
    // are the outcomes that write more than a state (see settle): the others go to the writer thread.
    this.#settle = new GroupCommit(async (batches) => {
      const results = await this.#write(() => this.#outboxWrite(() => this.#deliveries.settle(batches.flatMap((b) => b.outcomes), this.#clock.now())));
      let i = 0;
      for (const b of batches) b.results = results.slice(i, (i += b.outcomes.length));
      return batches.map(() => undefined);
    });
  }

  /** The main connection's durability settings as SQLite reports them (for tests and diagnostics). */
  settings(): Settings {
    return readSettings(this.#db);
  }

  /** The same for the writer thread's connection, the one whose commits acknowledge ingest. */
  writerSettings(): Promise<Settings> {
    return this.#writer.settings();
  }

  createBus(bus: BusRecord): Promise<boolean> {
    return this.#logged(() => this.#buses.create(bus), (created) => log.bus(bus.name, created));
  }
  async getBus(name: string): Promise<BusRecord | undefined> {
    return this.#buses.get(name);
  }
  async listBuses(page: PageRequest): Promise<Page<BusRecord>> {
    return this.#buses.list(page);
  }
  deleteBus(name: string): Promise<boolean> {
    return this.#logged(() => this.#buses.delete(name), (deleted) => log.bus(name, deleted));
  }

  putRule(rule: RuleRecord): Promise<boolean> {
    return this.#logged(() => this.#rules.put(rule), () => log.rule(rule.bus, rule.name, true));
  }
  async getRule(bus: string, name: string): Promise<RuleRecord | undefined> {
    return this.#rules.get(bus, name);
  }
  async listRules(bus: string, page: PageRequest): Promise<Page<RuleRecord>> {
    return this.#rules.list(bus, page);
  }
  async allRules(bus: string): Promise<RuleRecord[]> {
    return this.#rules.all(bus);
  }
  deleteRule(bus: string, name: string, force: boolean): Promise<DeleteRuleResult> {
    return this.#logged(() => this.#rules.delete(bus, name, force), (result) => log.rule(bus, name, result === 'deleted'));
  }

  putTargets(bus: string, rule: string, targets: TargetRecord[], maxPerRule: number): Promise<PutTargetsResult> {
    return this.#logged(() => this.#targets.put(bus, rule, targets, maxPerRule), (result) => log.targets(bus, rule, result === 'ok'));
  }
  removeTargets(bus: string, rule: string, ids: string[]): Promise<string[]> {
    return this.#logged(() => this.#targets.remove(bus, rule, ids), (missing) => log.targets(bus, rule, removedAny(ids, missing)));
  }
  async listTargets(bus: string, rule: string): Promise<TargetRecord[]> {
    return this.#targets.list(bus, rule);
  }
  async allTargets(bus: string): Promise<TargetRecord[]> {
    return this.#targets.all(bus);
  }
  async ruleNamesByTarget(bus: string, targetArn: string, page: PageRequest): Promise<Page<string>> {
    return this.#targets.ruleNamesByTarget(bus, targetArn, page);
  }

  createConnection(connection: ConnectionRecord): Promise<boolean> {
    return this.#logged(() => this.#connections.create(connection), (created) => log.connection(connection.name, created));
  }
  getConnection(name: string): Promise<ConnectionRecord | undefined> {
    return withLatestKeys(this.keyring, () => this.#connections.get(name));
  }
  listConnections(page: PageRequest): Promise<Page<ConnectionRecord>> {
    return withLatestKeys(this.keyring, () => this.#connections.list(page));
  }
  deleteConnection(name: string): Promise<boolean> {
    return this.#logged(() => this.#connections.delete(name), (deleted) => log.connection(name, deleted));
  }
  createApiDestination(destination: ApiDestinationRecord): Promise<boolean> {
    return this.#logged(() => this.#apiDestinations.create(destination), (created) => log.apiDestination(destination.name, created));
  }
  async getApiDestination(name: string): Promise<ApiDestinationRecord | undefined> {
    return this.#apiDestinations.get(name);
  }
  async listApiDestinations(page: PageRequest): Promise<Page<ApiDestinationRecord>> {
    return this.#apiDestinations.list(page);
  }
  deleteApiDestination(name: string): Promise<boolean> {
    return this.#logged(() => this.#apiDestinations.delete(name), (deleted) => log.apiDestination(name, deleted));
  }

  tagResource(arn: string, tags: Record<string, string>): Promise<void> {
    return this.#write(() => this.#tags.tag(arn, tags));
  }
  untagResource(arn: string, keys: string[]): Promise<void> {
    return this.#write(() => this.#tags.untag(arn, keys));
  }
  async listTags(arn: string): Promise<Record<string, string>> {
    return this.#tags.list(arn);
  }

  ingest(entries: IngestEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    // Keyed and submitted synchronously, so a call made before close() is in the last group. A caller whose bus key
    // cannot be used fails alone, before joining a group; one this process does not know yet, once reloaded.
    try {
      return this.#submit(this.#withDataKeys(entries));
    } catch (err) {
      if (err instanceof KeyError && err.reason === 'not-found') return this.keyring.reload().then(() => this.#submit(this.#withDataKeys(entries)));
      return Promise.reject(err);
    }
  }

  #withDataKeys(entries: IngestEntry[]): WriterEntry[] {
    return entries.map((e) => ({ event: e.event, dataKey: eventDataKey(this.#sealer, e), deliveries: e.deliveries }));
  }

  /** Commits a group on the writer thread: the delivery work that came with it, then its ingest callers' events. */
  async #flush(jobs: WriterJob[]): Promise<FlushOutcomes> {
    const now = this.#clock.now();
    const callers: WriterEntry[][] = [];
    const thread: ThreadJob[] = [];
    for (const job of jobs) {
      if (Array.isArray(job)) callers.push(job);
      else thread.push(job);
    }
    if (thread.length === 0) return this.#writer.flush(callers, now);
    const claims = thread.filter((j) => 'claim' in j);
    const settles = thread.filter((j) => 'settle' in j);
    const queueJobs = thread.filter(isQueueJob);
    const outcomes = settles.flatMap((j) => j.settle.outcomes);
    // The work makes the writer thread's connection write in earnest: checkpoints move to their own thread.
    this.#checkpointer.start();
    const work: ThreadWork = { now, keys: [], usable: [], autocheckpointPages: this.#checkpointer.autocheckpointPages };
    if (claims.length > 0 || settles.length > 0) work.deliveries = { claims: claims.map((c) => c.claim) };
    if (outcomes.length > 0) work.deliveries!.settle = packSettle(outcomes);
    if (queueJobs.length > 0) work.queues = queueWork(queueJobs, this.#threadKeys);
    // After packing the sends, which may have handed the thread sealing keys.
    Object.assign(work, this.#threadKeys.work());
    const ingest = await this.#writer.run(callers, now, {
      work,
      worked: (reply) => {
        if (reply.deliveries) answer(reply.deliveries);
        if (reply.queues) answerQueueJobs(queueJobs, reply.queues);
      },
    });
    let caller = 0;
    return jobs.map((job) => (Array.isArray(job) ? (ingest instanceof Error ? ingest : ingest[caller++]) : undefined));

    function answer({ claims: answers, settled }: DeliveryReply): void {
      claims.forEach((c, i) => {
        const a = answers[i];
        if (isWireError(a)) return c.done(fromWire(a));
        c.answer = a;
        c.done();
      });
      // A settle that failed as a whole (nothing of it committed) rejects its callers, as ingest's.
      if (!Array.isArray(settled)) return settles.forEach((j) => j.done(fromWire(settled!)));
      let i = 0;
      for (const j of settles) {
        j.settle.results = j.settle.outcomes.map(() => {
          const a = settled[i++];
          return a === 1 ? { applied: true } : a === 0 ? { applied: false } : { applied: false, error: a.message };
        });
        j.done();
      }
    }
  }

  /** Sends `job` with the next group and resolves once the thread has answered it. */
  #threadJob<J extends ThreadJob>(job: Omit<J, 'done'>): Promise<J> {
    // As in #submit: the answer to the group in flight may be waiting.
    this.#writer.poll();
    return new Promise<J>((resolve, reject) => {
      const full = Object.assign(job, { done: (error?: Error) => (error ? reject(error) : resolve(full as J)) }) as J;
      // The commit's own outcome matters only when the thread died before answering (a promise settles once).
      this.#ingest.submit(full).then(() => full.done(), (error: Error) => full.done(error));
    });
  }

  #submit(sealed: WriterEntry[]): Promise<void> {
    // Requests arrive here one after another while the event loop works through a burst: a good moment to notice
    // that the writer thread finished its group, so the accumulated one goes to it without delay.
    this.#writer.poll();
    return this.#ingest.submit(sealed);
  }

  getEvent(id: string): Promise<EventRecord | undefined> {
    return withLatestKeys(this.keyring, () => this.#events.get(id));
  }
  async listDeliveries(filter: { eventId?: string; status?: DeliveryStatus; limit: number }): Promise<DeliveryRecord[]> {
    return this.#events.listDeliveries(filter);
  }
  async countDeliveries(status?: DeliveryStatus): Promise<number> {
    return this.#events.countDeliveries(status);
  }
  async countEvents(): Promise<number> {
    return this.#events.count();
  }

  // Delivery engine. Claims and plain settles run on the writer thread (delivery-writes.ts) with ingest's groups.
  async claimDue(request: ClaimRequest): Promise<ClaimedDelivery[]> {
    const job = await this.#threadJob<{ claim: ClaimRequest; answer?: PackedClaim; done: () => void }>({ claim: request });
    const { claimed, unopenable } = this.#deliveries.open(job.answer!, request.leaseUntil);
    if (unopenable.length > 0) {
      await this.#write(() => this.#outboxWrite(() => this.#deliveries.defer(unopenable, request.owner, request.leaseUntil, request.now)));
    }
    return claimed;
  }
  async nextDueAt(): Promise<number | undefined> {
    return this.#deliveries.nextDueAt();
  }
  async settle(outcomes: DeliveryOutcome[]): Promise<SettleResult[]> {
    const onThread = outcomes.map(settlesOnThread);
    const plain: SettleBatch = { outcomes: outcomes.filter((_, i) => onThread[i]) };
    const full: SettleBatch = { outcomes: outcomes.filter((_, i) => !onThread[i]) };
    await Promise.all([plain.outcomes.length > 0 && this.#threadJob({ settle: plain }), full.outcomes.length > 0 && this.#settle.submit(full)]);
    let p = 0;
    let f = 0;
    return onThread.map((thread) => (thread ? plain.results![p++] : full.results![f++]));
  }
  async release(ids: readonly string[], owner: string, now: number): Promise<void> {
    await this.#write(() => this.#deliveries.release(ids, owner, now));
  }
  async attemptHistory(deliveryId: string): Promise<AttemptRecord[]> {
    return this.#deliveries.history(deliveryId);
  }
  async listFallbackDeadLetters(limit: number): Promise<FallbackDeadLetter[]> {
    return this.#deliveries.fallbacks(limit);
  }

  // Functions.
  async putFunction(name: string, spec: string, now: number): Promise<void> {
    this.#functions.put(name, spec, now);
  }
  async deleteFunction(name: string): Promise<boolean> {
    return this.#functions.delete(name);
  }
  async allFunctions(): Promise<Record<string, string>> {
    return this.#functions.all();
  }

  // Metrics.
  recordMetrics(data: MetricDatum[]): Promise<void> {
    return this.#write(() => this.#metrics.record(data));
  }
  async queryMetrics(query: MetricQuery): Promise<MetricDatum[]> {
    return this.#metrics.query(query);
  }
  listMetrics(query: MetricListQuery): Promise<{ items: MetricIdentity[]; after?: string }> {
    return this.#metrics.list(query);
  }

  // --- CloudWatch alarms (AlarmStore): delegated to alarms.ts ---
  putAlarm(alarm: AlarmRecord, history: AlarmHistoryRecord[]): Promise<'created' | 'updated'> {
    return this.#write(() => this.#alarms.put(alarm, history));
  }
  async getAlarm(name: string): Promise<AlarmRecord | undefined> {
    return this.#alarms.get(name);
  }
  async listAlarms(filter: AlarmFilter): Promise<AlarmRecord[]> {
    return this.#alarms.list(filter);
  }
  async countAlarms(): Promise<number> {
    return this.#alarms.count();
  }
  deleteAlarms(names: string[], history: AlarmHistoryRecord[]): Promise<string[]> {
    return this.#write(() => this.#alarms.delete(names, history));
  }
  setAlarmActionsEnabled(names: string[], enabled: boolean, history: (alarm: AlarmRecord) => AlarmHistoryRecord[]): Promise<void> {
    return this.#write(() => this.#alarms.setActionsEnabled(names, enabled, history));
  }
  changeAlarmState(change: AlarmStateChange): Promise<AlarmRecord | undefined> {
    return this.#write(() => this.#alarms.changeState(change));
  }
  claimDueAlarms(request: { now: number; owner: string; leaseUntil: number; limit: number; horizon: number }): Promise<AlarmRecord[]> {
    return this.#write(() => this.#outboxWrite(() => this.#alarms.claim(request)));
  }
  finishAlarmEvaluation(finish: { name: string; owner: string; nextEvaluationAt: number; change?: AlarmStateChange }): Promise<AlarmRecord | undefined> {
    return this.#write(() => this.#outboxWrite(() => this.#alarms.finish(finish)));
  }
  async nextAlarmEvaluationAt(): Promise<number | undefined> {
    return this.#alarms.nextEvaluationAt();
  }
  addAlarmHistory(items: AlarmHistoryRecord[]): Promise<void> {
    return this.#write(() => this.#alarms.addHistory(items));
  }
  async listAlarmHistory(filter: AlarmHistoryFilter): Promise<{ items: AlarmHistoryRecord[]; after?: string }> {
    return this.#alarms.history(filter);
  }
  // --- end CloudWatch alarms ---

  // --- SQS queues (QueueStore): delegated to queue-store.ts ---
  createQueue(queue: QueueRecord, tags: Record<string, string>): Promise<boolean> {
    return this.#queues.createQueue(queue, tags);
  }
  getQueue(name: string): Promise<QueueRecord | undefined> {
    return this.#queues.getQueue(name);
  }
  listQueues(page: PageRequest): Promise<Page<QueueRecord>> {
    return this.#queues.listQueues(page);
  }
  setQueueAttributes(name: string, attributes: Record<string, string>, lastModifiedAt: number): Promise<boolean> {
    return this.#queues.setQueueAttributes(name, attributes, lastModifiedAt);
  }
  deleteQueue(name: string): Promise<boolean> {
    return this.#queues.deleteQueue(name);
  }
  deadLetterSourceQueues(deadLetterArn: string, page: PageRequest): Promise<Page<string>> {
    return this.#queues.deadLetterSourceQueues(deadLetterArn, page);
  }
  sendMessages(messages: NewQueueMessage[]): Promise<boolean> {
    return withLatestKeys(this.keyring, () => this.#queues.sendMessages(messages));
  }
  receiveMessages(request: ReceiveRequest): Promise<ReceivedMessage[]> {
    return withLatestKeys(this.keyring, () => this.#queues.receiveMessages(request));
  }
  nextVisibleAt(queue: string, now: number): Promise<number | undefined> {
    return this.#queues.nextVisibleAt(queue, now);
  }
  deleteMessages(queue: string, receiptHandles: string[]): Promise<HandleResult[]> {
    return this.#queues.deleteMessages(queue, receiptHandles);
  }
  changeMessageVisibility(queue: string, receiptHandle: string, visibleAt: number): Promise<HandleResult> {
    return this.#queues.changeMessageVisibility(queue, receiptHandle, visibleAt);
  }
  purgeQueue(queue: string, now: number): Promise<boolean> {
    return this.#queues.purgeQueue(queue, now);
  }
  queueCounts(queue: string, now: number): Promise<QueueCounts> {
    return this.#queues.queueCounts(queue, now);
  }
  queueGauges(now: number): Promise<QueueGauges[]> {
    return this.#queues.queueGauges(now);
  }
  deleteExpiredMessages(now: number): Promise<number> {
    return this.#queues.deleteExpiredMessages(now);
  }
  tagQueue(queue: string, tags: Record<string, string>): Promise<boolean> {
    return this.#queues.tagQueue(queue, tags);
  }
  untagQueue(queue: string, keys: string[]): Promise<boolean> {
    return this.#queues.untagQueue(queue, keys);
  }
  listQueueTags(queue: string): Promise<Record<string, string>> {
    return this.#queues.listQueueTags(queue);
  }
  // --- end SQS queues ---

  // --- SNS topics (TopicStore): delegated to topic-store.ts ---
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
    return this.#topics.topicCounts(arn);
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
    return this.#topics.publish(topicArn, messages, dueAt);
  }
  sendToSubscription(subscriptionArn: string, message: TopicMessage, dueAt: number): Promise<boolean> {
    return this.#topics.sendToSubscription(subscriptionArn, message, dueAt);
  }
  signingKey(): Promise<SigningKeyRecord | undefined> {
    return this.#topics.signingKey();
  }
  putSigningKey(key: SigningKeyRecord): Promise<SigningKeyRecord> {
    return this.#topics.putSigningKey(key);
  }
  // --- end SNS topics ---
  // --- SQS message move tasks (MoveTaskStore) and dead-letter redrive (RedriveStore) ---
  createMoveTask(task: MoveTaskRecord): Promise<boolean> {
    return this.#write(() => this.#moveTasks.create(task));
  }
  async getMoveTask(handle: string): Promise<MoveTaskRecord | undefined> {
    return this.#moveTasks.get(handle);
  }
  async listMoveTasks(sourceQueue: string, limit: number): Promise<MoveTaskRecord[]> {
    return this.#moveTasks.list(sourceQueue, limit);
  }
  cancelMoveTask(handle: string, now: number): Promise<CancelMoveTaskResult> {
    return this.#write(() => this.#moveTasks.cancel(handle, now));
  }
  claimMoveTasks(lease: MoveTaskLease, limit: number): Promise<{ tasks: MoveTaskRecord[]; nextLeaseEnd?: number }> {
    return this.#write(() => this.#moveTasks.claim(lease, limit));
  }
  moveMessages(request: MoveBatchRequest): Promise<MoveBatchResult> {
    return this.#write(() => this.#moveTasks.move(request));
  }
  releaseMoveTask(handle: string, owner: string): Promise<void> {
    return this.#write(() => this.#moveTasks.release(handle, owner));
  }
  async peekMessages(queue: string, now: number, page: { after?: string; limit: number }): Promise<Page<StoredMessage>> {
    return this.#redrive.peek(queue, now, page);
  }
  async findMessage(queue: string, messageId: string, now: number): Promise<StoredMessage | undefined> {
    return this.#redrive.find(queue, messageId, now);
  }
  redriveDeadLetters(redrives: RedriveItem[], now: number): Promise<RedriveResult[]> {
    return this.#write(() => this.#redrive.redrive(redrives, now));
  }
  // --- end move tasks and redrive ---
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

  // --- Configuration change log (ConfigChangeStore) ---
  async latestConfigChange(): Promise<number> {
    return this.#config.latest();
  }
  async readConfigChanges(after: number, limit: number): Promise<{ changes: ConfigChange[]; missed: boolean }> {
    return this.#config.read(after, limit);
  }
  pruneConfigChanges(before: number): Promise<number> {
    return this.#write(() => this.#config.prune(before));
  }

  /** A control-plane write with the configuration changes it made, logged in its transaction. */
  #logged<R>(write: () => R, changes: (result: R) => NewConfigChange[]): Promise<R> {
    return this.#write(() => this.#config.logged(write, changes));
  }

  /**
   * Runs a write on the main connection between two ingest commits, never during one. Every write of the main
   * connection must come through here (control plane, and the dispatcher's deferrals and settlements alike): the
   * writer thread then never holds the write lock at the same time, so the event loop does not sit in SQLite's
   * busy handler, a deferred transaction cannot fail with SQLITE_BUSY_SNAPSHOT, and neither side can starve the
   * other. It waits (asynchronously) for at most one commit.
   */
  #write<R>(fn: () => R): Promise<R> {
    return this.#ingest.between(fn);
  }

  /**
   * Claims and outcomes are committed without waiting for the disk (synchronous=NORMAL for that transaction; WAL
   * still makes them survive a process crash). Losing one to a power cut can only repeat work: a lost claim lets the
   * delivery fall due again, a lost outcome (with its dead letter, written in the same transaction) makes it be
   * attempted again — at-least-once holds, while every delivery avoids an fsync. The same holds for an SQS visibility
   * change (the message becomes visible again), and for the SQS calls on the writer thread (queue-writes.ts), whose
   * sends are acknowledged only after WalSync's shared fsync, off the event loop. Alarm evaluations' claims and outcomes too (every alarm, every
   * minute: an fsync each made 10,000 alarms take most of the minute, see docs/benchmarks.md): a lost one is
   * evaluated again, and a lost state change is decided, and notified, again.
   * Ingest and the control plane keep synchronous=FULL: an acknowledged event or rule is never lost. (Claims and
   * plain settles on the writer thread commit the same way there: delivery-writes.ts.)
   * These writes are the main connection's busiest, so they also start the thread that checkpoints its WAL.
   */
  #outboxWrite<R>(fn: () => R): R {
    this.#checkpointer.start();
    this.#db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.#db.pragma('synchronous = FULL');
    }
  }

  stats(): StoreStats {
    return { commits: this.#ingest.commits };
  }

  /**
   * Commits what is queued, stops the writer thread, then closes the main connection (last, so it is the one that
   * checkpoints the WAL into the file). Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= Promise.all([this.#ingest.close(), this.#settle.close(), this.#topics.close(), this.#queueBatch.close()])
      .then(() => Promise.all([this.#writer.close(), this.#checkpointer.close()]))
      .then(() => {
        this.#db.close();
        return this.#walSync.close();
      });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
