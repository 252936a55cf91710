/**
 * Every code in the error catalogue is documented in docs/errors.md with the same status and fault, and the docs
 * list no code the catalogue lacks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { ERROR_CATALOGUE } from '../src/errors.js';

it('docs/errors.md lists exactly the catalogue', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; fault: string }>();
  for (const m of doc.matchAll(/^\| (\w+) \| (\d{3}) \| (Sender|Receiver) \|/gm)) rows.set(m[1]!, { status: Number(m[2]), fault: m[3]! });
  const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([code, spec]) => [code, { status: spec.status, fault: spec.fault }]));
  assert.deepEqual(rows, catalogue);
});
