/**
 * The one catalogue of errors Mailroom returns. Services throw `ServiceError(code, message)`; each protocol
 * adapter turns it into its own wire shape (awsJson `__type`, query-protocol XML, `x-amzn-query-error`), so an
 * AWS SDK raises the same exception class it would against AWS. `docs/errors.md` lists every code here; a test
 * checks the two agree.
 */

export interface ErrorSpec {
  /** HTTP status AWS answers with. */
  readonly status: number;
  /** Who is at fault, as the query protocol and `x-amzn-query-error` report it. */
  readonly fault: 'Sender' | 'Receiver';
  /** The code older query-protocol clients see, where it differs from the JSON code (SQS). */
  readonly queryCode?: string;
  /**
   * The JSON/CBOR `__type` code where it differs from the catalogue key: for an error whose key is its query code
   * because another service already uses the JSON name for a different error (CloudWatch's ValidationError).
   */
  readonly jsonCode?: string;
  /** One line for the docs: when this error is returned. */
  readonly when: string;
}

export const ERROR_CATALOGUE = {
  // Shared by every JSON service: the request itself is wrong.
  SerializationException: { status: 400, fault: 'Sender', when: 'The body is not valid JSON, or a field has the wrong type.' },
  UnknownOperationException: { status: 400, fault: 'Sender', when: 'The X-Amz-Target names no operation Mailroom serves.' },
  ValidationException: { status: 400, fault: 'Sender', when: 'A field is missing, too long, out of range or malformed; the message names it.' },
  MissingAuthenticationTokenException: { status: 403, fault: 'Sender', when: 'The Authorization header is present but is not SigV4.' },
  RequestEntityTooLargeException: { status: 413, fault: 'Sender', when: 'The request body exceeds the largest request Mailroom accepts.' },
  UnsupportedMediaTypeException: { status: 415, fault: 'Sender', when: 'The Content-Type is not one the protocol accepts.' },
  InternalException: { status: 500, fault: 'Receiver', when: 'Mailroom failed; the request may be retried.' },
  // Shared by every query-protocol service (SQS's query wire, SNS, CloudWatch).
  MissingAction: { status: 400, fault: 'Sender', when: 'A query-protocol request has no Action parameter.' },
  InvalidAction: { status: 400, fault: 'Sender', when: 'The Action names no operation of the service, or the request is signed for a service not served over the query protocol.' },
  // EventBridge.
  ResourceNotFoundException: { status: 400, fault: 'Sender', when: 'The named bus, rule, connection or API destination, or (SQS) a move task or its source or destination queue, does not exist.' },
  ResourceAlreadyExistsException: { status: 400, fault: 'Sender', when: 'A bus, connection or API destination of that name exists.' },
  InvalidEventPatternException: { status: 400, fault: 'Sender', when: 'The event pattern is not valid; the message is AWS\'s.' },
  LimitExceededException: { status: 400, fault: 'Sender', when: 'A limit would be exceeded (e.g. more than 5 targets on a rule; a 26th on-demand rotation of a KMS key).' },
  ConcurrentModificationException: { status: 400, fault: 'Sender', when: 'Another request changed the resource at the same time.' },
  ManagedRuleException: { status: 400, fault: 'Sender', when: 'The rule is managed by another service and cannot be changed here.' },
  IllegalStatusException: { status: 400, fault: 'Sender', when: 'The resource is in a state that does not allow the operation.' },
  // SQS (awsJson 1.0, query-compatible): the JSON code is the `__type` name; queryCode is what x-amzn-query-error
  // and the query protocol carry (from the SQS model's awsQueryError traits; absent where it is the same).
  QueueDoesNotExist: { status: 400, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.NonExistentQueue', when: 'The queue named by QueueName or QueueUrl does not exist.' },
  QueueNameExists: { status: 400, fault: 'Sender', queryCode: 'QueueAlreadyExists', when: 'CreateQueue names an existing queue with different attribute values.' },
  InvalidAttributeName: { status: 400, fault: 'Sender', when: 'A queue attribute name is unknown, read-only, or FIFO-only (FIFO queues are not supported yet).' },
  InvalidAttributeValue: { status: 400, fault: 'Sender', when: 'A queue attribute value is out of range or malformed; for a Policy that is not a valid IAM policy, the message gives the reason.' },
  InvalidParameterValue: { status: 400, fault: 'Sender', when: 'A request parameter is invalid: queue name, message size, message attribute, receive limits, ...; on the query protocol also a number, boolean or timestamp that does not convert, or an unknown Version.' },
  MissingParameter: { status: 400, fault: 'Sender', when: 'A required request parameter is absent (on the query protocol also half of a map entry, or Version on an unsigned request).' },
  InvalidMessageContents: { status: 400, fault: 'Sender', when: 'The message body or an attribute holds characters SQS does not allow.' },
  ReceiptHandleIsInvalid: { status: 404, fault: 'Sender', when: 'The receipt handle is malformed, or a later receive of the message superseded it.' },
  EmptyBatchRequest: { status: 400, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest', when: 'A batch request has no entries.' },
  TooManyEntriesInBatchRequest: { status: 400, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', when: 'A batch request has more than 10 entries.' },
  BatchEntryIdsNotDistinct: { status: 400, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', when: 'Two entries of a batch request have the same Id.' },
  InvalidBatchEntryId: { status: 400, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId', when: 'A batch entry Id is not 1-80 alphanumeric, hyphen or underscore characters.' },
  BatchRequestTooLong: { status: 400, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong', when: 'The messages of a SendMessageBatch together exceed 1 MiB.' },
  UnsupportedOperation: { status: 400, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.UnsupportedOperation', when: 'CancelMessageMoveTask names a task that is not RUNNING.' },
  PurgeQueueInProgress: { status: 403, fault: 'Sender', queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress', when: 'The queue was purged less than 60 seconds ago.' },
  // CloudWatch (rpc-v2-cbor and awsJson 1.0, query-compatible): `__type` is the model's shape name, the query code
  // (x-amzn-query-error, and what boto3 reports) comes from its awsQueryError trait.
  ValidationError: { status: 400, fault: 'Sender', jsonCode: 'ValidationException', when: 'CloudWatch: a field is missing, too long, out of range or malformed, or the alarm is inconsistent (DatapointsToAlarm > EvaluationPeriods, an unsupported Period); the message names it.' },
  InvalidParameterValueException: { status: 400, fault: 'Sender', queryCode: 'InvalidParameterValue', when: 'CloudWatch: a metric value, timestamp, period, statistic, unit or namespace is not valid.' },
  MissingRequiredParameterException: { status: 400, fault: 'Sender', queryCode: 'MissingParameter', when: 'CloudWatch: a required parameter of PutMetricData or GetMetricStatistics is absent.' },
  InvalidParameterCombinationException: { status: 400, fault: 'Sender', queryCode: 'InvalidParameterCombination', when: 'CloudWatch: parameters that exclude each other are given together, or a request asks for more than 1,440 datapoints.' },
  InvalidNextToken: { status: 400, fault: 'Sender', when: 'CloudWatch: the NextToken was not issued for this request.' },
  LimitExceededFault: { status: 400, fault: 'Sender', queryCode: 'LimitExceeded', when: 'CloudWatch: PutMetricAlarm would exceed the number of alarms Mailroom evaluates (10,000).' },
  // CloudWatch's and SNS's ResourceNotFound (a 404), unlike EventBridge's ResourceNotFoundException.
  ResourceNotFound: { status: 404, fault: 'Sender', when: 'CloudWatch: SetAlarmState or DeleteAlarms names an alarm that does not exist; SNS: TagResource, UntagResource or ListTagsForResource names a topic that does not exist.' },
  InvalidFormatFault: { status: 400, fault: 'Sender', queryCode: 'InvalidFormat', when: 'CloudWatch: SetAlarmState\'s StateReasonData is not a JSON object.' },
  // SNS (query protocol): keyed by the exception's name in SNS's model, queryCode is the code on the wire.
  InvalidParameterException: { status: 400, fault: 'Sender', queryCode: 'InvalidParameter', when: 'An SNS request parameter is invalid: topic name or ARN, protocol, endpoint, attribute, message size, token, ...' },
  // SNS's InvalidParameterValueException; keyed by its wire code, since CloudWatch's exception has the same name.
  ParameterValueInvalid: { status: 400, fault: 'Sender', when: 'An SNS message attribute is invalid (name, data type or value).' },
  // SNS's NotFoundException; keyed by its wire code, since KMS's exception has the same name (and status 400).
  NotFound: { status: 404, fault: 'Sender', when: 'The SNS topic or subscription does not exist.' },
  AuthorizationErrorException: { status: 403, fault: 'Sender', queryCode: 'AuthorizationError', when: 'The request is not allowed: e.g. an unsigned Unsubscribe of a subscription confirmed with AuthenticateOnUnsubscribe.' },
  TagLimitExceededException: { status: 400, fault: 'Sender', queryCode: 'TagLimitExceeded', when: 'A topic would have more than 50 tags.' },
  EmptyBatchRequestException: { status: 400, fault: 'Sender', queryCode: 'EmptyBatchRequest', when: 'PublishBatch has no entries.' },
  TooManyEntriesInBatchRequestException: { status: 400, fault: 'Sender', queryCode: 'TooManyEntriesInBatchRequest', when: 'PublishBatch has more than 10 entries.' },
  BatchEntryIdsNotDistinctException: { status: 400, fault: 'Sender', queryCode: 'BatchEntryIdsNotDistinct', when: 'Two PublishBatch entries have the same Id.' },
  InvalidBatchEntryIdException: { status: 400, fault: 'Sender', queryCode: 'InvalidBatchEntryId', when: 'A PublishBatch entry Id is not 1-80 alphanumeric, hyphen or underscore characters.' },
  BatchRequestTooLongException: { status: 400, fault: 'Sender', queryCode: 'BatchRequestTooLong', when: 'The messages of a PublishBatch together exceed 256 KiB.' },
  KmsNotFound: { status: 400, fault: 'Sender', queryCode: 'KMS.NotFoundException', when: 'The KMS key that seals the queue\'s messages does not exist (any more).' },
  KmsDisabled: { status: 400, fault: 'Sender', queryCode: 'KMS.DisabledException', when: 'The KMS key that seals the queue\'s messages is disabled: nothing can be sent or received until it is enabled.' },
  KmsInvalidState: { status: 400, fault: 'Sender', queryCode: 'KMS.InvalidStateException', when: 'The KMS key that seals the queue\'s messages is pending deletion.' },
  // KMS (awsJson 1.1, TrentService).
  NotFoundException: { status: 400, fault: 'Sender', when: 'No KMS key or alias by that id, ARN or name.' },
  DisabledException: { status: 400, fault: 'Sender', when: 'The KMS key is disabled.' },
  KMSInvalidStateException: { status: 400, fault: 'Sender', when: 'The KMS key\'s state does not allow the operation (e.g. it is pending deletion).' },
  InvalidCiphertextException: { status: 400, fault: 'Sender', when: 'The ciphertext is corrupt, was not made by this KMS, or its encryption context differs.' },
  IncorrectKeyException: { status: 400, fault: 'Sender', when: 'Decrypt names a KeyId other than the key that encrypted the ciphertext.' },
  InvalidKeyUsageException: { status: 400, fault: 'Sender', when: 'The encryption algorithm does not fit the key (Mailroom\'s keys are SYMMETRIC_DEFAULT).' },
  AlreadyExistsException: { status: 400, fault: 'Sender', when: 'An alias of that name exists.' },
  NotAuthorizedException: { status: 400, fault: 'Sender', when: 'The alias name is reserved for AWS managed keys (alias/aws/...), or the alias would point at one.' },
  UnsupportedOperationException: { status: 400, fault: 'Sender', when: 'Not possible on this key (an AWS managed key), or not supported by Mailroom (asymmetric, HMAC, imported or multi-Region keys).' },
  InvalidMarkerException: { status: 400, fault: 'Sender', when: 'The Marker is not one a previous List call returned.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export class ServiceError extends Error {
  readonly spec: ErrorSpec;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
    this.spec = ERROR_CATALOGUE[code];
  }
}

/** AWS's wording for a field that fails a constraint: "1 validation error detected: Value 'x' at 'f' failed to satisfy constraint: ...". */
export function constraintError(field: string, value: unknown, constraint: string): ServiceError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new ServiceError(
    'ValidationException',
    `1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}
