/**
 * Queue policies: IAM evaluation of documents against the requests Mailroom's services make (a table of
 * documents × requests: explicit deny, principal forms, action and resource wildcards, ARN and string conditions,
 * IfExists, negated operators on absent keys), what a queue without a Policy accepts, and SetQueueAttributes /
 * CreateQueue refusing malformed documents with SQS's InvalidAttributeValue and the reason.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { QueuePolicy, serviceSendRefusal, type PolicyDecision, type PolicyRequest } from '../../src/queues/policy.js';
import type { QueueRecord } from '../../src/store/queues.js';
import { openFixture, rejectsWith, type SqsFixture } from './helpers.js';

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:dlq';
const RULE = 'arn:aws:events:us-east-1:000000000000:rule/orders';
const OTHER_RULE = 'arn:aws:events:us-east-1:000000000000:rule/payments';
const BUS_RULE = 'arn:aws:events:us-east-1:000000000000:rule/shop/orders';

function request(over: Partial<PolicyRequest> = {}, sourceArn = RULE): PolicyRequest {
  return { service: 'events.amazonaws.com', action: 'sqs:SendMessage', resource: QUEUE, context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': '000000000000' }, ...over };
}

function doc(...statements: object[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

const allowEvents = (extra: object = {}) => ({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE, ...extra });

function decide(text: string, req: PolicyRequest): PolicyDecision {
  const policy = QueuePolicy.parse(text);
  assert.ok(policy instanceof QueuePolicy, `policy should parse: ${String(policy)}`);
  return policy.evaluate(req);
}

describe('queue policy evaluation', () => {
  const table: [string, string, PolicyRequest, PolicyDecision][] = [
    ['allow for the rule', doc(allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': RULE } } })), request(), 'allow'],
    ['allow for another rule only', doc(allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': OTHER_RULE } } })), request(), 'implicit-deny'],
    ['several values are OR', doc(allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': [OTHER_RULE, RULE] } } })), request(), 'allow'],
    ['several keys are AND', doc(allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': RULE }, StringEquals: { 'aws:SourceAccount': '111111111111' } } })), request(), 'implicit-deny'],
    ['condition keys are case-insensitive', doc(allowEvents({ Condition: { StringEquals: { 'AWS:SOURCEACCOUNT': '000000000000' } } })), request(), 'allow'],
    ['ArnLike: * within a part', doc(allowEvents({ Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:*:000000000000:rule/*' } } })), request({}, BUS_RULE), 'allow'],
    ['ArnLike: * does not cross a colon', doc(allowEvents({ Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:*:000000000000:rule/orders' } } })), request(), 'implicit-deny'],
    ['ArnLike: ? is one character', doc(allowEvents({ Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:us-east-?:000000000000:rule/orders' } } })), request(), 'allow'],
    ['ArnEquals also takes wildcards', doc(allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/ord*' } } })), request(), 'allow'],
    ['StringLike', doc(allowEvents({ Condition: { StringLike: { 'aws:SourceArn': '*:rule/orders' } } })), request(), 'allow'],
    ['StringEquals is exact', doc(allowEvents({ Condition: { StringEquals: { 'aws:SourceArn': 'arn:aws:events:us-east-1:000000000000:rule/ord*' } } })), request(), 'implicit-deny'],
    ['explicit deny wins over allow', doc(allowEvents(), { Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: QUEUE, Condition: { ArnEquals: { 'aws:SourceArn': RULE } } }), request(), 'deny'],
    ['a deny for another rule does not apply', doc(allowEvents(), { Effect: 'Deny', Principal: '*', Action: 'sqs:*', Condition: { ArnNotEquals: { 'aws:SourceArn': RULE } } }), request(), 'allow'],
    ['ArnNotLike denies everyone else', doc(allowEvents(), { Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Condition: { ArnNotLike: { 'aws:SourceArn': 'arn:aws:events:*:*:rule/pay*' } } }), request(), 'deny'],
    ['StringNotEquals', doc(allowEvents({ Condition: { StringNotEquals: { 'aws:SourceAccount': '111111111111' } } })), request(), 'allow'],
    ['a negated operator holds when the key is absent', doc(allowEvents(), { Effect: 'Deny', Principal: '*', Action: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }), request(), 'deny'],
    ['a positive operator fails when the key is absent', doc(allowEvents({ Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } })), request(), 'implicit-deny'],
    ['IfExists holds when the key is absent', doc(allowEvents({ Condition: { StringEqualsIfExists: { 'aws:PrincipalOrgID': 'o-1' } } })), request(), 'allow'],
    ['IfExists still tests a present key', doc(allowEvents({ Condition: { ArnEqualsIfExists: { 'aws:SourceArn': OTHER_RULE } } })), request(), 'implicit-deny'],
    ['Bool on an absent key does not deny', doc(allowEvents(), { Effect: 'Deny', Principal: '*', Action: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }), request(), 'allow'],
    ['Null: true when the key is absent', doc(allowEvents({ Condition: { Null: { 'aws:SourceArn': 'false' } } })), request({ context: {} }), 'implicit-deny'],
    ['Principal "*"', doc({ ...allowEvents(), Principal: '*' }), request(), 'allow'],
    ['Principal {"AWS": "*"} is everyone', doc({ ...allowEvents(), Principal: { AWS: '*' } }), request(), 'allow'],
    ['Principal Service list', doc({ ...allowEvents(), Principal: { Service: ['sns.amazonaws.com', 'events.amazonaws.com'] } }), request(), 'allow'],
    ['another service', doc(allowEvents()), request({ service: 'sns.amazonaws.com' }), 'implicit-deny'],
    ['an account principal is not a service', doc({ ...allowEvents(), Principal: { AWS: 'arn:aws:iam::000000000000:root' } }), request(), 'implicit-deny'],
    ['NotPrincipal', doc({ Effect: 'Deny', NotPrincipal: { Service: 'events.amazonaws.com' }, Action: '*' }, allowEvents({ Principal: '*' })), request(), 'allow'],
    ['Action sqs:*', doc(allowEvents({ Action: 'sqs:*' })), request(), 'allow'],
    ['Action sqs:Send* in another case', doc(allowEvents({ Action: 'SQS:send*' })), request(), 'allow'],
    ['Action *', doc(allowEvents({ Action: '*' })), request(), 'allow'],
    ['Action list without SendMessage', doc(allowEvents({ Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'] })), request(), 'implicit-deny'],
    ['NotAction', doc(allowEvents({ Action: undefined, NotAction: 'sqs:DeleteQueue' })), request(), 'allow'],
    ['NotAction excluding SendMessage', doc(allowEvents({ Action: undefined, NotAction: 'sqs:Send*' })), request(), 'implicit-deny'],
    ['Resource wildcard', doc(allowEvents({ Resource: 'arn:aws:sqs:*:000000000000:*' })), request(), 'allow'],
    ['another queue', doc(allowEvents({ Resource: 'arn:aws:sqs:us-east-1:000000000000:other' })), request(), 'implicit-deny'],
    ['no Resource: the queue itself', doc(allowEvents({ Resource: undefined })), request(), 'allow'],
    ['a single statement object', JSON.stringify({ Statement: allowEvents() }), request(), 'allow'],
  ];
  for (const [name, text, req, expected] of table) {
    it(name, () => assert.equal(decide(text, req), expected));
  }

  it('accepts its own account\'s services on a queue without a Policy, and only what the Policy allows otherwise', () => {
    const queue = (attributes: Record<string, string>): QueueRecord => ({ name: 'dlq', arn: QUEUE, attributes, createdAt: 0, lastModifiedAt: 0 });
    assert.equal(serviceSendRefusal(queue({}), 'events.amazonaws.com', RULE), undefined);
    const onlyOther = queue({ Policy: doc(allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': OTHER_RULE } } })) });
    assert.equal(serviceSendRefusal(onlyOther, 'events.amazonaws.com', OTHER_RULE), undefined);
    assert.match(serviceSendRefusal(onlyOther, 'events.amazonaws.com', RULE)!, /does not allow events\.amazonaws\.com .*rule\/orders/);
    const denied = queue({ Policy: doc(allowEvents(), { Effect: 'Deny', Principal: '*', Action: '*' }) });
    assert.match(serviceSendRefusal(denied, 'events.amazonaws.com', RULE)!, /explicitly denies/);
    assert.match(serviceSendRefusal(queue({ Policy: '{"Statement": 1}' }), 'events.amazonaws.com', RULE)!, /not valid/);
  });

  it('gives the reason a document is invalid', () => {
    const invalid: [unknown, RegExp][] = [
      [[], /JSON object/],
      [{ Statement: [] }, /no Statement/],
      [{ Version: '2020-01-01', Statement: allowEvents() }, /Version/],
      [{ Statement: allowEvents(), Extra: 1 }, /unknown policy element Extra/],
      [{ Statement: { ...allowEvents(), Effect: 'Maybe' } }, /Statement 1: Effect must be Allow or Deny/],
      [{ Statement: [allowEvents(), { ...allowEvents(), Principal: undefined }] }, /Statement 2: a statement needs Principal or NotPrincipal/],
      [{ Statement: { ...allowEvents(), Principal: 'events.amazonaws.com' } }, /Principal must be "\*" or an object/],
      [{ Statement: { ...allowEvents(), Principal: { Robot: 'x' } } }, /unknown Principal type Robot/],
      [{ Statement: { ...allowEvents(), Action: undefined } }, /needs Action or NotAction/],
      [{ Statement: { ...allowEvents(), NotAction: 'sqs:Foo' } }, /both Action and NotAction/],
      [{ Statement: { ...allowEvents(), Action: 'SendMessage' } }, /Action "SendMessage" is not valid/],
      [{ Statement: { ...allowEvents(), Resource: 5 } }, /Resource must be a string or a list of strings/],
      [{ Statement: { ...allowEvents(), Sids: 'x' } }, /unknown statement element Sids/],
      [{ Statement: allowEvents({ Condition: { ArnSortOf: { 'aws:SourceArn': RULE } } }) }, /unknown operator ArnSortOf/],
      [{ Statement: allowEvents({ Condition: { ArnEquals: RULE } }) }, /must map keys to values/],
      [{ Statement: allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': [] } } }) }, /must be a string, number, boolean or a list/],
      [{ Statement: allowEvents({ Condition: { NumericLessThan: { 'aws:EpochTime': 'soon' } } }) }, /soon is not a number/],
      [{ Statement: allowEvents({ Condition: { IpAddress: { 'aws:SourceIp': '10.0.0/8' } } }) }, /not an IP address/],
    ];
    for (const [document, reason] of invalid) {
      const parsed = QueuePolicy.parse(JSON.stringify(document));
      assert.equal(typeof parsed, 'string', JSON.stringify(document));
      assert.match(parsed as string, reason);
    }
    assert.match(QueuePolicy.parse('{not json') as string, /not valid JSON/);
  });
});

describe('Policy attribute', () => {
  let f: SqsFixture;
  let QueueUrl: string;
  beforeEach(async () => {
    f = await openFixture();
    ({ QueueUrl } = await f.mailroom.sqs.queues.create({ QueueName: 'dlq' }, f.mailroom.context()));
  });
  afterEach(() => f.close());

  it('refuses malformed documents with InvalidAttributeValue and the reason, on set and on create', async () => {
    const bad: [string, RegExp][] = [
      ['{"Statement": ', /Policy\. Reason: not valid JSON/],
      ['[]', /Policy\. Reason: not a JSON object/],
      [doc({ ...allowEvents(), Effect: 'Permit' }), /Policy\. Reason: Statement 1: Effect must be Allow or Deny/],
      [doc(allowEvents({ Condition: { ArnMaybe: { 'aws:SourceArn': RULE } } })), /unknown operator ArnMaybe/],
    ];
    for (const [value, message] of bad) {
      await rejectsWith(f.mailroom.sqs.queues.setAttributes({ QueueUrl, Attributes: { Policy: value } }), 'InvalidAttributeValue', message);
      await rejectsWith(f.mailroom.sqs.queues.create({ QueueName: 'other', Attributes: { Policy: value } }, f.mailroom.context()), 'InvalidAttributeValue', message);
    }
  });

  it('keeps a valid document as written, and removes it when set to the empty string', async () => {
    const policy = doc(allowEvents({ Condition: { ArnEquals: { 'aws:SourceArn': RULE } } }));
    await f.mailroom.sqs.queues.setAttributes({ QueueUrl, Attributes: { Policy: policy } });
    assert.deepEqual(await f.mailroom.sqs.queues.getAttributes({ QueueUrl, AttributeNames: ['Policy'] }), { Attributes: { Policy: policy } });
    await f.mailroom.sqs.queues.setAttributes({ QueueUrl, Attributes: { Policy: '' } });
    assert.deepEqual(await f.mailroom.sqs.queues.getAttributes({ QueueUrl, AttributeNames: ['Policy'] }), {});
  });

  it('does not govern client sends: there is no identity to match', async () => {
    await f.mailroom.sqs.queues.setAttributes({ QueueUrl, Attributes: { Policy: doc({ Effect: 'Deny', Principal: '*', Action: '*' }) } });
    const sent = await f.mailroom.sqs.messages.send({ QueueUrl, MessageBody: 'from a client' }, f.mailroom.context());
    assert.ok(sent.MessageId);
  });
});
