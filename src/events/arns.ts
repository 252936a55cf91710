/**
 * EventBridge ARNs as AWS spells them. A rule on the default bus is `rule/<name>`; on a custom bus it is
 * `rule/<bus>/<name>`. APIs that take a bus accept its name or its ARN.
 */
import { ServiceError } from '../errors.js';

const PREFIX = /^arn:aws[a-z-]*:events:([a-z0-9-]*):(\d{12}):/;

export function busArn(region: string, account: string, bus: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${bus}`;
}

export function ruleArn(region: string, account: string, bus: string, rule: string): string {
  return bus === 'default'
    ? `arn:aws:events:${region}:${account}:rule/${rule}`
    : `arn:aws:events:${region}:${account}:rule/${bus}/${rule}`;
}

export function connectionArn(region: string, account: string, name: string, uuid: string): string {
  return `arn:aws:events:${region}:${account}:connection/${name}/${uuid}`;
}

export function apiDestinationArn(region: string, account: string, name: string, uuid: string): string {
  return `arn:aws:events:${region}:${account}:api-destination/${name}/${uuid}`;
}

/** The bus name from `EventBusName`, which may be a name or a bus ARN; absent means `default`. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return 'default';
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const m = PREFIX.exec(nameOrArn);
  const rest = m ? nameOrArn.slice(m[0].length) : '';
  if (!rest.startsWith('event-bus/')) throw new ServiceError('ValidationException', `Parameter ${nameOrArn} is not valid. Reason: Provided Arn is not in correct format.`);
  return rest.slice('event-bus/'.length);
}

/** Splits a connection or API destination ARN into its kind and name, or returns undefined. */
export function parseEventsResourceArn(arn: string): { kind: string; name: string; region: string } | undefined {
  const m = PREFIX.exec(arn);
  if (!m) return undefined;
  const [kind, ...rest] = arn.slice(m[0].length).split('/');
  if (!kind || rest.length === 0) return undefined;
  return { kind, name: rest[0]!, region: m[1]! };
}
