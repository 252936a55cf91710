/**
 * `npm run bench`: every benchmark, one process each (so one's memory and JIT state do not colour the next), in the
 * order docs/benchmarks.md reports them. Takes several minutes on a 2-core machine.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const benches = [
  ['matcher', 'bench/matcher.ts'],
  ['PutEvents ingest over HTTP', 'bench/ingest.ts'],
  ['store ingest (no HTTP)', 'bench/store-ingest.ts'],
  ['delivery', 'bench/delivery.ts'],
  ['SNS publish', 'bench/sns-publish.ts'],
  ['encryption at rest', 'bench/encryption.ts'],
  ['monitoring', 'bench/monitoring.ts'],
  ['SQS send, receive and delete over HTTP', 'bench/sqs.ts'],
  ['scale-out: 1-3 processes on PostgreSQL against SQLite', 'bench/scale-out.ts'],
] as const;

const root = fileURLToPath(new URL('..', import.meta.url));
let failed = 0;
for (const [name, file] of benches) {
  console.log(`\n## ${name} (node --import tsx ${file})\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${name} failed with exit code ${run.status}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
