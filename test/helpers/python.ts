/**
 * Running the boto3 scripts of the end-to-end tests: whether boto3 is there (a test skips, saying so, when it is
 * not), and running a script to its end without blocking this process, which must keep serving the script's calls.
 */
import { spawn, spawnSync } from 'node:child_process';

const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });

/** `skip` for a boto3 test: false, or why it cannot run here. */
export const boto3Skip: false | string = probe.status === 0 ? false : 'boto3 is not installed for python3 on this machine (pip install boto3 to run this test)';

export function runPython(script: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('python3', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
}
