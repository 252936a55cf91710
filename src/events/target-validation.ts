/**
 * The checks PutTargets makes on each target beyond its shape: a target kind Mailroom can deliver to, one way of
 * shaping input, a well-formed InputTransformer, an SQS dead-letter queue. A target that fails is reported in
 * FailedEntries with the reason while the others are stored, as AWS reports per-entry failures.
 */

/** A target as PutTargets receives it (the AWS shape; members Mailroom does not use are stored as given). */
export interface TargetInput {
  Id: string;
  Arn: string;
  RoleArn?: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  HttpParameters?: { PathParameterValues?: string[]; HeaderParameters?: Record<string, string>; QueryStringParameters?: Record<string, string> };
  SqsParameters?: { MessageGroupId?: string };
  [member: string]: unknown;
}

/** Variables EventBridge defines for every InputTemplate. */
export const PREDEFINED_VARIABLES = ['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json'];

const TARGET_ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}):(.+)$/;
const PATH_KEY = /^[A-Za-z0-9_-]+$/;
// A JSONPath as EventBridge accepts it: $ followed by .name, ['name'] or [index] steps.
const JSON_PATH = /^\$(\.[^.[\]]+|\[\d+\]|\['[^']*'\])*$/;

/** Returns why the target cannot be accepted, or undefined when it can. */
export function targetProblem(target: TargetInput): string | undefined {
  const arn = TARGET_ARN.exec(target.Arn);
  if (!arn) return `Target ${target.Id}: Arn '${target.Arn}' is not a valid ARN.`;
  const [, service, , , resource] = arn as unknown as string[];
  if (!isDeliverable(service!, resource!)) {
    return `Target ${target.Id}: Mailroom cannot deliver to '${target.Arn}'; supported targets are API destinations, event buses, SQS queues, SNS topics and Lambda-style functions.`;
  }
  const shapers = [target.Input, target.InputPath, target.InputTransformer].filter((v) => v !== undefined).length;
  if (shapers > 1) return `Target ${target.Id}: Only one of Input, InputPath, or InputTransformer can be provided.`;
  if (target.Input !== undefined && !isJson(target.Input)) return `Target ${target.Id}: Input is not valid JSON text.`;
  if (target.InputPath !== undefined && !JSON_PATH.test(target.InputPath)) return `Target ${target.Id}: InputPath '${target.InputPath}' is not a valid JSON path.`;
  if (target.InputTransformer) {
    const problem = transformerProblem(target.InputTransformer);
    if (problem) return `Target ${target.Id}: ${problem}`;
  }
  const dlq = target.DeadLetterConfig?.Arn;
  if (dlq !== undefined && !/^arn:aws[a-z-]*:sqs:[a-z0-9-]*:\d{12}:[A-Za-z0-9_-]{1,80}$/.test(dlq)) {
    return `Target ${target.Id}: DeadLetterConfig.Arn '${dlq}' must be the ARN of an SQS queue.`;
  }
  if (target.SqsParameters?.MessageGroupId !== undefined && service === 'sqs' && !resource!.endsWith('.fifo')) {
    return `Target ${target.Id}: SqsParameters.MessageGroupId is only allowed for FIFO queues.`;
  }
  return undefined;
}

function isDeliverable(service: string, resource: string): boolean {
  switch (service) {
    case 'events':
      return resource.startsWith('event-bus/') || resource.startsWith('api-destination/');
    case 'sqs':
    case 'sns':
      return resource.length > 0;
    case 'lambda':
      return resource.startsWith('function:');
    default:
      return false;
  }
}

function transformerProblem(t: { InputPathsMap?: Record<string, string>; InputTemplate: string }): string | undefined {
  const paths = t.InputPathsMap ?? {};
  for (const [key, path] of Object.entries(paths)) {
    if (!PATH_KEY.test(key)) return `InputPathsMap key '${key}' must contain only letters, digits, '_' and '-'.`;
    if (key.startsWith('aws.') || PREDEFINED_VARIABLES.includes(key)) return `InputPathsMap key '${key}' is reserved.`;
    if (!JSON_PATH.test(path)) return `InputPathsMap value '${path}' for key '${key}' is not a valid JSON path.`;
  }
  const template = t.InputTemplate.trim();
  // A template that looks like JSON must stay valid JSON once its placeholders are filled in; check it with
  // a stand-in value, quoted or not as the placeholder's position requires.
  if (template.startsWith('{') || template.startsWith('[')) {
    const filled = template.replace(/<([^<>\s]+)>/g, (_m, name: string) => (name in paths || PREDEFINED_VARIABLES.includes(name) ? '0' : `<${name}>`));
    if (!isJson(filled.replace(/"(?:[^"\\]|\\.)*"/g, '""'))) return 'InputTemplate is not valid JSON once its placeholders are replaced.';
  }
  return undefined;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
