/**
 * resolveConfig's `functions`: validated at start with the entry and field named, frozen, and resolved against
 * the config file's directory (the working directory without a file); and its SNS settings, `smtp` and
 * `publicUrl`, checked the same way.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, resolveConfig } from '../src/config.js';
import { removeDir, tempDataDir } from './helpers/server-process.js';

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

describe('resolveConfig functions', () => {
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

  it('starts scaled time at the process start unless given a shared origin, which must be ms since the epoch', () => {
    assert.equal(resolveConfig({}, {}).timeOrigin, undefined);
    assert.equal(resolveConfig({}, { MAILROOM_TIME_ORIGIN: '1767225600000' }).timeOrigin, 1767225600000);
    assert.equal(resolveConfig({ timeOrigin: '5' }, { MAILROOM_TIME_ORIGIN: '1767225600000' }).timeOrigin, 5);
    assert.throws(() => resolveConfig({ timeOrigin: 'soon' }, {}), (err: Error) => err instanceof ConfigError && /time origin must be milliseconds since the epoch, got 'soon'/.test(err.message));
  });

  it('reads configuration changes every second unless told otherwise, from 10 ms to an hour', () => {
    assert.equal(resolveConfig({}, {}).configPollMs, 1000);
    assert.equal(resolveConfig({}, { MAILROOM_CONFIG_POLL_MS: '250' }).configPollMs, 250);
    assert.equal(resolveConfig({ configPollMs: '50' }, { MAILROOM_CONFIG_POLL_MS: '250' }).configPollMs, 50);
    assert.throws(() => resolveConfig({ configPollMs: '5' }, {}), (err: Error) => err instanceof ConfigError && /config poll interval must be .* from 10 to 3600000, got '5'/.test(err.message));
  });
});

describe('resolveConfig smtp and publicUrl', () => {
  it('has neither by default', () => {
    const config = resolveConfig({}, {});
    assert.equal(config.smtp, undefined);
    assert.equal(config.publicUrl, undefined);
  });

  it('takes them from the config file, frozen', () => {
    const config = withFile({ smtp: { host: 'mail.example.com', port: 465, from: 'sns@example.com', secure: true, username: 'u', password: 'p' }, publicUrl: 'https://mailroom.example.com' });
    assert.deepEqual(config.smtp, { host: 'mail.example.com', port: 465, from: 'sns@example.com', secure: true, username: 'u', password: 'p' });
    assert.ok(Object.isFrozen(config.smtp));
    assert.equal(config.publicUrl, 'https://mailroom.example.com');
  });

  it('refuses bad values, naming the setting', () => {
    refused({ smtp: 'localhost' }, /smtp must be an object/);
    refused({ smtp: { host: 'h', port: 0, from: 'a@b' } }, /smtp\.port must be an integer/);
    refused({ smtp: { host: 'h', port: 25, from: 'nobody' } }, /smtp\.from must be an email address/);
    refused({ smtp: { host: 'h', port: 25, from: 'a@b', user: 'x' } }, /smtp has unknown settings: user/);
    refused({ smtp: { host: 'h', port: 25, from: 'a@b', username: 'u' } }, /username and password go together/);
    refused({ smtp: { host: 'h', port: 25, from: 'a@b', username: 'u', password: 'p' } }, /need "secure": true/);
    refused({ publicUrl: 'mailroom.local' }, /publicUrl must be an http:\/\/ or https:\/\/ URL/);
  });
});

describe('resolveConfig root key', () => {
  const dir = tempDataDir('mailroom-config-');
  after(() => removeDir(dir));

  it('takes the key file from a flag, then MAILROOM_ROOT_KEY_FILE, then the file (relative to it)', () => {
    const path = join(dir, 'mailroom.json');
    writeFileSync(path, JSON.stringify({ rootKeyFile: 'keys/root.key' }));
    assert.equal(resolveConfig({}, {}, path).rootKeyFile, join(dir, 'keys/root.key'));
    assert.equal(resolveConfig({}, { MAILROOM_ROOT_KEY_FILE: '/env.key' }, path).rootKeyFile, '/env.key');
    assert.equal(resolveConfig({ rootKeyFile: '/flag.key' }, { MAILROOM_ROOT_KEY_FILE: '/env.key' }, path).rootKeyFile, '/flag.key');
    assert.equal(resolveConfig({}, {}).rootKeyFile, undefined);
  });

  it('takes the base64 key from MAILROOM_ROOT_KEY only', () => {
    assert.equal(resolveConfig({}, { MAILROOM_ROOT_KEY: 'a2V5' }).rootKey, 'a2V5');
    const path = join(dir, 'with-key.json');
    writeFileSync(path, JSON.stringify({ rootKey: 'a2V5' }));
    assert.throws(() => resolveConfig({}, {}, path), (err: Error) => err instanceof ConfigError && /unknown settings: rootKey/.test(err.message));
    assert.throws(() => resolveConfig({}, { MAILROOM_ROOT_KEY: '' }), /must not be empty/);
  });
});

describe('resolveConfig secure defaults', () => {
  it('has default alarms on and no alerts endpoint by default', () => {
    const config = resolveConfig({}, {});
    assert.equal(config.defaultAlarms, true);
    assert.equal(config.alertsWebhook, undefined);
    assert.equal(config.alertsEmail, undefined);
  });

  it('takes flags over environment over file', () => {
    const file = { defaultAlarms: true, alertsWebhook: 'https://file.example.com/hook', alertsEmail: 'file@example.com', smtp: { host: 'localhost', port: 25, from: 'sns@example.com' } };
    assert.equal(withFile(file).defaultAlarms, true);
    assert.equal(withFile({ ...file, defaultAlarms: false }).defaultAlarms, false);
    const path = join(dir, 'mailroom.json');
    const env = { MAILROOM_DEFAULT_ALARMS: 'FALSE', MAILROOM_ALERTS_WEBHOOK: 'http://env.example.com/hook' };
    const fromEnv = resolveConfig({}, env, path);
    assert.equal(fromEnv.defaultAlarms, false);
    assert.equal(fromEnv.alertsWebhook, 'http://env.example.com/hook');
    assert.equal(fromEnv.alertsEmail, 'file@example.com');
    const fromFlags = resolveConfig({ defaultAlarms: false, alertsWebhook: 'https://flag.example.com/hook' }, { MAILROOM_DEFAULT_ALARMS: 'true' }, path);
    assert.equal(fromFlags.defaultAlarms, false);
    assert.equal(fromFlags.alertsWebhook, 'https://flag.example.com/hook');
  });

  it('refuses bad values, naming the setting', () => {
    assert.throws(() => resolveConfig({}, { MAILROOM_DEFAULT_ALARMS: 'off' }), /default alarms must be true or false, got 'off'/);
    assert.throws(() => resolveConfig({ alertsWebhook: 'ftp://example.com' }, {}), /alerts webhook must be an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => resolveConfig({ alertsEmail: 'ops' }, {}), /alerts email must be an email address/);
    assert.throws(() => resolveConfig({ alertsEmail: 'ops@example.com' }, {}), /alerts email needs an SMTP server/);
    refused({ defaultAlarms: 'no' }, /default alarms must be true or false/);
    refused({ alerts: {} }, /unknown settings: alerts \(known: .*alertsWebhook, alertsEmail/);
  });
});
