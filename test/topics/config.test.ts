/**
 * resolveConfig's SNS settings: `smtp` (the relay email subscriptions go through) and `publicUrl` (what SNS links
 * point at), validated at start with the setting named.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, resolveConfig } from '../../src/config.js';
import { removeDir, tempDataDir } from '../helpers/server-process.js';

describe('resolveConfig smtp and publicUrl', () => {
  const dir = tempDataDir('mailroom-config-');
  after(() => removeDir(dir));
  const withFile = (content: unknown) => {
    const path = join(dir, 'mailroom.json');
    writeFileSync(path, JSON.stringify(content));
    return resolveConfig({}, {}, path);
  };
  const refused = (content: unknown, message: RegExp) => assert.throws(() => withFile(content), (err: Error) => err instanceof ConfigError && message.test(err.message));

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
