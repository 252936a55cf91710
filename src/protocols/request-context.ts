/**
 * What every protocol adapter learns from a request before it calls an operation: the SigV4 credential (checked
 * through the `SignatureVerifier` seam) and the `RequestContext` built from it — region and access key from the
 * signature, the Host the client used for URLs that point back here.
 */
import { ACCOUNT_ID, DEFAULT_REGION, type RequestContext } from './context.js';
import { parseAuthorization, type Credential, type SignatureVerifier } from './sigv4.js';
import { header, type WireRequest } from './wire.js';

export function requestContext(request: WireRequest, verifier: SignatureVerifier): { context: RequestContext; credential?: Credential } {
  const credential = parseAuthorization(header(request, 'authorization'));
  if (credential) verifier.verify(credential, request);
  const host = header(request, 'host');
  const context: RequestContext = {
    region: credential?.region || DEFAULT_REGION,
    accountId: ACCOUNT_ID,
    requestId: request.requestId,
    accessKeyId: credential?.accessKeyId,
    ...(host !== undefined && { endpoint: `http://${host}` }),
  };
  return credential ? { context, credential } : { context };
}
