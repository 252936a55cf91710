/**
 * Reads the SigV4 `Authorization` header: which access key signed the request and for which region and service.
 * Mailroom takes the region (and so the ARNs it builds) from here, as AWS does. Verifying the signature itself is
 * a seam (`SignatureVerifier`); the default accepts any well-formed header, since local use has no real secrets.
 */
import { ServiceError } from '../errors.js';

export interface Credential {
  accessKeyId: string;
  /** YYYYMMDD from the credential scope. */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const SCHEME = 'AWS4-HMAC-SHA256';

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/events/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string | undefined): Credential | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (!trimmed.startsWith(SCHEME + ' ')) {
    throw new ServiceError('MissingAuthenticationTokenException', `Authorization header requires '${SCHEME}' signing; got '${trimmed.split(' ')[0]}'.`);
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SCHEME.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const scope = fields.get('Credential')?.split('/');
  if (!scope || scope.length !== 5 || scope[4] !== 'aws4_request' || !scope[0]) {
    throw new ServiceError('MissingAuthenticationTokenException', "Authorization header requires 'Credential' parameter of the form AKID/date/region/service/aws4_request.");
  }
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!signedHeaders || !signature) {
    throw new ServiceError('MissingAuthenticationTokenException', "Authorization header requires 'SignedHeaders' and 'Signature' parameters.");
  }
  return {
    accessKeyId: scope[0],
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: signedHeaders.split(';'),
    signature,
  };
}

/** The seam for signature verification: given the credential and the raw request, accept or throw. */
export interface SignatureVerifier {
  verify(credential: Credential, request: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: Buffer }): void;
}

/** Accepts every well-formed signature: Mailroom has no IAM users to check secrets against yet. */
export const acceptAnySignature: SignatureVerifier = { verify() {} };
