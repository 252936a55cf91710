/**
 * Queue policies: the `Policy` attribute, an IAM resource policy, parsed and validated when it is set and
 * evaluated for the sends Mailroom's own services make — EventBridge writing a rule's SQS target or dead letter
 * (`events.amazonaws.com`, with `aws:SourceArn` the rule), later SNS (`sns.amazonaws.com`, the topic).
 *
 * Evaluation is IAM's: a matching Deny wins over everything; otherwise some Allow must match; nothing matching is
 * an implicit deny. A statement matches when its principal, action, resource and every condition do.
 *
 * What Mailroom decides, having no IAM users or roles:
 * - A queue without a Policy accepts sends from its own account's services. (AWS would refuse them until a policy
 *   allowed them; there is no other way to grant access here, and a DLQ that works out of the box is what a
 *   self-hosted bus needs.)
 * - A queue with a Policy accepts a service's send only when the policy allows it.
 * - Client API calls (SendMessage over the wire) are not governed by the policy: a request has no identity to
 *   match a principal against (signatures are not checked against any user), so every caller is the account
 *   itself, which in AWS needs no resource policy either.
 *
 * A policy is compiled once per distinct text (a changed policy is a new text) and kept: on the delivery path the
 * check is a map lookup and a few string comparisons.
 */
import type { QueueRecord } from '../store/queues.js';
import { compileCondition, globTest, type ConditionTest } from './iam-conditions.js';

/** One request to authorise: who (a service principal), what, on which resource, with which context keys. */
export interface PolicyRequest {
  /** The service principal, e.g. `events.amazonaws.com`. */
  service: string;
  /** e.g. `sqs:SendMessage`. */
  action: string;
  /** The queue's ARN. */
  resource: string;
  /** Context keys such as `aws:SourceArn` and `aws:SourceAccount` (names are case-insensitive). */
  context: Record<string, string>;
}

export type PolicyDecision = 'allow' | 'deny' | 'implicit-deny';

interface Statement {
  effect: 'Allow' | 'Deny';
  principal: (service: string) => boolean;
  action: (action: string) => boolean;
  resource: (arn: string) => boolean;
  condition?: ConditionTest;
}

const VERSIONS = ['2012-10-17', '2008-10-17'];
const DOCUMENT_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_KINDS = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const ACTION = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;

export class QueuePolicy {
  private constructor(private readonly statements: readonly Statement[]) {}

  /** Parses and validates a policy document; a string is the reason it is not a valid policy. */
  static parse(text: string): QueuePolicy | string {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return 'the policy is not valid JSON';
    }
    if (!isObject(doc)) return 'the policy must be a JSON object';
    const unknown = Object.keys(doc).find((k) => !DOCUMENT_KEYS.has(k));
    if (unknown !== undefined) return `unknown policy element ${unknown}`;
    if (doc.Version !== undefined && !VERSIONS.includes(doc.Version as string)) return `Version must be one of ${VERSIONS.join(', ')}`;
    if (doc.Id !== undefined && typeof doc.Id !== 'string') return 'Id must be a string';
    const raw = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
    if (raw.length === 0) return 'the policy has no Statement';
    const statements: Statement[] = [];
    for (const [i, s] of raw.entries()) {
      const statement = parseStatement(s);
      if (typeof statement === 'string') return `Statement ${i + 1}: ${statement}`;
      statements.push(statement);
    }
    return new QueuePolicy(statements);
  }

  evaluate(request: PolicyRequest): PolicyDecision {
    const context = new Map<string, string>();
    for (const key in request.context) context.set(key.toLowerCase(), request.context[key]!);
    let allowed = false;
    for (const s of this.statements) {
      if (!s.principal(request.service) || !s.action(request.action) || !s.resource(request.resource)) continue;
      if (s.condition && !s.condition(context)) continue;
      if (s.effect === 'Deny') return 'deny';
      allowed = true;
    }
    return allowed ? 'allow' : 'implicit-deny';
  }
}

const compiled = new Map<string, QueuePolicy | string>();

/** The compiled policy for a policy text, parsed once per distinct text (a changed policy is a new text). */
export function compiledPolicy(text: string): QueuePolicy | string {
  let policy = compiled.get(text);
  if (policy === undefined) {
    if (compiled.size >= 1000) compiled.clear();
    policy = QueuePolicy.parse(text);
    compiled.set(text, policy);
  }
  return policy;
}

/**
 * Why `queue` refuses a message Mailroom's `service` sends on behalf of `sourceArn` (a rule, a topic), or
 * undefined when it accepts it: always without a Policy, otherwise when the Policy allows `sqs:SendMessage`.
 */
export function serviceSendRefusal(queue: QueueRecord, service: string, sourceArn: string): string | undefined {
  const text = queue.attributes.Policy;
  if (text === undefined) return undefined;
  const policy = compiledPolicy(text);
  // Set before policies were validated: refuse rather than guess; the message is kept by the caller.
  if (typeof policy === 'string') return `Access to the resource ${queue.arn} is denied: its Policy is not valid (${policy}).`;
  const decision = policy.evaluate({
    service,
    action: 'sqs:SendMessage',
    resource: queue.arn,
    context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceArn.split(':')[4] ?? '' },
  });
  if (decision === 'allow') return undefined;
  const why = decision === 'deny' ? 'its Policy explicitly denies' : 'its Policy does not allow';
  return `Access to the resource ${queue.arn} is denied: ${why} ${service} sending on behalf of ${sourceArn}.`;
}

function parseStatement(s: unknown): Statement | string {
  if (!isObject(s)) return 'a statement must be an object';
  const unknown = Object.keys(s).find((k) => !STATEMENT_KEYS.has(k));
  if (unknown !== undefined) return `unknown statement element ${unknown}`;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return `Effect must be Allow or Deny, not ${JSON.stringify(s.Effect)}`;
  const principal = either(s, 'Principal', 'NotPrincipal', true, parsePrincipal);
  if (typeof principal === 'string') return principal;
  const action = either(s, 'Action', 'NotAction', true, (v, name) => parseMatcher(v, name, true, (a) => ACTION.test(a)));
  if (typeof action === 'string') return action;
  const resource = either(s, 'Resource', 'NotResource', false, (v, name) => parseMatcher(v, name, false, () => true));
  if (typeof resource === 'string') return resource;
  const statement: Statement = { effect: s.Effect, principal, action, resource };
  if (s.Condition !== undefined) {
    const condition = compileCondition(s.Condition);
    if (typeof condition === 'string') return condition;
    statement.condition = condition;
  }
  return statement;
}

/**
 * An element that comes as X or NotX (at most one of them; `required` when one must be there): the matcher of
 * whichever is present, negated for NotX. Absent and not required matches everything (a resource policy's
 * Resource defaults to the queue it is attached to).
 */
function either<T>(s: Record<string, unknown>, name: string, notName: string, required: boolean, parse: (value: unknown, name: string) => ((x: T) => boolean) | string): ((x: T) => boolean) | string {
  const has = s[name] !== undefined;
  const hasNot = s[notName] !== undefined;
  if (has && hasNot) return `a statement cannot have both ${name} and ${notName}`;
  if (!has && !hasNot) return required ? `a statement needs ${name} or ${notName}` : () => true;
  const matcher = parse(has ? s[name] : s[notName], has ? name : notName);
  if (typeof matcher === 'string' || has) return matcher;
  return (x) => !matcher(x);
}

/** `"*"`, or `{ "AWS" | "Service" | "Federated" | "CanonicalUser": string | string[] }`; only a Service names a service. */
function parsePrincipal(value: unknown, name: string): ((service: string) => boolean) | string {
  if (value === '*') return () => true;
  if (!isObject(value)) return `${name} must be "*" or an object such as {"Service": "events.amazonaws.com"}`;
  const services: string[] = [];
  let everyone = false;
  for (const [kind, raw] of Object.entries(value)) {
    if (!PRINCIPAL_KINDS.has(kind)) return `unknown ${name} type ${kind}`;
    const ids = strings(raw);
    if (!ids) return `${name} ${kind} must be a string or a list of strings`;
    // {"AWS": "*"} is everyone, services included, as "*" is.
    if (kind === 'AWS' && ids.includes('*')) everyone = true;
    if (kind === 'Service') services.push(...ids);
  }
  return (service) => everyone || services.includes(service);
}

/** A string or list of IAM globs (Action, Resource); `valid` checks each before it is compiled. */
function parseMatcher(value: unknown, name: string, ignoreCase: boolean, valid: (s: string) => boolean): ((x: string) => boolean) | string {
  const list = strings(value);
  if (!list) return `${name} must be a string or a list of strings`;
  const bad = list.find((s) => !valid(s));
  if (bad !== undefined) return `${name} ${JSON.stringify(bad)} is not valid`;
  const tests = list.map((s) => globTest(s, ignoreCase));
  return (x) => tests.some((test) => test(x));
}

function strings(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value : [value];
  return list.length > 0 && list.every((v) => typeof v === 'string') ? (list as string[]) : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
