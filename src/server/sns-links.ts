/**
 * The links SNS messages carry, served on Mailroom's port: a subscriber visits the SubscribeURL
 * (`GET /?Action=ConfirmSubscription&TopicArn=...&Token=...`) or the UnsubscribeURL
 * (`GET /?Action=Unsubscribe&SubscriptionArn=...`) exactly as it would visit SNS's, and gets SNS's XML answer; and
 * it fetches the signing certificate from SigningCertURL to verify a message's Signature.
 *
 * A protocol adapter of its own that claims only these GET requests, so it sits before the query protocol adapter
 * (which will serve the same actions for signed form POSTs) without taking anything else from it. The visits are
 * usually unsigned, so the region comes from the ARN in the link, as SNS does.
 */
import type { Logger } from 'pino';
import { ServiceError } from '../errors.js';
import { ACCOUNT_ID, DEFAULT_REGION, type RequestContext } from '../protocols/context.js';
import { parseAuthorization } from '../protocols/sigv4.js';
import { header, type ProtocolAdapter, type WireRequest, type WireResponse } from '../protocols/wire.js';
import { CERTIFICATE_PATH, SNS_XML_NAMESPACE, type Sns } from '../topics/index.js';
import { regionOf } from '../topics/names.js';

const LINK_ACTIONS = new Set(['ConfirmSubscription', 'Unsubscribe']);

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function xml(status: number, body: string): WireResponse {
  return { status, headers: { 'content-type': 'text/xml' }, body: `<?xml version="1.0"?>\n${body}\n` };
}

export class SnsLinkAdapter implements ProtocolAdapter {
  readonly name = 'sns-links';

  constructor(
    private readonly sns: Sns,
    private readonly log: Pick<Logger, 'error'>,
  ) {}

  claims(request: WireRequest): boolean {
    if (request.method !== 'GET') return false;
    const url = new URL(request.path, 'http://mailroom');
    if (url.pathname.startsWith(CERTIFICATE_PATH) && url.pathname.endsWith('.pem')) return true;
    return url.pathname === '/' && LINK_ACTIONS.has(url.searchParams.get('Action') ?? '');
  }

  async handle(request: WireRequest): Promise<WireResponse> {
    const url = new URL(request.path, 'http://mailroom');
    if (url.pathname !== '/') return this.#certificate(url.pathname);
    const action = url.searchParams.get('Action')!;
    const param = (name: string) => url.searchParams.get(name) ?? undefined;
    const id = request.requestId;
    try {
      const arn = action === 'Unsubscribe' ? param('SubscriptionArn') : param('TopicArn');
      const ctx: RequestContext = {
        region: regionOf(arn ?? '') ?? DEFAULT_REGION,
        accountId: ACCOUNT_ID,
        requestId: id,
        accessKeyId: parseAuthorization(header(request, 'authorization'))?.accessKeyId,
      };
      if (action === 'Unsubscribe') {
        await this.sns.subscriptions.unsubscribe({ SubscriptionArn: param('SubscriptionArn')! }, ctx);
        return xml(200, `<UnsubscribeResponse xmlns="${SNS_XML_NAMESPACE}"><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></UnsubscribeResponse>`);
      }
      const input = { TopicArn: param('TopicArn')!, Token: param('Token')!, ...(param('AuthenticateOnUnsubscribe') !== undefined && { AuthenticateOnUnsubscribe: param('AuthenticateOnUnsubscribe') }) };
      const { SubscriptionArn } = await this.sns.subscriptions.confirm(input, ctx);
      return xml(
        200,
        `<ConfirmSubscriptionResponse xmlns="${SNS_XML_NAMESPACE}"><ConfirmSubscriptionResult><SubscriptionArn>${escapeXml(SubscriptionArn)}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`,
      );
    } catch (err) {
      return this.#error(err, id);
    }
  }

  async #certificate(path: string): Promise<WireResponse> {
    const key = await this.sns.signer.key();
    if (path !== `${CERTIFICATE_PATH}-${key.fingerprint}.pem`) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'No such certificate: the signing key has another one.\n' };
    return { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: key.certificatePem };
  }

  #error(err: unknown, requestId: string): WireResponse {
    let status = 500;
    let fault = 'Receiver';
    let code = 'InternalError';
    let message = 'An internal error occurred; the request can be retried.';
    if (err instanceof ServiceError) {
      ({ status, fault } = err.spec);
      code = err.spec.queryCode ?? err.code;
      message = err.message;
    } else {
      this.log.error({ err, requestId }, 'unhandled error serving an SNS link');
    }
    return xml(
      status,
      `<ErrorResponse xmlns="${SNS_XML_NAMESPACE}"><Error><Type>${fault}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  }
}
