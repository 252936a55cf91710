/**
 * The URLs SNS messages carry, pointing back at Mailroom: SubscribeURL and UnsubscribeURL look exactly like SNS's
 * (`<endpoint>/?Action=ConfirmSubscription&TopicArn=...&Token=...`), so a subscriber that visits them as it would
 * visit SNS's works unchanged; SigningCertURL names the certificate of the key that signs the messages.
 *
 * The base is the configured public URL (what subscribers can reach, e.g. behind a proxy or in a container
 * network) or else the server's own address, known once it listens; in-process use without a server has no base
 * to offer and falls back to the default port.
 */

const DEFAULT_BASE_URL = 'http://127.0.0.1:4010';
/** Where the signing certificate is served, under Mailroom's own path. */
export const CERTIFICATE_PATH = '/_mailroom/sns/SimpleNotificationService';

export class TopicLinks {
  #base: string;
  readonly #configured: boolean;

  constructor(publicUrl?: string) {
    this.#base = (publicUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#configured = publicUrl !== undefined;
  }

  /** The server's address, once it listens; a configured public URL takes precedence. */
  serverListening(url: string): void {
    if (!this.#configured) this.#base = url.replace(/\/+$/, '');
  }

  get base(): string {
    return this.#base;
  }

  // ARNs and tokens hold only characters that are safe in a query string, as in SNS's own links.
  subscribeUrl(topicArn: string, token: string): string {
    return `${this.#base}/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`;
  }

  unsubscribeUrl(subscriptionArn: string): string {
    return `${this.#base}/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`;
  }

  /** `fingerprint` makes the URL change with the key, as SNS's certificate URLs do. */
  signingCertUrl(fingerprint: string): string {
    return `${this.#base}${CERTIFICATE_PATH}-${fingerprint}.pem`;
  }
}
