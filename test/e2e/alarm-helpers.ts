/**
 * For the alarm end-to-end tests: what an HTTP subscriber (an HttpSink) was sent by SNS — notifications and the
 * CloudWatch alarm messages inside them — waiting for one to arrive, and confirming a subscription the way a
 * subscriber does, by visiting the SubscribeURL of the confirmation it was sent.
 */
import assert from 'node:assert/strict';
import type { HttpSink, ReceivedRequest } from '../helpers/http-sink.js';
import { untilRequests } from './delivery-helpers.js';

/** CloudWatch's alarm message, as far as these tests look into it. */
export interface AlarmMessage {
  AlarmName: string;
  NewStateValue: string;
  OldStateValue: string;
  NewStateReason: string;
  Trigger: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Notification {
  request: ReceivedRequest;
  doc: Record<string, string>;
  alarm: AlarmMessage;
}

/** The notifications the sink received, in order of arrival, with the alarm message each carries. */
export function notifications(sink: HttpSink): Notification[] {
  return sink.requests
    .filter((r) => r.headers['x-amz-sns-message-type'] === 'Notification')
    .map((request) => {
      const doc = JSON.parse(request.body) as Record<string, string>;
      return { request, doc, alarm: JSON.parse(doc.Message!) as AlarmMessage };
    });
}

/** Waits (bounded, request by request) for a notification of `alarmName` going from `from` (any state: '*') to `to`. */
export async function untilNotified(sink: HttpSink, alarmName: string, from: string, to: string, ms = 30_000): Promise<Notification> {
  const find = () => notifications(sink).find((n) => n.alarm.AlarmName === alarmName && (from === '*' || n.alarm.OldStateValue === from) && n.alarm.NewStateValue === to);
  await untilRequests(sink, () => find() !== undefined, ms, () => `${alarmName} ${from} → ${to} at ${sink.url}; got ${JSON.stringify(notifications(sink).map((n) => [n.alarm.AlarmName, n.alarm.OldStateValue, n.alarm.NewStateValue]))}`);
  return find()!;
}

/** Waits for the SubscriptionConfirmation that `subscribed` causes, and confirms it through its SubscribeURL. */
export async function confirmThroughSubscribeUrl(sink: HttpSink, subscribed: () => Promise<unknown>): Promise<void> {
  const confirmation = sink.nextRequest();
  await subscribed();
  const request = await confirmation;
  assert.equal(request.headers['x-amz-sns-message-type'], 'SubscriptionConfirmation');
  const visit = await fetch((JSON.parse(request.body) as { SubscribeURL: string }).SubscribeURL);
  assert.equal(visit.status, 200, await visit.text());
}
