/**
 * What a target receives, shaped the way EventBridge shapes it from the target's `Input`, `InputPath` or
 * `InputTransformer` (at most one is set; PutTargets validates that). This runs once per delivery attempt, so the
 * event is parsed at most once, only when a path has to be read, and templates and paths are compiled once and cached.
 *
 * Behaviour taken from AWS where the docs are vague (recorded against AWS in LocalStack's validated snapshots):
 * - a text template (one not starting with `{` or `[`) is sent as written, quotes included, with strings inserted raw;
 * - a path that selects nothing becomes an empty string: `""` in an unquoted JSON position, nothing inside a quoted
 *   string or a text template (AWS: "that variable isn't created");
 * - `<aws.events.event>` is the envelope without `detail`, with `detail-type` spelled `detailType`;
 *   `<aws.events.event.json>` is the whole envelope.
 * Mailroom's choices where AWS's behaviour is not on record:
 * - an `InputPath` that selects nothing sends `null` (valid JSON for every target kind);
 * - a JSON template is sent minified (whitespace outside strings removed), as the AWS docs say;
 * - an object or array inside a quoted string is inserted as JSON with its quotes removed (`{key:value}`), as the
 *   AWS docs describe, so the string stays valid.
 */

export interface InputShaping {
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
}

export interface InputContext {
  ruleArn: string;
  ruleName: string;
  /** ISO 8601 time at which the bus accepted the event. */
  ingestionTime: string;
}

/** The text the target receives, given the target's shaping members and the envelope as JSON text. */
export function shapeInput(target: InputShaping, event: string, context: InputContext): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    if (target.InputPath === '$') return event;
    const value = select(compilePath(target.InputPath), JSON.parse(event));
    return value === undefined ? 'null' : JSON.stringify(value);
  }
  if (target.InputTransformer) return transform(target.InputTransformer, event, context);
  return event;
}

/** The value at a JSONPath in an already parsed document, undefined when there is none. */
export function readPath(path: string, document: unknown): unknown {
  return select(compilePath(path), document);
}

type Step = string | number | typeof WILDCARD;
const WILDCARD = Symbol('*');
// One JSONPath step: `.name`, `['name']`, `[3]`, `.*` or `[*]`.
const STEP = /\.([^.[\]]+)|\['([^']*)'\]|\[(\d+)\]|\[\*\]/y;
const MAX_CACHED = 1000;
const paths = new Map<string, Step[]>();

function compilePath(path: string): Step[] {
  let steps = paths.get(path);
  if (steps) return steps;
  if (!path.startsWith('$')) throw new Error(`'${path}' is not a JSON path`);
  steps = [];
  for (let pos = 1; pos < path.length; pos = STEP.lastIndex) {
    STEP.lastIndex = pos;
    const m = STEP.exec(path);
    if (!m) throw new Error(`'${path}' is not a JSON path`);
    const name = m[1] ?? m[2];
    if (m[3] !== undefined) steps.push(Number(m[3]));
    else steps.push(name === undefined || m[1] === '*' ? WILDCARD : name);
  }
  remember(paths, path, steps);
  return steps;
}

/** The value at the path, undefined when there is none; a path with a wildcard yields the list of its matches. */
function select(steps: Step[], root: unknown): unknown {
  if (!steps.includes(WILDCARD)) {
    let node = root;
    for (const step of steps) node = child(node, step);
    return node;
  }
  let nodes = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of nodes) {
      if (step !== WILDCARD) {
        const value = child(node, step);
        if (value !== undefined) next.push(value);
      } else if (node !== null && typeof node === 'object') {
        next.push(...Object.values(node));
      }
    }
    nodes = next;
  }
  return nodes;
}

function child(node: unknown, step: Step): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  if (typeof step === 'number') return Array.isArray(node) ? node[step] : undefined;
  return Array.isArray(node) ? undefined : Object.hasOwn(node, step as string) ? (node as Record<string, unknown>)[step as string] : undefined;
}

/** Where a placeholder sits, which decides how its value is written. */
type Position = 'text' | 'json' | 'json-string';
interface Template {
  /** Literal text, then placeholder, literal, placeholder, ..., literal (always one more literal than placeholders). */
  literals: string[];
  slots: { name: string; position: Position }[];
}

const templates = new Map<string, Template>();

function compileTemplate(template: string): Template {
  let compiled = templates.get(template);
  if (compiled) return compiled;
  const json = /^\s*[[{]/.test(template);
  compiled = { literals: [], slots: [] };
  let literal = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c === '<') {
      const end = template.indexOf('>', i + 1);
      const name = end > i + 1 ? template.slice(i + 1, end) : '';
      if (/^[^<>\s]+$/.test(name)) {
        compiled.literals.push(literal);
        compiled.slots.push({ name, position: !json ? 'text' : inString ? 'json-string' : 'json' });
        literal = '';
        i = end;
        continue;
      }
    }
    if (json && inString && c === '\\') {
      literal += c + (template[++i] ?? '');
      continue;
    }
    if (json && c === '"') inString = !inString;
    // Minify: whitespace outside JSON strings is dropped.
    if (json && !inString && (c === ' ' || c === '\n' || c === '\r' || c === '\t')) continue;
    literal += c;
  }
  compiled.literals.push(literal);
  remember(templates, template, compiled);
  return compiled;
}

const PREDEFINED = new Set(['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json']);

function transform(t: { InputPathsMap?: Record<string, string>; InputTemplate: string }, event: string, context: InputContext): string {
  const template = compileTemplate(t.InputTemplate);
  const map = t.InputPathsMap ?? {};
  let parsed: Record<string, unknown> | undefined;
  const envelope = () => (parsed ??= JSON.parse(event) as Record<string, unknown>);
  let out = template.literals[0]!;
  for (let i = 0; i < template.slots.length; i++) {
    const { name, position } = template.slots[i]!;
    if (Object.hasOwn(map, name) && !PREDEFINED.has(name)) {
      out += write(select(compilePath(map[name]!), envelope()), position);
    } else if (name === 'aws.events.event.json') {
      out += position === 'json-string' ? write(envelope(), position) : event;
    } else if (name === 'aws.events.event') {
      out += write(eventWithoutDetail(envelope(), context), position);
    } else if (name === 'aws.events.rule-arn') {
      out += write(context.ruleArn, position);
    } else if (name === 'aws.events.rule-name') {
      out += write(context.ruleName, position);
    } else if (name === 'aws.events.event.ingestion-time') {
      out += write(context.ingestionTime, position);
    } else {
      // Not a variable (PutTargets rejects such templates; text like `<br>` in a text template stays as written).
      out += `<${name}>`;
    }
    out += template.literals[i + 1]!;
  }
  return out;
}

function write(value: unknown, position: Position): string {
  if (value === undefined) return position === 'json' ? '""' : '';
  if (position === 'json') return JSON.stringify(value);
  if (typeof value === 'string') return position === 'text' ? value : escapeForString(value);
  if (value !== null && typeof value === 'object') {
    const json = JSON.stringify(value);
    return position === 'text' ? json : escapeForString(json.replaceAll('"', ''));
  }
  return String(value);
}

/** The text of a JSON string literal without its quotes. */
function escapeForString(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

/** `<aws.events.event>`: the envelope minus `detail`, as AWS delivers it (`detailType`, ingestion time). */
function eventWithoutDetail(envelope: Record<string, unknown>, context: InputContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(envelope)) {
    if (key === 'detail') continue;
    out[key === 'detail-type' ? 'detailType' : key] = key === 'time' ? context.ingestionTime : value;
  }
  return out;
}

/** Caches without bound are a leak when templates churn; forgetting everything now and then is cheap enough. */
function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, value);
}
