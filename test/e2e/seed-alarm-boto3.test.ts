/**
 * The seed's alarm driven by boto3 (python/seed_alarm_boto3.py: a KMS-encrypted topic, an HTTP subscriber that
 * confirms through the SubscribeURL, the seed's PutMetricAlarm, a message moved to the dead-letter queue by a
 * RedrivePolicy, ALARM then OK notifications) against `mailroom serve --time-scale 120` with the secure defaults
 * on and `--alerts-webhook` pointing here: besides the script's own alarm, Mailroom's default depth alarm on the
 * same queue notifies this webhook.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { startSink } from '../helpers/http-sink.js';
import { boto3Skip, runPython } from '../helpers/python.js';
import { REPO_ROOT, removeDir, startServerProcess } from '../helpers/server-process.js';
import { untilNotified } from './alarm-helpers.js';

it("notifies the seed's alarm and the default one, driven by boto3", { skip: boto3Skip, timeout: 120_000 }, async () => {
  const webhook = await startSink();
  // 120×: see seed-alarm-sdk.test.ts.
  const server = await startServerProcess({ timeScale: 120, args: ['--alerts-webhook', `${webhook.url}/alerts`] });
  try {
    const { status, stdout, stderr } = await runPython(join(REPO_ROOT, 'test/e2e/python/seed_alarm_boto3.py'), [server.url]);
    assert.equal(status, 0, `boto3 script failed:\n${stdout}\n${stderr}`);
    for (const step of ['topic subscribe confirm', 'default_alarm', 'put_metric_alarm ok_action', 'dead_letter', 'alarm_notification', 'drained ok_action']) {
      assert.match(stdout, new RegExp(`ok ${step}`));
    }
    const notified = await untilNotified(webhook, 'mailroom-dlq-depth-py-dlq', '*', 'ALARM');
    assert.equal(notified.alarm.Trigger.Namespace, 'AWS/SQS');
  } finally {
    await server.kill();
    await webhook.close();
    removeDir(server.dataDir);
  }
});
