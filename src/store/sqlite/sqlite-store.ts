/**
 * The embedded store: one SQLite file in WAL mode, one connection. Control-plane calls run as their own small
 * transactions; `ingest` goes through group commit so concurrent PutEvents share one fsync.
 *
 * better-sqlite3 is synchronous, so each method runs to completion on the event loop: no two transactions of this
 * process ever interleave, which is what makes the read-then-write transactions (putRule, putTargets) safe.
 */
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
import { GroupCommit } from '../group-commit.js';
import { IdGenerator } from '../ids.js';
import { Buses } from './buses.js';
import { ApiDestinations, Connections } from './connections.js';
import { openDatabase, readSettings, type Settings } from './database.js';
import { Events } from './events.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { Rules } from './rules.js';
import { Tags } from './tags.js';
import { Targets } from './targets.js';

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #buses: Buses;
  readonly #rules: Rules;
  readonly #targets: Targets;
  readonly #connections: Connections;
  readonly #apiDestinations: ApiDestinations;
  readonly #tags: Tags;
  readonly #events: Events;
  readonly #ingest: GroupCommit<IngestEntry[]>;
  #closing: Promise<void> | undefined;

  /** Opens (creating if needed) and migrates the database file at `path`. */
  static open(path: string, clock: Clock): SqliteStore {
    const db = openDatabase(path);
    try {
      migrate(db, MIGRATIONS, clock.now());
      return new SqliteStore(db, clock);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(db: Database.Database, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    this.#buses = new Buses(db);
    this.#rules = new Rules(db);
    this.#targets = new Targets(db);
    this.#connections = new Connections(db);
    this.#apiDestinations = new ApiDestinations(db);
    this.#tags = new Tags(db);
    this.#events = new Events(db, new IdGenerator());
    this.#ingest = new GroupCommit((callers) => this.#events.write(callers, this.#clock.now()));
  }

  /** The connection's durability settings as SQLite reports them (for tests and diagnostics). */
  settings(): Settings {
    return readSettings(this.#db);
  }

  async createBus(bus: BusRecord): Promise<boolean> {
    return this.#buses.create(bus);
  }
  async getBus(name: string): Promise<BusRecord | undefined> {
    return this.#buses.get(name);
  }
  async listBuses(page: PageRequest): Promise<Page<BusRecord>> {
    return this.#buses.list(page);
  }
  async deleteBus(name: string): Promise<boolean> {
    return this.#buses.delete(name);
  }

  async putRule(rule: RuleRecord): Promise<boolean> {
    return this.#rules.put(rule);
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
  async deleteRule(bus: string, name: string, force: boolean): Promise<DeleteRuleResult> {
    return this.#rules.delete(bus, name, force);
  }

  async putTargets(bus: string, rule: string, targets: TargetRecord[], maxPerRule: number): Promise<PutTargetsResult> {
    return this.#targets.put(bus, rule, targets, maxPerRule);
  }
  async removeTargets(bus: string, rule: string, ids: string[]): Promise<string[]> {
    return this.#targets.remove(bus, rule, ids);
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

  async createConnection(connection: ConnectionRecord): Promise<boolean> {
    return this.#connections.create(connection);
  }
  async getConnection(name: string): Promise<ConnectionRecord | undefined> {
    return this.#connections.get(name);
  }
  async listConnections(page: PageRequest): Promise<Page<ConnectionRecord>> {
    return this.#connections.list(page);
  }
  async deleteConnection(name: string): Promise<boolean> {
    return this.#connections.delete(name);
  }
  async createApiDestination(destination: ApiDestinationRecord): Promise<boolean> {
    return this.#apiDestinations.create(destination);
  }
  async getApiDestination(name: string): Promise<ApiDestinationRecord | undefined> {
    return this.#apiDestinations.get(name);
  }
  async listApiDestinations(page: PageRequest): Promise<Page<ApiDestinationRecord>> {
    return this.#apiDestinations.list(page);
  }
  async deleteApiDestination(name: string): Promise<boolean> {
    return this.#apiDestinations.delete(name);
  }

  async tagResource(arn: string, tags: Record<string, string>): Promise<void> {
    this.#tags.tag(arn, tags);
  }
  async untagResource(arn: string, keys: string[]): Promise<void> {
    this.#tags.untag(arn, keys);
  }
  async listTags(arn: string): Promise<Record<string, string>> {
    return this.#tags.list(arn);
  }

  ingest(entries: IngestEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return this.#ingest.submit(entries);
  }
  async getEvent(id: string): Promise<EventRecord | undefined> {
    return this.#events.get(id);
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

  stats(): StoreStats {
    return { commits: this.#ingest.commits };
  }

  /** Commits what is queued, then closes the file. Calling it again returns the same promise. */
  close(): Promise<void> {
    this.#closing ??= this.#ingest.close().then(() => {
      this.#db.close();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
