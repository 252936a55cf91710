/**
 * SNS email subscriptions through an SMTP server the operator configures — here a real one the test starts on
 * 127.0.0.1: the confirmation mail carries the SubscribeURL, visiting it confirms, and a publish arrives as a mail
 * with the topic's DisplayName as sender name, the Subject and SNS's unsubscribe footer; email-json gets SNS's JSON
 * document. A recipient the server refuses for good (5xx) is not retried. Without an SMTP server, email
 * subscriptions are refused at Subscribe.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { quiet, startSnsServer, verifySignature, type SnsServer } from './helpers.js';

describe('SNS email subscriptions', () => {
  let smtp: SmtpSink;
  let s: SnsServer;

  beforeEach(async () => {
    smtp = await startSmtpSink();
    s = await startSnsServer({ smtp: { host: '127.0.0.1', port: smtp.port, from: 'alerts@mailroom.test' } });
  });
  afterEach(async () => {
    await s.close();
    await smtp.close();
  });

  const ctx = () => s.mailroom.context();
  const sns = () => s.mailroom.sns;

  async function topic(): Promise<string> {
    const { TopicArn } = await sns().topics.create({ Name: 'ops', Attributes: { DisplayName: 'Ops Alerts' } }, ctx());
    return TopicArn;
  }

  it('confirms by the link in the confirmation mail, then mails each message', async () => {
    const topicArn = await topic();
    const confirmation = smtp.nextMessage();
    const { SubscriptionArn } = await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'oncall@example.com' }, ctx());
    assert.equal(SubscriptionArn, 'pending confirmation');
    const mail = await confirmation;
    assert.equal(mail.from, 'alerts@mailroom.test');
    assert.deepEqual(mail.to, ['oncall@example.com']);
    assert.equal(mail.headers.subject, 'AWS Notification - Subscription Confirmation');
    assert.equal(mail.headers.from, 'Ops Alerts <alerts@mailroom.test>');
    const link = /(http:\/\/\S+Action=ConfirmSubscription\S+)/.exec(mail.text)?.[1];
    assert.ok(link, mail.text);
    assert.equal((await fetch(link)).status, 200);
    await quiet(s.mailroom);

    const notification = smtp.nextMessage();
    await sns().publish(topicArn, 'The disk is full.\nPlease look.', 'Disk alarm');
    const message = await notification;
    assert.equal(message.headers.subject, 'Disk alarm');
    assert.ok(message.text.startsWith('The disk is full.\nPlease look.\n\n--\n'), message.text);
    assert.match(message.text, new RegExp(`${s.server.url}/\\?Action=Unsubscribe&SubscriptionArn=${topicArn}:[0-9a-f-]{36}`));
  });

  it('sends email-json subscribers SNS\'s signed JSON document', async () => {
    const topicArn = await topic();
    const confirmation = smtp.nextMessage();
    await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'email-json', Endpoint: 'robot@example.com' }, ctx());
    const doc = JSON.parse((await confirmation).text) as Record<string, string>;
    assert.equal(doc.Type, 'SubscriptionConfirmation');
    assert.ok(await verifySignature(doc));
    await sns().subscriptions.confirm({ TopicArn: topicArn, Token: doc.Token! }, ctx());
    await quiet(s.mailroom);
    const notification = smtp.nextMessage();
    await sns().publish(topicArn, 'json please');
    const body = JSON.parse((await notification).text) as Record<string, string>;
    assert.equal(body.Message, 'json please');
    assert.ok(await verifySignature(body));
  });

  it('does not retry a recipient the server refuses for good', async () => {
    const topicArn = await topic();
    const confirmation = smtp.nextMessage();
    await sns().subscriptions.subscribe({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'gone@example.com' }, ctx());
    const token = /Token=([0-9a-f]+)/.exec((await confirmation).text)![1]!;
    await sns().subscriptions.confirm({ TopicArn: topicArn, Token: token }, ctx());
    smtp.rcptReply = '550 No such user';
    const messageId = await sns().publish(topicArn, 'bounce');
    await quiet(s.mailroom);
    s.clock.advance(86_400_000);
    await quiet(s.mailroom);
    const [delivery] = await s.mailroom.store.listDeliveries({ eventId: messageId, limit: 10 });
    assert.equal(delivery?.status, 'dropped');
    assert.equal(delivery?.attempts, 1);
    assert.match(delivery?.lastError ?? '', /550 No such user/);
  });
});

describe('SNS email without an SMTP server', () => {
  it('refuses email subscriptions, saying what to configure', async () => {
    const s = await startSnsServer();
    try {
      const ctx = s.mailroom.context();
      const { TopicArn } = await s.mailroom.sns.topics.create({ Name: 'ops' }, ctx);
      await assert.rejects(s.mailroom.sns.subscriptions.subscribe({ TopicArn, Protocol: 'email', Endpoint: 'a@example.com' }, ctx), {
        name: 'InvalidParameterException',
        message: /SMTP server.*smtp/,
      });
    } finally {
      await s.close();
    }
  });
});
