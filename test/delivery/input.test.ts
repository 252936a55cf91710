/**
 * Input shaping (Input, InputPath, InputTransformer), with the examples of AWS's "Amazon EventBridge input
 * transformation" page and the cases LocalStack recorded against AWS (missing paths, predefined variables).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shapeInput } from '../../src/delivery/input.js';

const EVENT = JSON.stringify({
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING', items: [{ sku: 'a', qty: 2 }, { sku: 'b', qty: 1 }], note: 'say "hi"\n' },
});
const CONTEXT = { ruleArn: 'arn:aws:events:us-east-2:123456789012:rule/example', ruleName: 'example', ingestionTime: '2015-11-11T21:29:55.123Z' };
const PATHS = { timestamp: '$.time', instance: '$.detail.instance-id', state: '$.detail.state' };
const transform = (InputTemplate: string, InputPathsMap: Record<string, string> = PATHS) => shapeInput({ InputTransformer: { InputPathsMap, InputTemplate } }, EVENT, CONTEXT);

describe('shapeInput without a transformer', () => {
  it('sends the event itself when no Input* member is set, and Input verbatim', () => {
    assert.equal(shapeInput({}, EVENT, CONTEXT), EVENT);
    assert.equal(shapeInput({ Input: '{ "fixed" : true }' }, EVENT, CONTEXT), '{ "fixed" : true }');
  });

  it('sends what InputPath selects, as JSON', () => {
    assert.deepEqual(JSON.parse(shapeInput({ InputPath: '$.detail' }, EVENT, CONTEXT)), JSON.parse(EVENT).detail);
    assert.equal(shapeInput({ InputPath: '$.detail.items[0]' }, EVENT, CONTEXT), '{"sku":"a","qty":2}');
    assert.equal(shapeInput({ InputPath: "$.detail['instance-id']" }, EVENT, CONTEXT), '"i-0123456789"');
    assert.equal(shapeInput({ InputPath: '$.detail.items[1].qty' }, EVENT, CONTEXT), '1');
    assert.equal(shapeInput({ InputPath: '$' }, EVENT, CONTEXT), EVENT);
  });

  it('collects the matches of a wildcard path into a list', () => {
    assert.equal(shapeInput({ InputPath: '$.detail.items[*].sku' }, EVENT, CONTEXT), '["a","b"]');
    assert.equal(shapeInput({ InputPath: '$.detail.items.*.qty' }, EVENT, CONTEXT), '[2,1]');
  });

  it('sends null when InputPath selects nothing', () => {
    assert.equal(shapeInput({ InputPath: '$.detail.missing' }, EVENT, CONTEXT), 'null');
    assert.equal(shapeInput({ InputPath: '$.detail.items[5]' }, EVENT, CONTEXT), 'null');
    assert.equal(shapeInput({ InputPath: '$.detail.state.deeper' }, EVENT, CONTEXT), 'null');
  });
});

describe('shapeInput with an InputTransformer (AWS docs examples)', () => {
  it('fills a plain-text template with raw strings, keeping the template quotes', () => {
    assert.equal(transform('"instance <instance> is in <state>"'), '"instance i-0123456789 is in RUNNING"');
    assert.equal(transform('instance \\"<instance>\\" is in <state>'), 'instance \\"i-0123456789\\" is in RUNNING');
  });

  it('quotes strings placed as JSON values', () => {
    assert.equal(transform('{\n  "instance" : <instance>,\n  "state": <state>\n}'), '{"instance":"i-0123456789","state":"RUNNING"}');
  });

  it('escapes strings placed inside JSON strings without adding quotes', () => {
    const out = transform('{ "instance" : <instance>, "state": "<state>", "instanceStatus": "instance \\"<instance>\\" is in <state>" }');
    assert.equal(out, '{"instance":"i-0123456789","state":"RUNNING","instanceStatus":"instance \\"i-0123456789\\" is in RUNNING"}');
    assert.deepEqual(JSON.parse(out).instanceStatus, 'instance "i-0123456789" is in RUNNING');
    const quoted = transform('{"note": "note: <note>"}', { note: '$.detail.note' });
    assert.deepEqual(JSON.parse(quoted), { note: 'note: say "hi"\n' });
  });

  it('mixes variables with static values, in arrays too', () => {
    assert.deepEqual(JSON.parse(transform('{ "instance" : <instance>, "state": [ 9, <state>, true ], "Transformed" : "Yes" }')), {
      instance: 'i-0123456789',
      state: [9, 'RUNNING', true],
      Transformed: 'Yes',
    });
  });

  it('inserts objects, arrays and numbers as JSON in value position', () => {
    const out = transform('{"items": <items>, "first": <first>, "qty": <qty>}', { items: '$.detail.items', first: '$.detail.items[0]', qty: '$.detail.items[0].qty' });
    assert.equal(out, '{"items":[{"sku":"a","qty":2},{"sku":"b","qty":1}],"first":{"sku":"a","qty":2},"qty":2}');
  });

  it('strips the quotes of an object placed inside a string, so the string stays valid', () => {
    const out = transform('{"text": "first is <first>"}', { first: '$.detail.items[0]' });
    assert.deepEqual(JSON.parse(out), { text: 'first is {sku:a,qty:2}' });
  });

  it('fills the predefined variables', () => {
    const out = JSON.parse(transform('{"ruleArn": <aws.events.rule-arn>, "ruleName": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "originalEvent": <aws.events.event>, "json": <aws.events.event.json>}'));
    assert.equal(out.ruleArn, CONTEXT.ruleArn);
    assert.equal(out.ruleName, 'example');
    assert.equal(out.at, CONTEXT.ingestionTime);
    assert.deepEqual(out.json, JSON.parse(EVENT));
    // As AWS delivers it: no detail, detailType instead of detail-type, the ingestion time.
    const { detail: _detail, 'detail-type': detailType, ...rest } = JSON.parse(EVENT);
    assert.deepEqual(out.originalEvent, { ...rest, detailType, time: CONTEXT.ingestionTime });
    assert.equal(transform('"<aws.events.rule-name> triggered"'), '"example triggered"');
  });

  it('replaces a variable whose path selects nothing by an empty string (as recorded against AWS)', () => {
    const paths = { ...PATHS, state: '$.detail.notinmessage' };
    assert.equal(transform('"instance <instance> is in <state>"', paths), '"instance i-0123456789 is in "');
    assert.deepEqual(JSON.parse(transform('{"instance": <instance>, "state": <state>, "text": "is <state>"}', paths)), { instance: 'i-0123456789', state: '', text: 'is ' });
  });

  it('leaves angle-bracket text that is no variable alone', () => {
    assert.equal(transform('<b>bold</b> <instance> <unknown> a < b'), '<b>bold</b> i-0123456789 <unknown> a < b');
  });

  it('uses the template again from its cache with the same result', () => {
    const template = '{"s": <state>}';
    assert.equal(transform(template), transform(template));
    const other = shapeInput({ InputTransformer: { InputPathsMap: { state: '$.detail.instance-id' }, InputTemplate: template } }, EVENT, CONTEXT);
    assert.equal(other, '{"s":"i-0123456789"}');
  });
});
