/**
 * What a service learns about the caller from the protocol layer, independent of the wire protocol.
 */

/** Mailroom is a single-account system; every ARN carries this account, as LocalStack and moto do. */
export const ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

export interface RequestContext {
  region: string;
  accountId: string;
  requestId: string;
  /** Access key from the signature, if the request was signed. */
  accessKeyId?: string;
  /** `http://<Host header>` of the request, for URLs that point back at this server (SQS queue URLs). */
  endpoint?: string;
}
