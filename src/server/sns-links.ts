/**
 * The links SNS messages carry, served on Mailroom's port: a subscriber visits the SubscribeURL
 * (`GET /?Action=ConfirmSubscription&TopicArn=...&Token=...`) or the UnsubscribeURL
 * (`GET /?Action=Unsubscribe&SubscriptionArn=...`) exactly as it would visit SNS's, and gets SNS's XML answer; and
 * it fetches the signing certificate from SigningCertURL to verify a message's Signature.
 *
 * An adapter of its own, placed before the query protocol adapter: these visits are unsigned and carry no
 * `Version`, so the query adapter could not tell which service they are for. It claims only these GETs and runs
 * them through SNS's own query operations and XML. The region is the one in the link's ARN, as SNS does.
 */
import type { QueryService } from '../protocols/query.js';
import { errorXml, responseXml } from '../protocols/query-xml.js';
import { requestContext, wireError, type Logger } from '../protocols/service-call.js';
import { acceptAnySignature } from '../protocols/sigv4.js';
import type { ProtocolAdapter, WireRequest, WireResponse } from '../protocols/wire.js';
import { CERTIFICATE_PATH, type Sns } from '../topics/index.js';
import { regionOf } from '../topics/names.js';

/** The action each link performs, and the parameter holding the ARN whose region it is for. */
const LINKS: Readonly<Record<string, string>> = { ConfirmSubscription: 'TopicArn', Unsubscribe: 'SubscriptionArn' };

export class SnsLinkAdapter implements ProtocolAdapter {
  readonly name = 'sns-links';
  readonly #service: QueryService;

  constructor(
    private readonly sns: Sns,
    private readonly log: Logger,
  ) {
    this.#service = sns.queryService();
  }

  claims(request: WireRequest): boolean {
    if (request.method !== 'GET') return false;
    const url = new URL(request.path, 'http://mailroom');
    if (url.pathname.startsWith(CERTIFICATE_PATH) && url.pathname.endsWith('.pem')) return true;
    return url.pathname === '/' && !url.searchParams.has('Version') && Object.hasOwn(LINKS, url.searchParams.get('Action') ?? '');
  }

  async handle(request: WireRequest): Promise<WireResponse> {
    const url = new URL(request.path, 'http://mailroom');
    if (url.pathname !== '/') return this.#certificate(url.pathname);
    const action = url.searchParams.get('Action')!;
    const headers = { 'content-type': 'text/xml', 'x-amzn-requestid': request.requestId };
    try {
      const context = requestContext(request, acceptAnySignature);
      context.region = regionOf(url.searchParams.get(LINKS[action]!) ?? '') ?? context.region;
      const operation = this.#service.operations[action]!;
      const value = await operation.run(Object.fromEntries(url.searchParams), context);
      const output = operation.output && { shape: operation.output, value };
      return { status: 200, headers, body: responseXml(action, this.#service.xmlNamespace, request.requestId, output) };
    } catch (err) {
      const error = wireError(err, request.requestId, this.log);
      return { status: error.spec.status, headers, body: errorXml({ fault: error.spec.fault, code: error.queryCode, message: error.message }, request.requestId, this.#service.xmlNamespace) };
    }
  }

  async #certificate(path: string): Promise<WireResponse> {
    const key = await this.sns.signer.key();
    if (path !== `${CERTIFICATE_PATH}-${key.fingerprint}.pem`) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'No such certificate: the signing key has another one.\n' };
    return { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: key.certificatePem };
  }
}
