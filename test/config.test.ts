/**
 * resolveConfig's `functions`: validated at start with the entry and field named, frozen, and resolved against
 * the config file's directory (the working directory without a file).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, resolveConfig } from '../src/config.js';
import { removeDir, tempDataDir } from './helpers/server-process.js';

describe('resolveConfig functions', () => {
  const dir = tempDataDir('mailroom-config-');
  mkdirSync(join(dir, 'handlers'));
  writeFileSync(join(dir, 'handlers', 'orders.mjs'), 'export const handler = () => null;\n');
  after(() => removeDir(dir));

  const withFile = (content: unknown) => {
    const path = join(dir, 'mailroom.json');
    writeFileSync(path, JSON.stringify(content));
    return resolveConfig({}, {}, path);
  };
  const refused = (content: unknown, message: RegExp) => assert.throws(() => withFile(content), (err: Error) => err instanceof ConfigError && message.test(err.message));

  it('has none, based at the working directory, without a config file', () => {
    const config = resolveConfig({}, {});
    assert.deepEqual(config.functions, []);
    assert.equal(config.functionsBaseDir, process.cwd());
  });

  it("fills Lambda's defaults and bases handler paths at the file's directory", () => {
    const config = withFile({ port: 0, functions: [{ name: 'orders', handler: 'handlers/orders.mjs#handler', onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq' }] });
    assert.equal(config.functionsBaseDir, dir);
    assert.deepEqual(config.functions, [
      { name: 'orders', handler: 'handlers/orders.mjs#handler', timeoutSeconds: 3, maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21600, onFailure: 'arn:aws:sqs:us-east-1:000000000000:dlq' },
    ]);
    assert.ok(Object.isFrozen(config.functions) && Object.isFrozen(config.functions[0]));
  });

  it('refuses bad entries, naming the entry and the field', () => {
    refused({ functions: { name: 'orders' } }, /functions must be an array/);
    refused({ functions: ['orders'] }, /functions\[0\]: A function must be an object/);
    refused({ functions: [{ name: 'orders', handler: 'handlers/orders.mjs', maximumRetryAttempts: -1 }] }, /functions\[0\]: Function 'orders': maximumRetryAttempts must be a whole number from 0 to 2, got -1/);
    refused({ functions: [{ name: 'orders', handler: 'handlers/orders.mjs', onSuccess: 'arn:aws:s3:::bucket' }] }, /functions\[0\]: Function 'orders': onSuccess must be the ARN/);
    refused({ functions: [{ name: 'a', handler: 'handlers/orders.mjs' }, { name: 'a', handler: 'handlers/orders.mjs' }] }, /functions\[1\]: name 'a' is used by an earlier entry/);
    refused({ functions: [{ name: 'a', handler: 'handlers/missing.mjs' }] }, /functions\[0\]: handler module .*missing\.mjs does not exist/);
    refused({ function: [] }, /unknown settings: function \(known: .*functions\)/);
  });
});

describe('resolveConfig store', () => {
  const dir = tempDataDir('mailroom-config-');
  after(() => removeDir(dir));
  const url = 'postgres://mailroom:secret@db.internal:5432/mailroom';

  it('uses the data dir, with a pool of 10 for when PostgreSQL is used, unless told otherwise', () => {
    const config = resolveConfig({}, {});
    assert.equal(config.store, undefined);
    assert.equal(config.poolSize, 10);
  });

  it('takes a postgres:// URL from the flag, MAILROOM_DATABASE_URL or the file, in that order', () => {
    const path = join(dir, 'mailroom.json');
    writeFileSync(path, JSON.stringify({ store: `${url}?from=file`, poolSize: 4 }));
    assert.equal(resolveConfig({}, {}, path).store, `${url}?from=file`);
    assert.equal(resolveConfig({}, {}, path).poolSize, 4);
    assert.equal(resolveConfig({}, { MAILROOM_DATABASE_URL: `${url}?from=env`, MAILROOM_POOL_SIZE: '20' }, path).store, `${url}?from=env`);
    assert.equal(resolveConfig({}, { MAILROOM_POOL_SIZE: '20' }, path).poolSize, 20);
    assert.equal(resolveConfig({ store: url }, { MAILROOM_DATABASE_URL: `${url}?from=env` }, path).store, url);
  });

  it('refuses a store that is not a PostgreSQL URL, and a bad pool size', () => {
    assert.throws(() => resolveConfig({ store: './mailroom.db' }, {}), (err: Error) => err instanceof ConfigError && /store must be a postgres:\/\/ URL/.test(err.message));
    assert.throws(() => resolveConfig({ poolSize: '0' }, {}), (err: Error) => err instanceof ConfigError && /pool size must be an integer from 1 to 1000, got '0'/.test(err.message));
  });

  it('reads configuration changes every second unless told otherwise, from 10 ms to an hour', () => {
    assert.equal(resolveConfig({}, {}).configPollMs, 1000);
    assert.equal(resolveConfig({}, { MAILROOM_CONFIG_POLL_MS: '250' }).configPollMs, 250);
    assert.equal(resolveConfig({ configPollMs: '50' }, { MAILROOM_CONFIG_POLL_MS: '250' }).configPollMs, 50);
    assert.throws(() => resolveConfig({ configPollMs: '5' }, {}), (err: Error) => err instanceof ConfigError && /config poll interval must be .* from 10 to 3600000, got '5'/.test(err.message));
  });
});
