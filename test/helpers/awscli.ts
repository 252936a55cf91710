/**
 * Debian's awscli 2.9 (`/usr/bin/aws`), whose bundled models of SQS and CloudWatch are the query-era ones: its
 * commands are form posts answered in XML. Runs `aws <service> ...` against an endpoint with a configuration of
 * its own (a temporary HOME, fixed credentials and region) so that nothing of the user's leaks in, and asserts on
 * the outcome: JSON output for a command that must succeed, "An error occurred (<query code>)" for one that must
 * fail.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir } from './server-process.js';

export const DEBIAN_AWS = '/usr/bin/aws';

/** The reason to skip a test when the CLI is absent, else false. */
export function awsCliSkip(speaks: string): string | false {
  return existsSync(DEBIAN_AWS) ? false : `${DEBIAN_AWS} (Debian's awscli 2.9, which speaks ${speaks}) is not installed: apt-get install awscli to run this test`;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** CLI output, asserted field by field. */
export type Json = Record<string, any>;

export interface AwsCli {
  run(args: string[]): Promise<CliResult>;
  /** A command that must succeed; its JSON output ({} when it prints nothing). */
  ok(...args: string[]): Promise<Json>;
  /** A command that must fail with the query error `code`; its error output. */
  fails(code: string, ...args: string[]): Promise<string>;
  /** Removes the CLI's temporary HOME. */
  close(): void;
}

export function awsCli(service: string, endpoint: string, region = 'us-east-1'): AwsCli {
  const home = mkdtempSync(join(tmpdir(), 'mailroom-awscli-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_ACCESS_KEY_ID: 'AKIDAWSCLI',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_DEFAULT_REGION: region,
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const run = (args: string[]): Promise<CliResult> =>
    new Promise((resolve) => {
      const child = spawn(DEBIAN_AWS, [service, ...args, '--endpoint-url', endpoint, '--output', 'json', '--cli-connect-timeout', '5'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  return {
    run,
    async ok(...args) {
      const r = await run(args);
      assert.equal(r.code, 0, `aws ${service} ${args.join(' ')} failed:\n${r.stderr}`);
      return r.stdout.trim() ? (JSON.parse(r.stdout) as Json) : {};
    },
    async fails(code, ...args) {
      const r = await run(args);
      assert.notEqual(r.code, 0, `aws ${service} ${args.join(' ')} succeeded; expected ${code}`);
      assert.match(r.stderr, new RegExp(`An error occurred \\(${code.replace(/\./g, '\\.')}\\)`), r.stderr);
      return r.stderr;
    },
    close: () => removeDir(home),
  };
}
