/**
 * Dead letters as EventBridge writes them: the original event as the message body, with the message attributes
 * RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION (when retries ran out) and
 * RETRY_ATTEMPTS. Beyond AWS, Mailroom adds the delivery's id (its attempt history is kept in the store) and the
 * target's last answer (status and the first 4 KB of its body).
 */
import type { NewQueueMessage } from '../store/queues.js';

export interface DeadLetterReason {
  ruleArn: string;
  targetArn: string;
  errorCode: string;
  errorMessage: string;
  exhausted?: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';
  /** Retries made (attempts - 1). */
  retryAttempts: number;
  deliveryId: string;
  lastResponse?: { status: number; body: string };
}

export function deadLetterAttributes(r: DeadLetterReason): Record<string, string> {
  const attributes: Record<string, string> = {
    RULE_ARN: r.ruleArn,
    TARGET_ARN: r.targetArn,
    ERROR_CODE: r.errorCode,
    ERROR_MESSAGE: r.errorMessage,
  };
  if (r.exhausted) attributes.EXHAUSTED_RETRY_CONDITION = r.exhausted;
  attributes.RETRY_ATTEMPTS = String(r.retryAttempts);
  attributes.MAILROOM_DELIVERY_ID = r.deliveryId;
  if (r.lastResponse) {
    attributes.MAILROOM_LAST_RESPONSE_STATUS = String(r.lastResponse.status);
    // SQS refuses empty string attribute values.
    if (r.lastResponse.body) attributes.MAILROOM_LAST_RESPONSE_BODY = r.lastResponse.body;
  }
  return attributes;
}

/** Where dead letters go: a queue that exists and whose policy lets the rule send, or a reason it cannot. */
export interface DeadLetterSink {
  prepare(queueArn: string, sourceArn: string, body: string, attributes: Record<string, string>): Promise<{ message: NewQueueMessage } | { refused: string }>;
}
