/**
 * The TopicStore part of the store contract (called by contract.ts inside its `describe('topics')`), so every
 * backend keeps topics and subscriptions, fans a publish out to the confirmed subscriptions in one write, and hands
 * the messages to the delivery engine as 'sns' deliveries the same way.
 */
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import type { SubscriptionRecord, TopicMessage, TopicRecord } from '../../src/store/topics.js';

const T0 = Date.UTC(2026, 0, 1);
const PREFIX = 'arn:aws:sns:us-east-1:000000000000:';

export function topic(name: string, attributes: Record<string, string> = {}): TopicRecord {
  return { arn: `${PREFIX}${name}`, name, attributes, createdAt: T0, lastModifiedAt: T0 };
}

export function subscription(topicName: string, id: string, extra: Partial<SubscriptionRecord> = {}): SubscriptionRecord {
  return {
    arn: `${PREFIX}${topicName}:${id.padEnd(36, '0')}`,
    topicArn: `${PREFIX}${topicName}`,
    protocol: 'sqs',
    endpoint: `arn:aws:sqs:us-east-1:000000000000:${id}`,
    attributes: {},
    pendingConfirmation: false,
    confirmationWasAuthenticated: true,
    createdAt: T0,
    ...extra,
  };
}

function message(id: string, topicName: string): TopicMessage {
  return { id, topicArn: `${PREFIX}${topicName}`, receivedAt: T0, payload: JSON.stringify({ Type: 'Notification', MessageId: id, Message: 'ünïcode 🎉' }) };
}

type Test = (title: string, fn: () => Promise<void>) => void;

export function topicContract(test: Test, store: () => Store): void {
  test('creates, reads, lists by prefix, updates and deletes topics', async () => {
    assert.equal(await store().createTopic(topic('b', { DisplayName: 'B' }), { team: 'ops' }), true);
    assert.equal(await store().createTopic(topic('b'), {}), false);
    await store().createTopic(topic('a'), {});
    await store().createTopic({ ...topic('c'), arn: 'arn:aws:sns:eu-west-1:000000000000:c' }, {});
    assert.deepEqual(await store().getTopic(`${PREFIX}b`), topic('b', { DisplayName: 'B' }));
    assert.deepEqual(await store().listTags(`${PREFIX}b`), { team: 'ops' });
    const page = await store().listTopics({ prefix: PREFIX, limit: 1 });
    assert.deepEqual(page.items.map((t) => t.name), ['a']);
    assert.deepEqual((await store().listTopics({ prefix: PREFIX, after: page.after, limit: 10 })).items.map((t) => t.name), ['b']);
    assert.equal(await store().setTopicAttributes(`${PREFIX}b`, { DisplayName: 'Bee' }, T0 + 1), true);
    assert.equal((await store().getTopic(`${PREFIX}b`))?.attributes.DisplayName, 'Bee');
    await store().createSubscription(subscription('b', 's1'));
    assert.equal(await store().deleteTopic(`${PREFIX}b`), true);
    assert.equal(await store().deleteTopic(`${PREFIX}b`), false);
    assert.equal(await store().getSubscription(subscription('b', 's1').arn), undefined);
    assert.deepEqual(await store().listTags(`${PREFIX}b`), {});
  });

  test('keeps one subscription per topic, protocol and endpoint, finds it by token, and counts', async () => {
    await store().createTopic(topic('t'), {});
    assert.equal(await store().createSubscription(subscription('nope', 's1')), undefined);
    const pending = subscription('t', 's1', { protocol: 'http', endpoint: 'http://x/', pendingConfirmation: true, confirmationWasAuthenticated: false, token: 'tok', tokenExpiresAt: T0 + 10 });
    assert.deepEqual(await store().createSubscription(pending), { created: true, subscription: pending });
    const again = await store().createSubscription(subscription('t', 's2', { protocol: 'http', endpoint: 'http://x/' }));
    assert.deepEqual(again, { created: false, subscription: pending });
    await store().createSubscription(subscription('t', 's3'));
    assert.deepEqual(await store().subscriptionByToken('tok'), pending);
    assert.deepEqual(await store().topicCounts(`${PREFIX}t`), { confirmed: 1, pending: 1, deleted: 0 });
    assert.equal(await store().updateSubscription(pending.arn, { pendingConfirmation: false, attributes: { RawMessageDelivery: 'true' } }), true);
    const updated = await store().getSubscription(pending.arn);
    assert.equal(updated?.pendingConfirmation, false);
    assert.equal(updated?.token, 'tok', 'fields not given are kept');
    assert.deepEqual(updated?.attributes, { RawMessageDelivery: 'true' });
    assert.equal(await store().deleteSubscription(pending.arn), true);
    assert.equal(await store().deleteSubscription(pending.arn), false);
    assert.deepEqual(await store().topicCounts(`${PREFIX}t`), { confirmed: 1, pending: 0, deleted: 1 });
    assert.deepEqual((await store().listSubscriptions({ prefix: `${PREFIX}t:`, limit: 10 })).items.map((s) => s.endpoint), [subscription('t', 's3').endpoint]);
  });

  test('records a publish with one sns delivery per confirmed subscription, which the engine can claim', async () => {
    await store().createTopic(topic('t'), {});
    await store().createSubscription(subscription('t', 's1'));
    await store().createSubscription(subscription('t', 's2'));
    await store().createSubscription(subscription('t', 's3', { protocol: 'http', endpoint: 'http://x/', pendingConfirmation: true, token: 'k' }));
    assert.equal(await store().publish(`${PREFIX}nope`, [message('m0', 'nope')], T0), undefined);
    assert.equal(await store().publish(`${PREFIX}t`, [message('m1', 't'), message('m2', 't')], T0), 2);
    assert.equal(await store().sendToSubscription(subscription('t', 's3').arn, message('c1', 't'), T0), true);
    assert.equal(await store().sendToSubscription(subscription('t', 'gone').arn, message('c2', 't'), T0), false);
    assert.equal((await store().getEvent('m1'))?.payload, message('m1', 't').payload);
    const claimed = await store().claimDue({ now: T0, owner: 'o', leaseUntil: T0 + 60_000, limit: 10, skipTargets: [] });
    assert.equal(claimed.length, 5);
    assert.ok(claimed.every((d) => d.kind === 'sns' && d.ruleArn === `${PREFIX}t` && d.ruleName === 't'));
    const m1 = claimed.filter((d) => d.eventId === 'm1');
    assert.deepEqual(m1.map((d) => d.targetArn).sort(), [subscription('t', 's1').arn, subscription('t', 's2').arn]);
    assert.equal(m1[0]!.event, message('m1', 't').payload);
  });

  test('keeps the first signing key stored', async () => {
    assert.equal(await store().signingKey(), undefined);
    const first = { privateKeyPem: 'first', certificatePem: 'cert-1', createdAt: T0 };
    assert.deepEqual(await store().putSigningKey(first), first);
    assert.deepEqual(await store().putSigningKey({ privateKeyPem: 'second', certificatePem: 'cert-2', createdAt: T0 + 1 }), first);
    assert.deepEqual(await store().signingKey(), first);
  });
}
