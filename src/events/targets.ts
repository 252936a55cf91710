/**
 * Targets: PutTargets, RemoveTargets, ListTargetsByRule, ListRuleNamesByTarget. The whole AWS target shape is
 * validated and stored (RetryPolicy ranges, DeadLetterConfig, Input/InputPath/InputTransformer, HttpParameters);
 * the delivery engine reads it back from the store.
 */
import { ServiceError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../paging.js';
import { any, bool, check, int, list, map, str, struct } from '../protocols/shape.js';
import type { TargetRecord } from '../store/records.js';
import { busNameOf } from './arns.js';
import type { EventsDeps } from './deps.js';
import { arn, busNameOrArn, limit, nextToken, ruleName } from './names.js';
import type { RuleService } from './rules.js';
import { targetProblem, type TargetInput } from './target-validation.js';

/** AWS's limit; the delivery engine has no reason to need more, and users' templates count on it. */
export const MAX_TARGETS_PER_RULE = 5;

const targetId = str({ min: 1, max: 64, pattern: /^[.\-_A-Za-z0-9]+$/ });
const targetShape = struct(
  {
    Id: targetId,
    Arn: arn,
    RoleArn: arn,
    Input: str({ max: 8192 }),
    InputPath: str({ max: 256 }),
    InputTransformer: struct({ InputPathsMap: map(str({ max: 256 }), { max: 100 }), InputTemplate: str({ min: 1, max: 8192 }) }, ['InputTemplate']),
    RetryPolicy: struct({ MaximumRetryAttempts: int({ min: 0, max: 185 }), MaximumEventAgeInSeconds: int({ min: 60, max: 86400 }) }),
    DeadLetterConfig: struct({ Arn: arn }),
    HttpParameters: struct({
      PathParameterValues: list(str({ max: 512 }), { max: 1 }),
      HeaderParameters: map(str({ max: 512 })),
      QueryStringParameters: map(str({ max: 512 })),
    }),
    SqsParameters: struct({ MessageGroupId: str() }),
    // Parameters of AWS services Mailroom does not deliver to are refused by targetProblem, not by shape.
    KinesisParameters: any,
    EcsParameters: any,
    BatchParameters: any,
    RunCommandParameters: any,
    RedshiftDataParameters: any,
    SageMakerPipelineParameters: any,
    AppSyncParameters: any,
  },
  ['Id', 'Arn'],
);
const putShape = struct({ Rule: ruleName, EventBusName: busNameOrArn, Targets: list(targetShape, { min: 1, max: 10 }) }, ['Rule', 'Targets']);
const removeShape = struct({ Rule: ruleName, EventBusName: busNameOrArn, Ids: list(targetId, { min: 1, max: 100 }), Force: bool }, ['Rule', 'Ids']);
const listByRuleShape = struct({ Rule: ruleName, EventBusName: busNameOrArn, NextToken: nextToken, Limit: limit }, ['Rule']);
const byTargetShape = struct({ TargetArn: arn, EventBusName: busNameOrArn, NextToken: nextToken, Limit: limit }, ['TargetArn']);

interface FailedEntry {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

export class TargetService {
  constructor(
    private readonly deps: EventsDeps,
    private readonly rules: RuleService,
  ) {}

  async put(input: unknown) {
    const req = check<{ Rule: string; EventBusName?: string; Targets: TargetInput[] }>(input, putShape);
    const bus = busNameOf(req.EventBusName);
    const rule = await this.rules.require(bus, req.Rule);
    const failed: FailedEntry[] = [];
    const accepted = new Map<string, TargetRecord>();
    for (const target of req.Targets) {
      const problem = accepted.has(target.Id) ? `Target ${target.Id} appears more than once in the request.` : targetProblem(target);
      if (problem) {
        failed.push({ TargetId: target.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
        continue;
      }
      const { Id, Arn, ...spec } = target;
      accepted.set(Id, { bus, rule: req.Rule, id: Id, arn: Arn, spec: JSON.stringify(spec) });
    }
    if (accepted.size > 0) {
      const result = await this.deps.store.putTargets(bus, req.Rule, [...accepted.values()], MAX_TARGETS_PER_RULE);
      if (result === 'rule-not-found') throw new ServiceError('ResourceNotFoundException', `Rule ${req.Rule} does not exist on EventBus ${bus}.`);
      if (result === 'limit-exceeded') {
        throw new ServiceError('LimitExceededException', `The requested resource exceeds the maximum number allowed: a rule can have at most ${MAX_TARGETS_PER_RULE} targets.`);
      }
      await this.deps.router.refresh(bus, req.Rule);
      await this.deps.targetsPut?.(rule, [...accepted.values()]);
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  async remove(input: unknown) {
    const req = check<{ Rule: string; EventBusName?: string; Ids: string[]; Force?: boolean }>(input, removeShape);
    const bus = busNameOf(req.EventBusName);
    const rule = await this.rules.require(bus, req.Rule);
    if (rule.managedBy && !req.Force) throw new ServiceError('ManagedRuleException', `Rule ${rule.name} is managed by ${rule.managedBy} and cannot be changed.`);
    // Ids that are not on the rule are ignored, as AWS does: removing is idempotent.
    await this.deps.store.removeTargets(bus, req.Rule, req.Ids);
    await this.deps.router.refresh(bus, req.Rule);
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  async listByRule(input: unknown) {
    const req = check<{ Rule: string; EventBusName?: string; NextToken?: string; Limit?: number }>(input, listByRuleShape);
    const bus = busNameOf(req.EventBusName);
    await this.rules.require(bus, req.Rule);
    const all = (await this.deps.store.listTargets(bus, req.Rule)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const after = decodeNextToken(req.NextToken);
    const rest = after === undefined ? all : all.filter((t) => t.id > after);
    const page = rest.slice(0, req.Limit ?? 100);
    const more = rest.length > page.length;
    return {
      Targets: page.map((t) => ({ Id: t.id, Arn: t.arn, ...(JSON.parse(t.spec) as object) })),
      ...(more && { NextToken: encodeNextToken(page[page.length - 1]!.id) }),
    };
  }

  async ruleNamesByTarget(input: unknown) {
    const req = check<{ TargetArn: string; EventBusName?: string; NextToken?: string; Limit?: number }>(input, byTargetShape);
    const bus = busNameOf(req.EventBusName);
    const page = await this.deps.store.ruleNamesByTarget(bus, req.TargetArn, { after: decodeNextToken(req.NextToken), limit: req.Limit ?? 100 });
    return { RuleNames: page.items, ...(page.after !== undefined && { NextToken: encodeNextToken(page.after) }) };
  }
}
