/**
 * The plain data shapes the store keeps. Services build and read these; the store persists them without
 * interpreting the JSON documents inside (`spec`, `authParameters`, event `payload`).
 */

export interface BusRecord {
  name: string;
  arn: string;
  description?: string;
  kmsKeyIdentifier?: string;
  /** DeadLetterConfig.Arn of the bus itself (EventBridge's bus-level DLQ), if set. */
  deadLetterArn?: string;
  policy?: string;
  createdAt: number;
  lastModifiedAt: number;
}

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export interface RuleRecord {
  bus: string;
  name: string;
  arn: string;
  /** Raw pattern text as the user sent it (AWS returns it verbatim). */
  eventPattern?: string;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  roleArn?: string;
  managedBy?: string;
  createdAt: number;
  lastModifiedAt: number;
}

export interface TargetRecord {
  bus: string;
  rule: string;
  id: string;
  arn: string;
  /** The rest of the AWS target shape (RetryPolicy, DeadLetterConfig, Input*, HttpParameters, ...) as JSON text. */
  spec: string;
}

export type ConnectionState = 'CREATING' | 'UPDATING' | 'DELETING' | 'AUTHORIZED' | 'DEAUTHORIZED' | 'AUTHORIZING' | 'DEAUTHORIZING' | 'ACTIVE' | 'FAILED_CONNECTIVITY';

export interface ConnectionRecord {
  name: string;
  arn: string;
  description?: string;
  authorizationType: 'API_KEY' | 'BASIC' | 'OAUTH_CLIENT_CREDENTIALS';
  state: ConnectionState;
  /** AuthParameters as JSON text, secrets included; sealed at rest under Mailroom's own key (src/store/sealing.ts). */
  authParameters: string;
  createdAt: number;
  lastModifiedAt: number;
  lastAuthorizedAt?: number;
}

export interface ApiDestinationRecord {
  name: string;
  arn: string;
  description?: string;
  connectionArn: string;
  endpoint: string;
  httpMethod: string;
  invocationRateLimitPerSecond?: number;
  state: 'ACTIVE' | 'INACTIVE';
  createdAt: number;
  lastModifiedAt: number;
}

/** An accepted event: the EventBridge envelope as JSON text. */
export interface EventRecord {
  id: string;
  bus: string;
  receivedAt: number;
  payload: string;
}

/** What PutEvents records for one matched target, in the same transaction as the event. */
export interface NewDelivery {
  ruleName: string;
  ruleArn: string;
  targetId: string;
  targetArn: string;
  dueAt: number;
}

export type DeliveryStatus = 'pending' | 'done' | 'dead' | 'dropped';

export interface DeliveryRecord extends NewDelivery {
  id: string;
  eventId: string;
  bus: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: number;
  leaseOwner?: string;
  leaseUntil?: number;
  /** Why the last attempt failed, if one did. */
  lastError?: string;
}

/** A page of names in ascending order, and where to continue (exclusive), if there is more. */
export interface Page<T> {
  items: T[];
  after?: string;
}

export interface PageRequest {
  prefix?: string;
  /** Continue after this name (exclusive). */
  after?: string;
  limit: number;
}
