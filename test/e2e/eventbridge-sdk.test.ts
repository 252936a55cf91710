/**
 * The EventBridge control plane and PutEvents end to end: @aws-sdk/client-eventbridge v3 against a real
 * `mailroom serve` process on a free port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  CreateEventBusCommand,
  DeleteApiDestinationCommand,
  DeleteConnectionCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  DescribeConnectionCommand,
  DescribeEventBusCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListRuleNamesByTargetCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TagResourceCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { removeDir, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REGION = 'eu-west-1';
const ACCOUNT = '000000000000';

describe('EventBridge over @aws-sdk/client-eventbridge', () => {
  let server: ServerProcess;
  let client: EventBridgeClient;

  before(async () => {
    server = await startServerProcess();
    client = new EventBridgeClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  });
  after(async () => {
    client.destroy();
    await server.stop();
    removeDir(server.dataDir);
  });

  it('lists the default bus in the caller\'s region', async () => {
    const out = await client.send(new ListEventBusesCommand({}));
    const bus = out.EventBuses?.find((b) => b.Name === 'default');
    assert.equal(bus?.Arn, `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`);
  });

  it('creates, describes and refuses to duplicate a bus', async () => {
    const created = await client.send(new CreateEventBusCommand({ Name: 'orders', Description: 'order events' }));
    assert.equal(created.EventBusArn, `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/orders`);
    const described = await client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    assert.equal(described.Description, 'order events');
    assert.ok(described.CreationTime instanceof Date);
    await assert.rejects(client.send(new CreateEventBusCommand({ Name: 'orders' })), { name: 'ResourceAlreadyExistsException' });
    await assert.rejects(client.send(new DescribeEventBusCommand({ Name: 'nope' })), { name: 'ResourceNotFoundException' });
  });

  it('puts rules, pages through them, and toggles their state', async () => {
    const pattern = JSON.stringify({ source: ['shop'], 'detail-type': ['Item Sold'] });
    const put = await client.send(new PutRuleCommand({ Name: 'item-sold', EventBusName: 'orders', EventPattern: pattern }));
    assert.equal(put.RuleArn, `arn:aws:events:${REGION}:${ACCOUNT}:rule/orders/item-sold`);
    for (const name of ['item-returned', 'item-shipped', 'other']) {
      await client.send(new PutRuleCommand({ Name: name, EventBusName: 'orders', EventPattern: pattern }));
    }
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListRulesCommand({ EventBusName: 'orders', NamePrefix: 'item-', Limit: 2, NextToken: token }));
      seen.push(...(page.Rules ?? []).map((r) => r.Name!));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(seen, ['item-returned', 'item-shipped', 'item-sold']);

    await client.send(new DisableRuleCommand({ Name: 'item-sold', EventBusName: 'orders' }));
    assert.equal((await client.send(new DescribeRuleCommand({ Name: 'item-sold', EventBusName: 'orders' }))).State, 'DISABLED');
    await client.send(new EnableRuleCommand({ Name: 'item-sold', EventBusName: 'orders' }));
    const rule = await client.send(new DescribeRuleCommand({ Name: 'item-sold', EventBusName: 'orders' }));
    assert.equal(rule.State, 'ENABLED');
    assert.equal(rule.EventPattern, pattern);
    assert.equal(rule.EventBusName, 'orders');
    await assert.rejects(client.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": []}' })), (err: Error) => {
      assert.equal(err.name, 'InvalidEventPatternException');
      assert.match(err.message, /Empty arrays are not allowed/);
      return true;
    });
  });

  it('keeps connection secrets out of every answer', async () => {
    const conn = await client.send(
      new CreateConnectionCommand({
        Name: 'partner',
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'sekrit-value-123' } },
      }),
    );
    assert.equal(conn.ConnectionState, 'AUTHORIZED');
    const described = await client.send(new DescribeConnectionCommand({ Name: 'partner' }));
    assert.equal(described.AuthParameters?.ApiKeyAuthParameters?.ApiKeyName, 'x-api-key');
    assert.ok(!JSON.stringify(described).includes('sekrit-value-123'));
    assert.ok(!server.logs.join('\n').includes('sekrit-value-123'));

    const dest = await client.send(
      new CreateApiDestinationCommand({ Name: 'partner-api', ConnectionArn: conn.ConnectionArn, InvocationEndpoint: 'http://127.0.0.1:9/register', HttpMethod: 'POST', InvocationRateLimitPerSecond: 10 }),
    );
    assert.match(dest.ApiDestinationArn!, /^arn:aws:events:eu-west-1:000000000000:api-destination\/partner-api\//);
  });

  it('validates targets, reports per-entry failures and enforces five per rule', async () => {
    const dlq = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders-dlq`;
    const destination = `arn:aws:events:${REGION}:${ACCOUNT}:api-destination/partner-api/x`;
    const out = await client.send(
      new PutTargetsCommand({
        Rule: 'item-sold',
        EventBusName: 'orders',
        Targets: [
          { Id: 'api', Arn: destination, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 }, DeadLetterConfig: { Arn: dlq }, InputPath: '$.detail' },
          { Id: 'broken', Arn: destination, Input: '{not json' },
        ],
      }),
    );
    assert.equal(out.FailedEntryCount, 1);
    assert.equal(out.FailedEntries?.[0]?.TargetId, 'broken');
    const listed = await client.send(new ListTargetsByRuleCommand({ Rule: 'item-sold', EventBusName: 'orders' }));
    assert.deepEqual(listed.Targets, [{ Id: 'api', Arn: destination, RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 }, DeadLetterConfig: { Arn: dlq }, InputPath: '$.detail' }]);

    await assert.rejects(
      client.send(new PutTargetsCommand({ Rule: 'item-sold', EventBusName: 'orders', Targets: [{ Id: 'x', Arn: destination, RetryPolicy: { MaximumRetryAttempts: 186 } }] })),
      (err: Error) => err.name === 'ValidationException' && /targets\.1\.member\.retryPolicy\.maximumRetryAttempts/.test(err.message),
    );
    const six = Array.from({ length: 6 }, (_, i) => ({ Id: `t${i}`, Arn: destination }));
    await assert.rejects(client.send(new PutTargetsCommand({ Rule: 'item-sold', EventBusName: 'orders', Targets: six })), { name: 'LimitExceededException' });
    const names = await client.send(new ListRuleNamesByTargetCommand({ TargetArn: destination, EventBusName: 'orders' }));
    assert.deepEqual(names.RuleNames, ['item-sold']);
    await assert.rejects(client.send(new DeleteRuleCommand({ Name: 'item-sold', EventBusName: 'orders' })), { name: 'ValidationException' });
  });

  it('accepts events with per-entry results', async () => {
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'orders', Source: 'shop', DetailType: 'Item Sold', Detail: JSON.stringify({ sku: 'A-1', qty: 2 }) },
          { EventBusName: 'missing-bus', Source: 'shop', DetailType: 'Item Sold', Detail: '{}' },
          { EventBusName: 'orders', Source: 'shop', DetailType: 'Item Sold', Detail: '[1,2]' },
          { EventBusName: 'orders', Source: 'shop', DetailType: 'Item Sold' },
        ],
      }),
    );
    assert.equal(out.FailedEntryCount, 3);
    assert.match(out.Entries![0]!.EventId!, /^[0-9a-f-]{36}$/);
    assert.deepEqual(out.Entries![1], { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus missing-bus does not exist.' });
    assert.equal(out.Entries![2]!.ErrorCode, 'MalformedDetail');
    assert.equal(out.Entries![3]!.ErrorCode, 'InvalidArgument');
    const eleven = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' }));
    await assert.rejects(client.send(new PutEventsCommand({ Entries: eleven })), (err: Error) => err.name === 'ValidationException' && /entries/.test(err.message));
  });

  it('answers TestEventPattern and tags resources', async () => {
    const event = JSON.stringify({ id: '1', account: ACCOUNT, source: 'shop', time: '2026-01-01T00:00:00Z', region: REGION, resources: [], 'detail-type': 'Item Sold', detail: { qty: 5 } });
    const yes = await client.send(new TestEventPatternCommand({ Event: event, EventPattern: JSON.stringify({ detail: { qty: [{ numeric: ['>', 3] }] } }) }));
    assert.equal(yes.Result, true);
    const no = await client.send(new TestEventPatternCommand({ Event: event, EventPattern: JSON.stringify({ detail: { qty: [{ numeric: ['>', 9] }] } }) }));
    assert.equal(no.Result, false);

    const ruleArn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/orders/item-sold`;
    await client.send(new TagResourceCommand({ ResourceARN: ruleArn, Tags: [{ Key: 'team', Value: 'payments' }] }));
    const tags = await client.send(new ListTagsForResourceCommand({ ResourceARN: ruleArn }));
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'payments' }]);
    await assert.rejects(client.send(new TagResourceCommand({ ResourceARN: `${ruleArn}-nope`, Tags: [{ Key: 'a', Value: 'b' }] })), { name: 'ResourceNotFoundException' });
  });

  it('tears everything down', async () => {
    await client.send(new RemoveTargetsCommand({ Rule: 'item-sold', EventBusName: 'orders', Ids: ['api'] }));
    await client.send(new DeleteRuleCommand({ Name: 'item-sold', EventBusName: 'orders' }));
    await assert.rejects(client.send(new DescribeRuleCommand({ Name: 'item-sold', EventBusName: 'orders' })), { name: 'ResourceNotFoundException' });
    await client.send(new DeleteApiDestinationCommand({ Name: 'partner-api' }));
    await client.send(new DeleteConnectionCommand({ Name: 'partner' }));
    await client.send(new DeleteEventBusCommand({ Name: 'orders' }));
    const buses = await client.send(new ListEventBusesCommand({}));
    assert.deepEqual(buses.EventBuses?.map((b) => b.Name), ['default']);
  });
});
