/**
 * EventBridge: the services (buses, rules, targets, connections, API destinations, tags, PutEvents) and the
 * `AWSEvents.*` operation table that the awsJson 1.1 adapter serves.
 */
import type { JsonService } from '../protocols/aws-json.js';
import { ApiDestinationService } from './api-destinations.js';
import { BusService } from './buses.js';
import { ConnectionService } from './connections.js';
import type { EventsDeps } from './deps.js';
import { PutEventsService } from './put-events.js';
import { RuleService } from './rules.js';
import { TagService } from './tags.js';
import { TargetService } from './targets.js';
import { testPattern } from './test-event-pattern.js';

export { Router } from './router.js';
export type { EventsDeps } from './deps.js';
export type { EventEnvelope, PutEventsEntry } from './put-events.js';

/** Every EventBridge service, for in-process use (the library API) and for the protocol table. */
export class EventBridge {
  readonly buses: BusService;
  readonly rules: RuleService;
  readonly targets: TargetService;
  readonly connections: ConnectionService;
  readonly apiDestinations: ApiDestinationService;
  readonly tags: TagService;
  readonly events: PutEventsService;

  constructor(deps: EventsDeps) {
    this.buses = new BusService(deps);
    this.rules = new RuleService(deps);
    this.targets = new TargetService(deps, this.rules);
    this.connections = new ConnectionService(deps);
    this.apiDestinations = new ApiDestinationService(deps);
    this.tags = new TagService(deps);
    this.events = new PutEventsService(deps);
  }

  /** The operations as awsJson 1.1 exposes them under `X-Amz-Target: AWSEvents.<Operation>`. */
  jsonService(): JsonService {
    return {
      service: 'EventBridge',
      targetPrefix: 'AWSEvents',
      jsonVersion: '1.1',
      operations: {
        CreateEventBus: (i, c) => this.buses.create(i, c),
        DeleteEventBus: (i) => this.buses.delete(i),
        DescribeEventBus: (i, c) => this.buses.describe(i, c),
        ListEventBuses: (i, c) => this.buses.list(i, c),
        PutRule: (i, c) => this.rules.put(i, c),
        DescribeRule: (i, c) => this.rules.describe(i, c),
        ListRules: (i) => this.rules.list(i),
        DeleteRule: (i) => this.rules.delete(i),
        EnableRule: (i) => this.rules.enable(i),
        DisableRule: (i) => this.rules.disable(i),
        PutTargets: (i) => this.targets.put(i),
        RemoveTargets: (i) => this.targets.remove(i),
        ListTargetsByRule: (i) => this.targets.listByRule(i),
        ListRuleNamesByTarget: (i) => this.targets.ruleNamesByTarget(i),
        CreateConnection: (i, c) => this.connections.create(i, c),
        DescribeConnection: (i, c) => this.connections.describe(i, c),
        ListConnections: (i) => this.connections.list(i),
        DeleteConnection: (i) => this.connections.delete(i),
        CreateApiDestination: (i, c) => this.apiDestinations.create(i, c),
        DescribeApiDestination: (i) => this.apiDestinations.describe(i),
        ListApiDestinations: (i) => this.apiDestinations.list(i),
        DeleteApiDestination: (i) => this.apiDestinations.delete(i),
        TagResource: (i) => this.tags.tag(i),
        UntagResource: (i) => this.tags.untag(i),
        ListTagsForResource: (i) => this.tags.list(i),
        PutEvents: (i, c) => this.events.put(i, c),
        TestEventPattern: (i) => testPattern(i),
      },
    };
  }
}
