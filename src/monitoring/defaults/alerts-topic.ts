/**
 * The default alerts topic, `mailroom-alerts`, which the default alarms notify: one per region, since CloudWatch
 * notifies topics of its own region only. It is made when a process first needs it — at start for the default
 * region — if it is missing, encrypted with SNS's managed key as the seed's author wanted. Creating a topic is
 * atomic and idempotent in the store, so every process sharing a database may do it; a topic that exists is left
 * as it is, since its attributes may have been changed on purpose.
 *
 * The operator's alerts endpoints (`--alerts-webhook`, `--alerts-email`) are subscribed pre-confirmed. SNS's
 * handshake is there so that nobody can point a topic at an endpoint that did not ask for it; here the operator who
 * configured the address is that consent, and a plain webhook (a chat or paging tool's) cannot visit a
 * SubscribeURL, so the alert of last resort would silently never arrive. Other subscribers use SNS's API and
 * confirm as usual.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, type RequestContext } from '../../protocols/context.js';
import type { Sns } from '../../topics/index.js';
import { topicArn } from '../../topics/names.js';
import type { TopicStore } from '../../store/topics.js';

export const ALERTS_TOPIC = 'mailroom-alerts';
const ATTRIBUTES = { DisplayName: 'Mailroom alerts', KmsMasterKeyId: 'alias/aws/sns' };

export interface AlertsEndpoint {
  protocol: 'http' | 'https' | 'email';
  endpoint: string;
}

/** The endpoints `webhook` and `email` name, as SNS subscriptions. */
export function alertsEndpoints(alerts: { webhook?: string; email?: string }): AlertsEndpoint[] {
  const endpoints: AlertsEndpoint[] = [];
  if (alerts.webhook !== undefined) endpoints.push({ protocol: alerts.webhook.startsWith('https:') ? 'https' : 'http', endpoint: alerts.webhook });
  if (alerts.email !== undefined) endpoints.push({ protocol: 'email', endpoint: alerts.email });
  return endpoints;
}

export class AlertsTopic {
  readonly #ensured = new Map<string, Promise<string>>();

  constructor(
    private readonly sns: Sns,
    private readonly store: Pick<TopicStore, 'getTopic'>,
    private readonly endpoints: readonly AlertsEndpoint[],
  ) {}

  /** The topic's ARN in `region`, once it exists with the operator's subscriptions (checked once per process and region). */
  arn(region: string): Promise<string> {
    let ensured = this.#ensured.get(region);
    if (!ensured) {
      ensured = this.#ensure(region);
      this.#ensured.set(region, ensured);
      // A failure (the store, a misconfigured endpoint) is reported to the caller and tried afresh next time.
      ensured.catch(() => this.#ensured.delete(region));
    }
    return ensured;
  }

  async #ensure(region: string): Promise<string> {
    const ctx: RequestContext = { region, accountId: ACCOUNT_ID, requestId: randomUUID() };
    const arn = topicArn(ctx, ALERTS_TOPIC);
    if (!(await this.store.getTopic(arn))) {
      try {
        await this.sns.topics.create({ Name: ALERTS_TOPIC, Attributes: ATTRIBUTES }, ctx);
      } catch (err) {
        // Another process made it first, and someone changed its attributes since: it is there, which is enough.
        if (!(await this.store.getTopic(arn))) throw err;
      }
    }
    for (const e of this.endpoints) {
      await this.sns.subscriptions.subscribe({ TopicArn: arn, Protocol: e.protocol, Endpoint: e.endpoint }, ctx, { preConfirmed: true });
    }
    return arn;
  }
}
