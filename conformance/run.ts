/**
 * EventBridge pattern conformance runner: replays the AWS-recorded TestEventPattern cases in
 * ../shared/conformance/eventbridge-patterns (or $MAILROOM_CONFORMANCE_DIR) against Mailroom through the
 * TestEventPattern API: on the server $MAILROOM_ENDPOINT names, or else on a `mailroom serve` process it starts
 * for the run (`--in-process` calls the pattern engine directly instead). Prints one line per failure, then
 * "N passed, N failed"; exits 1 on any failure and 0 (with a "skipped" note) when the suite is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';
import { InvalidEventPatternError, testEventPattern } from '../src/patterns/index.js';
import { removeDir, startServerProcess } from '../test/helpers/server-process.js';

export interface ConformanceCase {
  readonly name: string;
  /** JSON text of the pattern (raw file text where duplicate keys matter). */
  readonly patternText: string;
  readonly eventText: string;
  readonly expected: 'match' | 'nomatch' | { readonly error: string };
}

export type CaseOutcome = 'match' | 'nomatch' | { readonly error: string; readonly code?: string };
export type RunCase = (c: ConformanceCase) => Promise<CaseOutcome>;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function suiteDir(): string {
  return process.env.MAILROOM_CONFORMANCE_DIR ?? resolve(repoRoot, '../shared/conformance/eventbridge-patterns');
}

export function loadCases(dir: string): ConformanceCase[] {
  const messages = JSON.parse(readFileSync(join(dir, '_aws_error_messages.json'), 'utf8')) as Record<string, { Message: string }>;
  const cases: ConformanceCase[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json5')).sort()) {
    const name = basename(file, '.json5');
    const body = JSON5.parse(readFileSync(join(dir, file), 'utf8')) as { Event: unknown; EventPattern: unknown };
    let expected: ConformanceCase['expected'] = 'match';
    if (name.endsWith('_NEG')) expected = 'nomatch';
    if (name.endsWith('_EXC')) expected = { error: messages[name]?.Message ?? '' };
    cases.push({ name, patternText: JSON.stringify(body.EventPattern), eventText: JSON.stringify(body.Event), expected });
  }
  const multiKeyPattern = join(dir, 'complex_multi_key_event_pattern.json');
  if (existsSync(multiKeyPattern)) {
    cases.push({
      name: 'complex_multi_key_event',
      // Raw text on purpose: the pattern repeats a key, which a JSON parser would silently collapse.
      patternText: readFileSync(multiKeyPattern, 'utf8'),
      eventText: readFileSync(join(dir, 'complex_multi_key_event.json'), 'utf8'),
      expected: 'match',
    });
  }
  return cases;
}

export const runInProcess: RunCase = async (c) => {
  try {
    return testEventPattern(c.patternText, c.eventText) ? 'match' : 'nomatch';
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return { error: e.message, code: e.code };
    const err = e as { message?: string; code?: string };
    return { error: String(err.message ?? e), code: err.code };
  }
};

export function httpRunner(endpoint: string): RunCase {
  return async (c) => {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSEvents.TestEventPattern' },
      body: JSON.stringify({ EventPattern: c.patternText, Event: c.eventText }),
    });
    const body = (await res.json().catch(() => ({}))) as { Result?: unknown; __type?: string; message?: string; Message?: string };
    if (res.ok && typeof body.Result === 'boolean') return body.Result ? 'match' : 'nomatch';
    const code = body.__type?.split('#').pop();
    return { error: body.message ?? body.Message ?? `HTTP ${res.status}`, code };
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

/** Returns a failure description, or null when the outcome is what AWS recorded. */
export function judge(c: ConformanceCase, got: CaseOutcome): string | null {
  const show = (o: CaseOutcome | ConformanceCase['expected']): string => (typeof o === 'string' ? o : `error "${o.error}"`);
  if (typeof c.expected === 'string') return got === c.expected ? null : `expected ${c.expected}, got ${show(got)}`;
  if (typeof got === 'string') return `expected ${show(c.expected)}, got ${got}`;
  if (got.code !== undefined && got.code !== 'InvalidEventPatternException') return `expected InvalidEventPatternException, got ${got.code}: ${got.error}`;
  if (c.expected.error && firstLine(got.error) !== firstLine(c.expected.error)) {
    return `expected message "${firstLine(c.expected.error)}", got "${firstLine(got.error)}"`;
  }
  return null;
}

async function main(): Promise<void> {
  const dir = suiteDir();
  if (!existsSync(join(dir, '_aws_error_messages.json'))) {
    console.log(`skipped: conformance suite not found at ${dir} (set MAILROOM_CONFORMANCE_DIR)`);
    return;
  }
  const inProcess = process.argv.includes('--in-process');
  const server = inProcess || process.env.MAILROOM_ENDPOINT ? undefined : await startServerProcess();
  const endpoint = process.env.MAILROOM_ENDPOINT ?? server?.url;
  try {
    await runSuite(dir, endpoint ? httpRunner(endpoint) : runInProcess, endpoint ? `TestEventPattern on ${endpoint}` : 'in-process testEventPattern');
  } finally {
    if (server) {
      await server.stop();
      removeDir(server.dataDir);
    }
  }
}

async function runSuite(dir: string, run: RunCase, how: string): Promise<void> {
  console.log(`conformance: ${dir} via ${how}`);
  let passed = 0;
  let failed = 0;
  for (const c of loadCases(dir)) {
    let problem: string | null;
    try {
      problem = judge(c, await run(c));
    } catch (e) {
      problem = `runner error: ${(e as Error).message}`;
    }
    if (problem) {
      failed++;
      console.log(`FAIL ${c.name}: ${problem}`);
    } else passed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
