/**
 * How an operation's input and output look on the AWS query protocol: the serialization traits of the service's
 * model (botocore's `locationName` and `flattened`), declared once per operation so the generic code can read
 * form parameters (`Attribute.1.Name`, `AttributeName.1`, `Tags.member.1.Key`) into the same input objects the
 * JSON protocol produces, and write an operation's output back as XML. Validation stays with the operation.
 *
 * Names follow botocore: a member's `name` (its locationName) replaces the member key on the wire. A flattened
 * list repeats its elements under the member name (or the list's `memberName`); a wrapped one nests them as
 * `<Name><member>..</member></Name>` / `Name.member.N`. A flattened map repeats `{keyName, valueName}` pairs under
 * the member name; a wrapped one nests them in `entry`.
 *
 * Timestamps are ISO 8601 text on this wire both ways (`2026-11-25T10:00:00Z` in, `2026-11-25T10:00:00.000Z`
 * out) and doubles decimal text; the operations see epoch seconds and numbers, as from awsJson.
 */

export type QueryShape = (
  // Blobs are strings too: base64 text on both the JSON and the query wire.
  | { kind: 'string' }
  | { kind: 'integer' }
  | { kind: 'double' }
  | { kind: 'boolean' }
  | { kind: 'timestamp' }
  | { kind: 'list'; member: QueryShape; flattened: boolean; memberName?: string }
  | { kind: 'map'; value: QueryShape; flattened: boolean; keyName: string; valueName: string }
  | QueryStructure
) & { readonly name?: string };

export interface QueryStructure {
  kind: 'structure';
  members: Readonly<Record<string, QueryShape>>;
}

type Traits = { name?: string };

export const qString: QueryShape = { kind: 'string' };
export const qInteger: QueryShape = { kind: 'integer' };
export const qDouble: QueryShape = { kind: 'double' };
export const qBoolean: QueryShape = { kind: 'boolean' };
export const qTimestamp: QueryShape = { kind: 'timestamp' };

export function qList(member: QueryShape, traits: Traits & { flattened?: boolean; memberName?: string } = {}): QueryShape {
  return { kind: 'list', member, flattened: traits.flattened ?? false, ...pick(traits, 'memberName', 'name') };
}

export function qMap(value: QueryShape, traits: Traits & { flattened?: boolean; keyName?: string; valueName?: string } = {}): QueryShape {
  return { kind: 'map', value, flattened: traits.flattened ?? false, keyName: traits.keyName ?? 'key', valueName: traits.valueName ?? 'value', ...pick(traits, 'name') };
}

export function qStruct(members: Record<string, QueryShape>): QueryStructure {
  return { kind: 'structure', members };
}

function pick<T extends object, K extends keyof T>(from: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

/** The wire name of a structure member. */
export function wireName(key: string, shape: QueryShape): string {
  return shape.name ?? key;
}
