/**
 * The query protocol's XML answers: an operation's output as `<XResponse><XResult>..</XResult>
 * <ResponseMetadata>..</ResponseMetadata></XResponse>`, laid out by the operation's query shape, and failures as
 * `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. fast-xml-parser's builder
 * writes the document and escapes every value; element names come only from shapes, never from the request.
 * Numbers are written as JavaScript prints them (`2.5`, `1e-7`), which every AWS XML parser reads as a double.
 */
import { XMLBuilder, type XmlBuilderOptions } from 'fast-xml-parser';
import type { QueryShape, QueryStructure } from './query-shape.js';
import { wireName } from './query-shape.js';

const DECLARATION = '<?xml version="1.0"?>';

/** Characters XML 1.0 cannot carry at all; SQS refuses them in messages, but an error may echo any input. */
const NOT_XML = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

// The builder's entity table is an untyped option. Carriage returns are written as a character reference: a
// parser would otherwise normalise "\r\n" to "\n" and the body would no longer match its MD5.
const options: XmlBuilderOptions & { entities: { regex: RegExp; val: string }[] } = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  tagValueProcessor: (_name, value) => (typeof value === 'string' ? value.replace(NOT_XML, '\uFFFD') : value),
  entities: [
    { regex: /&/g, val: '&amp;' },
    { regex: />/g, val: '&gt;' },
    { regex: /</g, val: '&lt;' },
    { regex: /'/g, val: '&apos;' },
    { regex: /"/g, val: '&quot;' },
    { regex: /\r/g, val: '&#xD;' },
  ],
};
const builder = new XMLBuilder(options);

type XmlNode = string | XmlObject | XmlNode[];
interface XmlObject {
  [element: string]: XmlNode;
}

/** A successful answer; `output` is absent for operations that return nothing but the request id. */
export function responseXml(action: string, namespace: string, requestId: string, output?: { shape: QueryStructure; value: object }): string {
  const body: XmlObject = { '@_xmlns': namespace };
  if (output) body[`${action}Result`] = structure(output.shape, output.value as Record<string, unknown>);
  body.ResponseMetadata = { RequestId: requestId };
  return DECLARATION + builder.build({ [`${action}Response`]: body });
}

export interface XmlError {
  fault: 'Sender' | 'Receiver';
  code: string;
  message: string;
}

/** A failure; `namespace` is absent when the request named no service Mailroom serves. */
export function errorXml(error: XmlError, requestId: string, namespace?: string): string {
  const response: XmlObject = {};
  if (namespace !== undefined) response['@_xmlns'] = namespace;
  response.Error = { Type: error.fault, Code: error.code, Message: error.message, Detail: '' };
  response.RequestId = requestId;
  return DECLARATION + builder.build({ ErrorResponse: response });
}

function structure(shape: QueryStructure, value: Record<string, unknown>): XmlObject {
  const out: XmlObject = {};
  for (const [key, member] of Object.entries(shape.members)) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    const name = wireName(key, member);
    if (member.kind === 'list' && member.flattened) {
      // Repeated in place: `<QueueUrl>a</QueueUrl><QueueUrl>b</QueueUrl>`.
      out[member.memberName ?? name] = (v as unknown[]).map((item) => node(member.member, item));
    } else if (member.kind === 'map' && member.flattened) {
      out[name] = entries(member, v as Record<string, unknown>);
    } else {
      out[name] = node(member, v);
    }
  }
  return out;
}

/** A value in its own element; lists and maps here are the wrapped kind. */
function node(shape: QueryShape, value: unknown): XmlNode {
  switch (shape.kind) {
    case 'string':
    case 'integer':
    case 'double':
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'timestamp':
      // Services return Dates; AWS writes them with milliseconds: 2026-11-25T10:00:00.000Z.
      return (value as Date).toISOString();
    case 'structure':
      return structure(shape, value as Record<string, unknown>);
    case 'list':
      return { [shape.memberName ?? 'member']: (value as unknown[]).map((item) => node(shape.member, item)) };
    case 'map':
      return { entry: entries(shape, value as Record<string, unknown>) };
  }
}

function entries(shape: Extract<QueryShape, { kind: 'map' }>, value: Record<string, unknown>): XmlObject[] {
  return Object.entries(value).map(([k, v]) => ({ [shape.keyName]: k, [shape.valueName]: node(shape.value, v) }));
}
