/**
 * Rules: PutRule (an upsert), DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule. Every change is
 * written to the store first and then applied to the in-memory routes, so a rule is live for PutEvents as soon as
 * the call that changed it returns.
 */
import { ServiceError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../paging.js';
import { validatePattern } from './test-event-pattern.js';
import type { RequestContext } from '../protocols/context.js';
import { bool, check, str, struct } from '../protocols/shape.js';
import type { RuleRecord, RuleState } from '../store/records.js';
import { busNameOf, ruleArn } from './arns.js';
import type { EventsDeps } from './deps.js';
import { arn, busNameOrArn, description, limit, namePrefix, nextToken, ruleName } from './names.js';
import { validateScheduleExpression } from './schedule.js';
import { tagList, type Tag } from './tags.js';

const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'] as const;

const putShape = struct(
  {
    Name: ruleName,
    ScheduleExpression: str({ max: 256 }),
    EventPattern: str({ max: 4096 }),
    State: str({ enum: RULE_STATES }),
    Description: description,
    RoleArn: arn,
    Tags: tagList,
    EventBusName: busNameOrArn,
  },
  ['Name'],
);
const ruleRef = struct({ Name: ruleName, EventBusName: busNameOrArn }, ['Name']);
const deleteShape = struct({ Name: ruleName, EventBusName: busNameOrArn, Force: bool }, ['Name']);
const listShape = struct({ NamePrefix: namePrefix, EventBusName: busNameOrArn, NextToken: nextToken, Limit: limit });

interface PutRuleInput {
  Name: string;
  ScheduleExpression?: string;
  EventPattern?: string;
  State?: RuleState;
  Description?: string;
  RoleArn?: string;
  Tags?: Tag[];
  EventBusName?: string;
}

export class RuleService {
  constructor(private readonly deps: EventsDeps) {}

  async put(input: unknown, ctx: RequestContext) {
    const req = check<PutRuleInput>(input, putShape);
    const bus = busNameOf(req.EventBusName);
    if (req.EventPattern === undefined && req.ScheduleExpression === undefined) {
      throw new ServiceError('ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (req.EventPattern !== undefined) validatePattern(req.EventPattern);
    if (req.ScheduleExpression !== undefined) {
      if (bus !== 'default') throw new ServiceError('ValidationException', 'ScheduleExpression is supported only on the default event bus.');
      validateScheduleExpression(req.ScheduleExpression);
    }
    if (!(await this.deps.store.getBus(bus))) throw new ServiceError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    const existing = await this.deps.store.getRule(bus, req.Name);
    if (existing?.managedBy) throw managed(existing);
    const now = this.deps.clock.now();
    const rule: RuleRecord = {
      bus,
      name: req.Name,
      arn: existing?.arn ?? ruleArn(ctx.region, ctx.accountId, bus, req.Name),
      eventPattern: req.EventPattern,
      scheduleExpression: req.ScheduleExpression,
      // PutRule replaces the rule; a State left out means ENABLED, as in AWS.
      state: req.State ?? 'ENABLED',
      description: req.Description,
      roleArn: req.RoleArn,
      createdAt: existing?.createdAt ?? now,
      lastModifiedAt: now,
    };
    await this.deps.store.putRule(rule);
    if (req.Tags?.length) await this.deps.store.tagResource(rule.arn, Object.fromEntries(req.Tags.map((t) => [t.Key, t.Value])));
    await this.deps.router.refresh(rule.bus, rule.name);
    return { RuleArn: rule.arn };
  }

  async describe(input: unknown, ctx: RequestContext) {
    const req = check<{ Name: string; EventBusName?: string }>(input, ruleRef);
    const rule = await this.require(busNameOf(req.EventBusName), req.Name);
    return { ...describeRule(rule), CreatedBy: ctx.accountId };
  }

  async list(input: unknown) {
    const req = check<{ NamePrefix?: string; EventBusName?: string; NextToken?: string; Limit?: number }>(input, listShape);
    const bus = busNameOf(req.EventBusName);
    if (!(await this.deps.store.getBus(bus))) throw new ServiceError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    const page = await this.deps.store.listRules(bus, { prefix: req.NamePrefix, after: decodeNextToken(req.NextToken), limit: req.Limit ?? 100 });
    return { Rules: page.items.map(describeRule), ...(page.after !== undefined && { NextToken: encodeNextToken(page.after) }) };
  }

  async delete(input: unknown) {
    const req = check<{ Name: string; EventBusName?: string; Force?: boolean }>(input, deleteShape);
    const bus = busNameOf(req.EventBusName);
    const existing = await this.deps.store.getRule(bus, req.Name);
    if (existing?.managedBy && !req.Force) throw managed(existing);
    const result = await this.deps.store.deleteRule(bus, req.Name, req.Force ?? false);
    if (result === 'has-targets') throw new ServiceError('ValidationException', 'Rule can\'t be deleted since it has targets.');
    // Deleting a rule that does not exist succeeds, as in AWS.
    await this.deps.router.refresh(bus, req.Name);
    return {};
  }

  enable(input: unknown) {
    return this.#setState(input, 'ENABLED');
  }

  disable(input: unknown) {
    return this.#setState(input, 'DISABLED');
  }

  async #setState(input: unknown, state: RuleState) {
    const req = check<{ Name: string; EventBusName?: string }>(input, ruleRef);
    const rule = await this.require(busNameOf(req.EventBusName), req.Name);
    if (rule.managedBy) throw managed(rule);
    const updated: RuleRecord = { ...rule, state, lastModifiedAt: this.deps.clock.now() };
    await this.deps.store.putRule(updated);
    await this.deps.router.refresh(updated.bus, updated.name);
    return {};
  }

  /** The rule, or AWS's ResourceNotFoundException naming rule and bus. */
  async require(bus: string, name: string): Promise<RuleRecord> {
    const rule = await this.deps.store.getRule(bus, name);
    if (!rule) throw new ServiceError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus}.`);
    return rule;
  }
}

function managed(rule: RuleRecord): ServiceError {
  return new ServiceError('ManagedRuleException', `Rule ${rule.name} is managed by ${rule.managedBy} and cannot be changed.`);
}

function describeRule(rule: RuleRecord) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.eventPattern !== undefined && { EventPattern: rule.eventPattern }),
    ...(rule.scheduleExpression !== undefined && { ScheduleExpression: rule.scheduleExpression }),
    State: rule.state,
    ...(rule.description !== undefined && { Description: rule.description }),
    ...(rule.roleArn !== undefined && { RoleArn: rule.roleArn }),
    ...(rule.managedBy !== undefined && { ManagedBy: rule.managedBy }),
    EventBusName: rule.bus,
  };
}
