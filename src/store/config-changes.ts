/**
 * The store's side of keeping every process's view of the configuration current: a log of configuration changes.
 * Every write that changes a bus, a rule, a rule's targets, a connection or an API destination appends a row here
 * in its own transaction, so a change is logged exactly when it is committed. Processes read the log after the
 * last change they have seen (src/events/config-feed.ts) and refresh what they keep in memory — the routing table
 * of a bus, the delivery engine's lookups. A row names what changed, not how: the reader reads the current state.
 *
 * For backends: `seq` grows in commit order, so a reader that has seen change N has seen every change committed
 * before it (PostgreSQL serialises the appends with a lock held to the commit; SQLite has one writer), and is never
 * reused. Old rows are pruned; a reader whose position was pruned away is told it missed changes.
 */

export type ConfigChangeKind = 'bus' | 'rule' | 'targets' | 'connection' | 'api-destination';

/** What a write changed; the store adds the sequence number, the origin and the time. */
export interface NewConfigChange {
  kind: ConfigChangeKind;
  /** The bus of a bus, rule or targets change; absent for connections and API destinations. */
  bus?: string;
  /** The bus's (kind `bus`), the rule's (`rule`, `targets`), the connection's or the API destination's name. */
  name: string;
}

export interface ConfigChange extends NewConfigChange {
  seq: number;
  /** The `instanceId` of the store that wrote it: a process skips what it changed itself. */
  origin: string;
  at: number;
}

export interface ConfigChangeStore {
  /** Identifies this store instance (this process's connection to the data) in the changes it writes. */
  readonly instanceId: string;
  /** The position of the newest change (0 when there has been none): where a new reader starts. */
  latestConfigChange(): Promise<number>;
  /**
   * Changes after position `after`, oldest first, at most `limit`. `missed` when changes after `after` have been
   * pruned: the reader cannot know what they were and must read everything again (then go on from
   * `latestConfigChange`).
   */
  readConfigChanges(after: number, limit: number): Promise<{ changes: ConfigChange[]; missed: boolean }>;
  /** Deletes the changes written before `before` (ms since the epoch); returns how many. */
  pruneConfigChanges(before: number): Promise<number>;
}

/**
 * What each control-plane write logs, given its result, for both backends alike: nothing when it changed nothing
 * (a taken name, a missing rule).
 */
export const LOGGED_CHANGES = {
  bus: (name: string, changed: boolean): NewConfigChange[] => (changed ? [{ kind: 'bus', bus: name, name }] : []),
  rule: (bus: string, rule: string, changed: boolean): NewConfigChange[] => (changed ? [{ kind: 'rule', bus, name: rule }] : []),
  targets: (bus: string, rule: string, changed: boolean): NewConfigChange[] => (changed ? [{ kind: 'targets', bus, name: rule }] : []),
  connection: (name: string, changed: boolean): NewConfigChange[] => (changed ? [{ kind: 'connection', name }] : []),
  apiDestination: (name: string, changed: boolean): NewConfigChange[] => (changed ? [{ kind: 'api-destination', name }] : []),
};

/** Whether RemoveTargets removed anything: fewer Ids missing than were named. */
export function removedAny(ids: string[], missing: string[]): boolean {
  return missing.length < new Set(ids).size;
}
